/**
 * Runs one policy on one trace in virtual time, second by second: the trace drives the fluid job, the
 * observer shows it as Flink would, the policy decides at its interval, and the figures and a timeline
 * (one point every 10 s, for pictures) come out.
 */
import type { ControllerFactory } from './controllers/types.js';
import { FigureCollector, backlogSeconds, type Figures } from './figures.js';
import { DEFAULT_RESTART_COSTS, FluidJob, capacity, type RestartCosts } from './job.js';
import { Observer } from './observer.js';
import { seededNoise } from './random.js';
import { rateTable, type Trace } from './trace.js';

export interface TimelinePoint {
  /** Seconds since the start. */
  t: number;
  inputRate: number;
  /** Records/s the running job could process (0 while it restarts). */
  capacity: number;
  /** Workers asked for (and paid). */
  workers: number;
  backlog: number;
  /** B / R, seconds. */
  backlogTime: number;
  cpu: number;
}

export interface RunResult {
  policy: string;
  trace: string;
  seed: number;
  figures: Figures;
  timeline: TimelinePoint[];
}

export interface RunOptions {
  seed?: number;
  costs?: RestartCosts;
  /** Seconds between timeline points. */
  timelineStep?: number;
  /** Called now and then with the share done, 0..1. */
  onProgress?: (done: number) => void;
}

export function runSimulation(trace: Trace, factory: ControllerFactory, options: RunOptions = {}): RunResult {
  const seed = options.seed ?? 1;
  const controller = factory({ trace, shape: trace.job, seed });
  const shape = { ...trace.job, initialWorkers: controller.initialWorkers ?? trace.job.initialWorkers };
  const job = new FluidJob(shape, options.costs ?? DEFAULT_RESTART_COSTS);
  const observer = new Observer(seededNoise(seed));
  const figures = new FigureCollector(trace.changes);
  const surges = new Map(trace.surges.map(([t, records]) => [Math.round(t), records]));
  const timeline: TimelinePoint[] = [];
  const step = options.timelineStep ?? 10;
  const progressEvery = Math.max(1, Math.floor(trace.durationSeconds / 20));
  const rates = rateTable(trace);

  for (let t = 0; t < trace.durationSeconds; t++) {
    const inputRate = rates[t] as number;
    job.step(inputRate, surges.get(t) ?? 0);
    observer.record(job);
    const backlogTime = backlogSeconds(job.backlog, inputRate);
    figures.add(t, job.requested, backlogTime);
    if (t % step === 0) {
      timeline.push({
        t,
        inputRate,
        capacity: job.state === 'RUNNING' ? capacity(shape, job.active) : 0,
        workers: job.requested,
        backlog: job.backlog,
        backlogTime,
        cpu: job.cpu,
      });
    }
    if ((t + 1) % controller.intervalSeconds === 0) {
      const view = observer.view(job);
      const wanted = controller.decide(view, { inputRate, backlog: job.backlog });
      const target = Math.min(shape.maxWorkers, Math.max(shape.minWorkers, Math.round(wanted)));
      if (Number.isFinite(target) && target !== job.requested) {
        job.request(target, controller.free === true);
        figures.rescaled(t);
      }
    }
    if (options.onProgress && t % progressEvery === 0) options.onProgress(t / trace.durationSeconds);
  }
  options.onProgress?.(1);
  return {
    policy: controller.name,
    trace: trace.name,
    seed,
    figures: figures.finish(job.readAgain),
    timeline,
  };
}
