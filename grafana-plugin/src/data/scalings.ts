/**
 * The last scalings, from the counter `flink_autoscaler_scalings_total{direction, trigger}` (each rise is
 * a scaling), with the worker counts before and after from `flink_autoscaler_workers`. Without the
 * counter in the time range, the changes of the worker count stand in (trigger unknown).
 */
import type { Series, SeriesMap } from './frames';

export interface Scaling {
  /** Unix ms. */
  time: number;
  direction: 'up' | 'down' | undefined;
  trigger: 'policy' | 'manual' | undefined;
  from: number | undefined;
  to: number | undefined;
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

/** The last `limit` scalings, newest first; `rangeFrom` is the start of the time range (Unix ms). */
export function lastScalings(series: SeriesMap, limit: number, rangeFrom: number): Scaling[] {
  const workers = series.workers?.[0];
  const counters = series.scalings ?? [];
  const all = counters.length > 0 ? fromCounters(counters, workers, rangeFrom) : fromWorkers(workers);
  return all.sort((a, b) => b.time - a.time).slice(0, Math.max(0, limit));
}
