import { spawnSync } from 'node:child_process';
import { Autoscaler, DEFAULT_CONFIG, type Evaluation } from '@flink-autoscaler/shared';
import { describe, expect, it } from 'vitest';
import { SidecarMetrics } from '../src/metrics/exporter.js';

const T0 = Date.UTC(2026, 0, 1);

/** A real evaluation: 9 samples of a job with a 150 s backlog time at 95 % CPU. */
function evaluation(backlog = 150_000, rate = 1000): Evaluation {
  let now = T0;
  const a = new Autoscaler(DEFAULT_CONFIG, () => now);
  let last: Evaluation | undefined;
  for (let i = 0; i <= 8; i++) {
    now = T0 + i * 15_000;
    last = a.observe({
      jobState: 'RUNNING',
      deploymentStable: true,
      sample: { time: now, workers: 10, cpu: 0.95, sources: [{ id: 'src', unit: 'records', rate, backlog }] },
    });
  }
  return last as Evaluation;
}

function promtool(text: string) {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (result.error)
    throw new Error(`promtool (Debian package prometheus) must be installed: ${result.error.message}`);
  return result;
}

async function exported(e: Evaluation): Promise<string> {
  const m = new SidecarMetrics({ namespace: 'streaming', flinkdeployment: 'clickstream' });
  m.setConfig(DEFAULT_CONFIG, 100);
  m.setMode('advisor');
  m.setEvaluation(e, 10);
  m.recordScaling('up', 'policy', T0 + 120_000);
  m.droppedSamples.inc({ reason: 'stale' });
  m.errors.inc({ stage: 'loop' });
  m.evaluationSeconds.observe(0.012);
  return m.text();
}

describe('the Prometheus exporter', () => {
  it('exports every signal, threshold and the decision, labelled by job', async () => {
    const e = evaluation();
    // policy.md's decision asks for 35; the default profile's R 4 adds the workers that drain, within the
    // cooldown, what arrives during the restart (10 · 60 s / 300 s = 2 more): the exporter shows what it asked
    expect(e.targetWorkers).toBe(37);
    const text = await exported(e);
    const labels = 'namespace="streaming",flinkdeployment="clickstream"';
    expect(text).toContain(`flink_autoscaler_workers{${labels}} 10`);
    expect(text).toContain(`flink_autoscaler_desired_workers{${labels}} 37`);
    expect(text).toMatch(
      /flink_autoscaler_throughput_per_second\{unit="records",namespace="streaming",flinkdeployment="clickstream"\} 1000/,
    );
    expect(text).toMatch(/flink_autoscaler_backlog\{unit="records",[^}]*\} 150000/);
    expect(text).toMatch(/flink_autoscaler_backlog_time_seconds\{[^}]*\} 150/);
    expect(text).toMatch(/flink_autoscaler_cpu_utilization_ratio\{[^}]*\} 0\.95/);
    expect(text).toMatch(/flink_autoscaler_scale_up_backlog_time_threshold_seconds\{[^}]*\} 120/);
    expect(text).toMatch(/flink_autoscaler_scale_down_cpu_threshold_ratio\{[^}]*\} 0\.7/);
    expect(text).toMatch(/flink_autoscaler_decision\{action="scale-up",[^}]*\} 1/);
    expect(text).toMatch(/flink_autoscaler_decision\{action="none",[^}]*\} 0/);
    expect(text).toMatch(/flink_autoscaler_decision_reason\{reason="backlog-time-high",[^}]*\} 1/);
    expect(text).toMatch(/flink_autoscaler_mode\{mode="advisor",[^}]*\} 1/);
    expect(text).toMatch(/flink_autoscaler_scalings_total\{direction="up",trigger="policy",[^}]*\} 1/);
    expect(text).toMatch(/flink_autoscaler_last_scaling_timestamp_seconds\{[^}]*\} 1767225720/);
  });

  it('writes +Inf for a backlog with no throughput, and promtool accepts it', async () => {
    const text = await exported(evaluation(5000, 0));
    expect(text).toMatch(/flink_autoscaler_backlog_time_seconds\{[^}]*\} \+Inf/);
    expect(promtool(text).status).toBe(0);
  });

  it('clears the signals when there are none (no stale values)', async () => {
    const m = new SidecarMetrics({ namespace: 'n', flinkdeployment: 'f' });
    m.setEvaluation(evaluation(), 10);
    m.setEvaluation(
      { ...evaluation(), signals: undefined, decision: undefined, gates: ['job-not-running'] } as Evaluation,
      10,
    );
    const text = await m.text();
    expect(text).not.toMatch(/flink_autoscaler_backlog\{/);
    expect(text).not.toMatch(/flink_autoscaler_cpu_utilization_ratio\{/);
    expect(text).toMatch(/flink_autoscaler_gate\{gate="job-not-running",[^}]*\} 1/);
  });

  it('shows no signal before the first evaluation', async () => {
    const text = await new SidecarMetrics({ namespace: 'n', flinkdeployment: 'f' }).text();
    expect(text).not.toMatch(
      /^flink_autoscaler_(workers|desired_workers|backlog_time_seconds|cpu_utilization_ratio)\{/m,
    );
  });

  it('passes promtool check metrics with nothing to say', async () => {
    const result = promtool(await exported(evaluation()));
    expect(result.stderr + result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('shows the sidecar’s own health: up, why not ready, leader, last cycle, and its own gates; promtool is content', async () => {
    const m = new SidecarMetrics({ namespace: 'n', flinkdeployment: 'f' });
    m.setUp(false);
    m.setNotReady('flinkdeployment-not-found');
    m.setLeader(false);
    let text = await m.text();
    expect(text).toMatch(/^flink_autoscaler_up\{[^}]*\} 0$/m);
    expect(text).toMatch(/^flink_autoscaler_not_ready\{reason="flinkdeployment-not-found",[^}]*\} 1$/m);
    expect(text).toMatch(/^flink_autoscaler_leader\{[^}]*\} 0$/m);
    let result = promtool(text);
    expect(result.stderr + result.stdout).toBe('');
    m.setUp(true);
    m.setNotReady(undefined);
    m.setLeader(true);
    m.setCycle(T0);
    m.setEvaluation(evaluation(), 10, ['paused', 'not-leader']);
    text = await m.text();
    expect(text).toMatch(/^flink_autoscaler_up\{[^}]*\} 1$/m);
    expect(text).not.toMatch(/^flink_autoscaler_not_ready\{/m);
    expect(text).toMatch(/^flink_autoscaler_leader\{[^}]*\} 1$/m);
    expect(text).toMatch(/^flink_autoscaler_last_cycle_timestamp_seconds\{[^}]*\} 1767225600$/m);
    expect(text).toMatch(/flink_autoscaler_gate\{gate="paused",[^}]*\} 1/);
    expect(text).toMatch(/flink_autoscaler_gate\{gate="not-leader",[^}]*\} 1/);
    result = promtool(text);
    expect(result.stderr + result.stdout).toBe('');
  });

  it('exports each error stage and scaling counter at 0 from the start, so the first one shows as an increase', async () => {
    // A counter series born at 1 has no earlier sample: increase() and rate() cannot see its first step, and an
    // alert on the first failed scale (files/alert-rules.yaml, FlinkAutoscalerScalingFailed) would miss it.
    const m = new SidecarMetrics({ namespace: 'ns', flinkdeployment: 'job' });
    const text = await m.text();
    for (const stage of ['loop', 'kubernetes', 'scale', 'api'])
      expect(text).toContain(
        `flink_autoscaler_errors_total{stage="${stage}",namespace="ns",flinkdeployment="job"} 0`,
      );
    for (const direction of ['up', 'down'])
      for (const trigger of ['policy', 'manual'])
        expect(text).toContain(
          `flink_autoscaler_scalings_total{direction="${direction}",trigger="${trigger}",namespace="ns",flinkdeployment="job"} 0`,
        );
  });

  it('promtool really checks: a counter without _total is reported', () => {
    const bad =
      '# HELP flink_autoscaler_scalings Scalings.\n# TYPE flink_autoscaler_scalings counter\nflink_autoscaler_scalings 1\n';
    const result = promtool(bad);
    expect(result.stdout + result.stderr).toMatch(/_total/);
  });
});
