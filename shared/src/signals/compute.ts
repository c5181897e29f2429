/**
 * Computes the job's signals from a window of samples: per source T, B, G, BT and R, job-wide n and U,
 * and picks the source that needs the most workers. T comes from the counters where the samples carry
 * them, else from the 60 s meters of the latest run's warm readings (throughput.ts).
 */
import type { PolicyConfig } from '../config/schema.js';
import { decideDetail } from '../policy/decide.js';
import { backlogTime } from '../policy/math.js';
import type { Signals } from '../policy/types.js';
import { inputTrend } from './input-trend.js';
import { leastSquaresSlope } from './regression.js';
import { windowThroughput } from './throughput.js';
import type { JobSignals, Sample, SourceSignals } from './types.js';

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/**
 * The signals of one source over the samples, or undefined when fewer than two samples carry it or its
 * throughput cannot be trusted (only meters, none of them 60 s into the latest run).
 */
export function sourceSignals(samples: readonly Sample[], id: string): SourceSignals | undefined {
  const readings = samples.flatMap((sample) =>
    sample.sources.filter((s) => s.id === id).map((s) => ({ time: sample.time, ...s })),
  );
  const latest = readings.at(-1);
  if (latest === undefined) return undefined;
  // Never mix units: only the readings in the unit the source reports now.
  const same = readings.filter(
    (r) => r.unit === latest.unit && Number.isFinite(r.rate) && Number.isFinite(r.backlog),
  );
  const slope = leastSquaresSlope(
    same.map((r) => r.time / 1000),
    same.map((r) => r.backlog),
  );
  if (slope === undefined) return undefined;
  const measured = windowThroughput(
    samples,
    same.map(({ time, ...source }) => ({ time, source })),
  );
  if (measured === undefined) return undefined;
  const throughput = measured.value;
  const backlog = Math.max(0, latest.backlog);
  const trend = inputTrend(same);
  return {
    id,
    unit: latest.unit,
    throughput,
    throughputFrom: measured.from,
    backlog,
    backlogGrowth: slope,
    backlogTime: backlogTime(backlog, throughput),
    inputRate: Math.max(0, throughput + slope),
    samples: same.length,
    ...(trend !== undefined && { inputTrend: trend }),
  };
}

/** The decision's input for one source of the job. */
export function toSignals(job: Pick<JobSignals, 'workers' | 'cpu'>, source: SourceSignals): Signals {
  return {
    workers: job.workers,
    throughput: source.throughput,
    backlog: source.backlog,
    backlogGrowth: source.backlogGrowth,
    cpu: job.cpu,
  };
}

/**
 * The job's signals over a window of samples (oldest first), or undefined when the window holds too little
 * to judge (no sample, or no source seen twice).
 */
export function computeSignals(samples: readonly Sample[], config: PolicyConfig): JobSignals | undefined {
  const latest = samples.at(-1);
  if (latest === undefined) return undefined;
  const cpus = samples.map((s) => s.cpu).filter((c) => Number.isFinite(c));
  if (cpus.length === 0) return undefined;
  const job = { workers: latest.workers, cpu: mean(cpus) };
  const sources = latest.sources
    .map((s) => sourceSignals(samples, s.id))
    .filter((s): s is SourceSignals => s !== undefined);
  let neediest: SourceSignals | undefined;
  let most = -1;
  for (const source of sources) {
    const need = decideDetail(toSignals(job, source), config).unbounded;
    if (need > most || (need === most && neediest && source.backlogTime > neediest.backlogTime)) {
      neediest = source;
      most = need;
    }
  }
  if (neediest === undefined) return undefined;
  return { time: latest.time, ...job, source: neediest, sources };
}
