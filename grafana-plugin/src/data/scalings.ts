/**
 * The scalings in the time range, from the counter `flink_autoscaler_scalings_total{direction, trigger}` (each
 * rise is a scaling), with the worker counts before and after from `flink_autoscaler_workers`, the reasons of
 * the decision at that time (`flink_autoscaler_decision_reason{reason}`) and the job's figures then (for the
 * reasons in words). Without the counter in the time range, the changes of the worker count stand in (trigger
 * unknown).
 */
import type { Series, SeriesMap } from './frames';
import { snapshotAt } from './snapshot-at';
import type { Snapshot } from './snapshot';

export interface Scaling {
  /** Unix ms. */
  time: number;
  direction: 'up' | 'down' | undefined;
  trigger: 'policy' | 'manual' | undefined;
  from: number | undefined;
  to: number | undefined;
  /** Who scaled by hand: the Kubernetes user the gateway wrote on the FlinkDeployment (e.g. grafana:alice). */
  by?: string;
  /** The policy's reason codes for the scaling (shared/src/policy/types.ts); none for a manual one. */
  reasons?: string[];
  /** The job's signals and thresholds at the scaling, for the reasons in words. */
  figures?: Snapshot;
}

/** How long after a scaling the new worker count is looked for. */
const SETTLE_MS = 15 * 60 * 1000;
/** A counter first seen this long after the start of the range was born in it: its value counts scalings. */
const BORN_AFTER_MS = 60 * 1000;

function numberAt(series: Series, i: number): number | undefined {
  const value = series.values[i];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Worker count at or just before `time`, and the first different count within SETTLE_MS after it. */
function workersAround(workers: Series | undefined, time: number): { from?: number; to?: number } {
  if (!workers) return {};
  let from: number | undefined;
  let i = 0;
  for (; i < workers.times.length && (workers.times[i] ?? Infinity) < time; i++) {
    from = numberAt(workers, i) ?? from;
  }
  for (; i < workers.times.length && (workers.times[i] ?? Infinity) <= time + SETTLE_MS; i++) {
    const value = numberAt(workers, i);
    if (value !== undefined && from === undefined) from = value;
    else if (value !== undefined && value !== from) return { from, to: value };
  }
  return from === undefined ? {} : { from };
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined {
  return allowed.find((a) => a === value);
}

function fromCounters(
  counters: readonly Series[],
  workers: Series | undefined,
  rangeFrom: number,
): Scaling[] {
  const out: Scaling[] = [];
  for (const series of counters) {
    const direction = oneOf(series.labels['direction'], ['up', 'down'] as const);
    const trigger = oneOf(series.labels['trigger'], ['policy', 'manual'] as const);
    let previous: number | undefined;
    for (let i = 0; i < series.values.length; i++) {
      const value = numberAt(series, i);
      const time = series.times[i];
      if (value === undefined || time === undefined) continue;
      // A counter with labels appears at its first scaling; a lower value is a restarted sidecar.
      let rise: number;
      if (previous === undefined) rise = time > rangeFrom + BORN_AFTER_MS ? value : 0;
      else rise = value >= previous ? value - previous : value;
      previous = value;
      if (rise <= 0) continue;
      const { from, to } = workersAround(workers, time);
      out.push({ time, direction, trigger, from, to });
    }
  }
  return out;
}

function fromWorkers(workers: Series | undefined): Scaling[] {
  if (!workers) return [];
  const out: Scaling[] = [];
  let previous: number | undefined;
  for (let i = 0; i < workers.values.length; i++) {
    const value = numberAt(workers, i);
    const time = workers.times[i];
    if (value === undefined || time === undefined) continue;
    if (previous !== undefined && value !== previous) {
      out.push({
        time,
        direction: value > previous ? 'up' : 'down',
        trigger: undefined,
        from: previous,
        to: value,
      });
    }
    previous = value;
  }
  return out;
}

/** The figures and, for a scaling not made by hand, the decision's reasons at its time. */
function explained(s: Scaling, series: SeriesMap): Scaling {
  const figures = snapshotAt(series, s.time);
  if (s.trigger === 'manual' || s.reasons !== undefined || figures.reasons.length === 0)
    return { ...s, figures };
  return { ...s, reasons: figures.reasons, figures };
}

/** Every scaling in the time range, oldest first; `rangeFrom` is the start of the range (Unix ms). */
export function allScalings(series: SeriesMap, rangeFrom: number): Scaling[] {
  const workers = series.workers?.[0];
  const counters = series.scalings ?? [];
  const found = counters.length > 0 ? fromCounters(counters, workers, rangeFrom) : fromWorkers(workers);
  return found.sort((a, b) => a.time - b.time).map((s) => explained(s, series));
}

/** The last `limit` scalings, newest first; `rangeFrom` is the start of the time range (Unix ms). */
export function lastScalings(series: SeriesMap, limit: number, rangeFrom: number): Scaling[] {
  return allScalings(series, rangeFrom).reverse().slice(0, Math.max(0, limit));
}
