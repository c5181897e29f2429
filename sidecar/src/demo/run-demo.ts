/**
 * The built-in demo: the stateful autoscaler (defaults of policy.md, active mode) in virtual time against
 * the step-load model; returns one row per evaluation.
 */
import { Autoscaler, DEFAULT_CONFIG, type Evaluation, type PolicyConfig } from '@flink-autoscaler/shared';
import { StepJob, type StepJobOptions } from './step-job.js';

export interface DemoRow {
  minute: number;
  inputRate: number;
  workers: number;
  throughput: number;
  backlog: number;
  cpu: number;
  evaluation: Evaluation;
}

export const DEMO_JOB: StepJobOptions = {
  capacityPerWorker: 250,
  load: [
    [0, 1000],
    [15 * 60, 2500],
    [45 * 60, 800],
  ],
  restartSeconds: 20,
  idleCpu: 0.05,
  workers: 5,
};

export function runDemo(minutes = 80, config: PolicyConfig = DEFAULT_CONFIG, job = DEMO_JOB): DemoRow[] {
  const model = new StepJob(job);
  const start = Date.UTC(2026, 0, 1);
  const autoscaler = new Autoscaler(config, () => start + model.time * 1000);
  const rows: DemoRow[] = [];
  const step = config.intervalSeconds;
  while (model.time < minutes * 60) {
    for (let s = 0; s < step; s++) model.tick();
    const throughput = model.takeThroughput(step);
    const cpu = model.cpu(throughput);
    const evaluation = autoscaler.observe({
      jobState: model.running ? 'RUNNING' : 'RESTARTING',
      deploymentStable: true,
      sample: {
        time: start + model.time * 1000,
        workers: model.workers,
        cpu,
        sources: [{ id: 'source', unit: 'records', rate: throughput, backlog: model.backlog }],
      },
    });
    rows.push({
      minute: model.time / 60,
      inputRate: model.inputRate(),
      workers: model.workers,
      throughput,
      backlog: model.backlog,
      cpu,
      evaluation,
    });
    if (evaluation.action !== 'none') {
      autoscaler.recordRescale({
        from: model.workers,
        to: evaluation.targetWorkers,
        trigger: 'policy',
        reasons: evaluation.decision?.reasons ?? [],
        evaluation,
      });
      model.rescale(evaluation.targetWorkers);
    }
  }
  return rows;
}
