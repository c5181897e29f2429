/**
 * The job as it stood at a past moment (a scaling): each query's samples at one time, the first within AFTER_MS
 * from it (the scrape after a scaling shows the evaluation that made it), else the last within BEFORE_MS
 * before it, read as a snapshot (snapshot.ts).
 */
import type { Series, SeriesMap } from './frames';
import type { SeriesKey } from './queries';
import { snapshot, type Snapshot } from './snapshot';

const AFTER_MS = 2 * 60 * 1000;
/** Prometheus' default lookback: an older sample no longer stands for the series. */
const BEFORE_MS = 5 * 60 * 1000;

/** Index of the first time >= `time` (times ascending), or `times.length`. */
export function firstAtOrAfter(times: ArrayLike<number>, time: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] ?? Infinity) < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function hasValue(series: Series, i: number): boolean {
  const v = series.values[i];
  return typeof v === 'number' && !Number.isNaN(v);
}

/** Time of the series' first sample at or after `time` within AFTER_MS, else of its last one within BEFORE_MS before. */
function sampleTimes(series: Series, time: number): { after?: number; before?: number } {
  const { times } = series;
  const start = firstAtOrAfter(times, time);
  for (let i = start; i < times.length && (times[i] ?? Infinity) <= time + AFTER_MS; i++) {
    if (hasValue(series, i)) return { after: times[i] as number };
  }
  for (let i = start - 1; i >= 0 && (times[i] ?? -Infinity) >= time - BEFORE_MS; i--) {
    if (hasValue(series, i)) return { before: times[i] as number };
  }
  return {};
}

/** The series' sample at exactly `at`, as a one-point series; undefined when it has none. */
function pointAt(series: Series, at: number): Series | undefined {
  const i = firstAtOrAfter(series.times, at);
  if (series.times[i] !== at || !hasValue(series, i)) return undefined;
  return { times: [at], values: [series.values[i]], labels: series.labels };
}

/**
 * One time for a whole set of series (a 0/1 set such as the reasons holds its members at the same scrape): the
 * earliest sample at or after `time`, else the latest before it.
 */
function setTime(list: readonly Series[], time: number): number | undefined {
  let after: number | undefined;
  let before: number | undefined;
  for (const series of list) {
    const found = sampleTimes(series, time);
    if (found.after !== undefined) after = Math.min(after ?? Infinity, found.after);
    if (found.before !== undefined) before = Math.max(before ?? -Infinity, found.before);
  }
  return after ?? before;
}

export function snapshotAt(series: SeriesMap, time: number): Snapshot {
  const out: SeriesMap = {};
  for (const [key, list] of Object.entries(series) as [SeriesKey, Series[]][]) {
    const when = setTime(list, time);
    if (when === undefined) continue;
    const points = list.map((s) => pointAt(s, when)).filter((s): s is Series => s !== undefined);
    if (points.length > 0) out[key] = points;
  }
  return snapshot(out);
}
