/**
 * The scalings in the time range. First from the sidecar's recent scalings,
 * `flink_autoscaler_recent_scaling_timestamp_seconds{direction, trigger, by, from, to, reasons}` (one series
 * per scaling, its value the time of the scaling): exact time, counts, who (the Kubernetes user the gateway
 * wrote on the FlinkDeployment) and the policy's reasons. Then from the counter
 * `flink_autoscaler_scalings_total{direction, trigger}` (each rise is a scaling) for those the recent ones do
 * not cover, with the worker counts before and after from `flink_autoscaler_workers` and the reasons of the
 * decision at that time (`flink_autoscaler_decision_reason{reason}`). Without either in the time range, the
 * changes of the worker count stand in (trigger unknown). Each carries the job's figures at its time (for the
 * reasons in words).
 */
import type { Series, SeriesMap } from './frames';
import { firstAtOrAfter, snapshotAt } from './snapshot-at';
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

/** The sidecar's `by` for the policy and for a manual scaling nobody is named for (recent-scalings.ts). */
const POLICY_BY = 'flink-autoscaler';
const UNKNOWN_BY = 'unknown';
/** Clock skew allowed between the sidecar's time of a scaling and Prometheus' scrape that shows it. */
const SKEW_MS = 5000;
/** A counter born in the range: its first scaling is at most this long before its first sample. */
const FIRST_SAMPLE_MS = 5 * 60 * 1000;

/** A scaling seen as a rise of the counter, between two of its samples. */
interface Rise extends Scaling {
  /** The counter's previous sample (Unix ms): the scaling happened after it, at or before `time`. */
  after: number;
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
  const start = firstAtOrAfter(workers.times, time);
  let from: number | undefined;
  for (let i = start - 1; i >= 0 && from === undefined; i--) from = numberAt(workers, i);
  for (let i = start; i < workers.times.length && (workers.times[i] ?? Infinity) <= time + SETTLE_MS; i++) {
    const value = numberAt(workers, i);
    if (value !== undefined && from === undefined) from = value;
    else if (value !== undefined && value !== from) return { from, to: value };
  }
  return from === undefined ? {} : { from };
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[]): T | undefined {
  return allowed.find((a) => a === value);
}

function fromCounters(counters: readonly Series[], workers: Series | undefined, rangeFrom: number): Rise[] {
  const out: Rise[] = [];
  for (const series of counters) {
    const direction = oneOf(series.labels['direction'], ['up', 'down'] as const);
    const trigger = oneOf(series.labels['trigger'], ['policy', 'manual'] as const);
    let previous: number | undefined;
    let previousTime = -Infinity;
    for (let i = 0; i < series.values.length; i++) {
      const value = numberAt(series, i);
      const time = series.times[i];
      if (value === undefined || time === undefined) continue;
      // A counter with labels appears at its first scaling; a lower value is a restarted sidecar.
      let rise: number;
      if (previous === undefined) rise = time > rangeFrom + BORN_AFTER_MS ? value : 0;
      else rise = value >= previous ? value - previous : value;
      const after = previous === undefined ? time - FIRST_SAMPLE_MS : previousTime;
      previous = value;
      previousTime = time;
      if (rise <= 0) continue;
      const { from, to } = workersAround(workers, time);
      out.push({ time, direction, trigger, from, to, after });
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

function count(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/** The sidecar's recent scalings: each run of one value of a series is one scaling, at that value's time. */
function fromRecent(recent: readonly Series[], rangeFrom: number): Scaling[] {
  const out: Scaling[] = [];
  for (const series of recent) {
    const { labels } = series;
    const direction = oneOf(labels['direction'], ['up', 'down'] as const);
    const trigger = oneOf(labels['trigger'], ['policy', 'manual'] as const);
    const by = labels['by'];
    const codes = (labels['reasons'] ?? '').split(',').filter((c) => c !== '' && c !== 'manual');
    let last: number | undefined;
    for (let i = 0; i < series.values.length; i++) {
      const value = numberAt(series, i);
      if (value === undefined || value === last) continue;
      last = value;
      const time = value * 1000;
      if (time < rangeFrom) continue;
      out.push({
        time,
        direction,
        trigger,
        from: count(labels['from']),
        to: count(labels['to']),
        ...(trigger === 'manual' && by !== undefined && by !== UNKNOWN_BY && by !== POLICY_BY ? { by } : {}),
        ...(trigger !== 'manual' && codes.length > 0 ? { reasons: codes } : {}),
      });
    }
  }
  return out;
}

/** A rise of the counter that a recent scaling of the same kind, between its samples, already stands for. */
function covered(rise: Rise, recent: readonly Scaling[]): boolean {
  return recent.some(
    (r) =>
      r.direction === rise.direction &&
      r.trigger === rise.trigger &&
      r.time > rise.after - SKEW_MS &&
      r.time <= rise.time + SKEW_MS,
  );
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
  const recent = fromRecent(series.recentScalings ?? [], rangeFrom);
  let found: Scaling[];
  if (counters.length > 0) {
    const rises = fromCounters(counters, workers, rangeFrom).filter((rise) => !covered(rise, recent));
    found = [...recent, ...rises.map(({ after: _after, ...s }) => s)];
  } else found = recent.length > 0 ? recent : fromWorkers(workers);
  // The figures come from the signals, thresholds and decision series, not from the scalings' own.
  const { scalings: _counters, recentScalings: _recent, ...signals } = series;
  return found.sort((a, b) => a.time - b.time).map((s) => explained(s, signals));
}

/** The last `limit` scalings, newest first; `rangeFrom` is the start of the time range (Unix ms). */
export function lastScalings(series: SeriesMap, limit: number, rangeFrom: number): Scaling[] {
  return allScalings(series, rangeFrom).reverse().slice(0, Math.max(0, limit));
}
