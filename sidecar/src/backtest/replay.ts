/**
 * Replays the policy over a rebuilt history in virtual time: the rebuilt input rate becomes a trace (the
 * backlog at the start arrives at once), the job a fluid job with the rebuilt capacity per worker, starting at
 * the workers the job really had; every scaling is kept with its reasons.
 */
import { resolveConfig, type PolicyOverrides } from '@flink-autoscaler/shared';
import { measure, type ResultRow } from '../simulation/bench.js';
import { oursFactory } from '../simulation/controllers/ours.js';
import { runSimulation, type RunResult } from '../simulation/run.js';
import type { Trace } from '../simulation/trace.js';
import type { Rebuilt } from './rebuild.js';

export interface Scaling {
  /** Seconds from the start of the range. */
  t: number;
  from: number;
  to: number;
  reasons: string[];
}

export interface Replay {
  trace: Trace;
  result: RunResult;
  /** The benchmark's row (with the oracle and the reference) when measured in full. */
  row: ResultRow | undefined;
  scalings: Scaling[];
}

/** The rebuilt history as a simulator trace (undefined without a capacity per worker). */
export function traceOf(r: Rebuilt, overrides: PolicyOverrides, name = 'backtest'): Trace | undefined {
  if (r.capacityPerWorker === undefined || r.inputRate.length === 0) return undefined;
  const n = r.inputRate.length;
  const points: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    // the rate of point i is the mean over the step before it
    points.push([Math.max(0, (r.times[i] as number) - r.step / 2), r.inputRate[i] as number]);
  }
  const peakWorkers = Math.max(...r.workers);
  const initial = Math.max(1, Math.round(r.workers[0] as number));
  const minWorkers = overrides.minWorkers ?? 1;
  const maxWorkers = overrides.maxWorkers ?? Math.max(100, Math.ceil(peakWorkers));
  return {
    name,
    description: 'the input rate rebuilt from the job’s recorded history',
    durationSeconds: Math.max(1, Math.round((n - 1) * r.step)),
    points,
    surges: r.backlog !== undefined && (r.backlog[0] as number) > 0 ? [[0, r.backlog[0] as number]] : [],
    changes: [],
    job: {
      capacityPerWorker: r.capacityPerWorker,
      efficiencyLoss: 0,
      skew: 0,
      stateMb: (r.stateGiB ?? 1) * 1024,
      initialWorkers: Math.min(maxWorkers, Math.max(minWorkers, initial)),
      minWorkers,
      maxWorkers,
    },
  };
}

/** The policy over the trace; `full` also measures the oracle and the reference (the benchmark's row). */
export function replay(
  trace: Trace,
  overrides: PolicyOverrides,
  options: { seed: number; full: boolean; timelineStep: number; onProgress?: (done: number) => void },
): Replay {
  const scalings: Scaling[] = [];
  const factory = oursFactory(overrides, (view, evaluation) => {
    if (evaluation.action === 'none') return;
    scalings.push({
      t: view.time,
      from: view.workers,
      to: evaluation.targetWorkers,
      reasons: evaluation.decision?.reasons ?? [],
    });
  });
  const bounds = { minWorkers: trace.job.minWorkers, maxWorkers: trace.job.maxWorkers };
  const targetCpu = resolveConfig({ ...bounds, ...overrides }).targetCpu;
  if (options.full) {
    const { result, row } = measure(trace, factory, {
      seed: options.seed,
      targetCpu,
      timelineStep: options.timelineStep,
      ...(options.onProgress && { onProgress: options.onProgress }),
    });
    return { trace, result, row, scalings };
  }
  const result = runSimulation(trace, factory, {
    seed: options.seed,
    timelineStep: trace.durationSeconds,
  });
  return { trace, result, row: undefined, scalings };
}
