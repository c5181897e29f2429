/**
 * Throughput T of one source over a window, from the best figure Flink gives for it.
 *
 * Counters first. Where two consecutive readings of the source both carry its cumulative count, T is the
 * count's increase over those pairs divided by the seconds they span. Counter resets are handled as
 * Prometheus' `increase()` handles them: a count lower than the one before is a reset (the tasks restarted
 * and their counters began again at zero), and the new value is counted from zero. Unlike Prometheus there
 * is no extrapolation to the window's edges: the increase is measured between the first and the last
 * reading, and divided by exactly that time. A counter is exact from the first second after a restart, so
 * the first window after a rescale reads the true rate.
 *
 * Flink's 60 s rate meters only when no two consecutive readings carry a count, and then never across a
 * restart: only the readings of the latest run count, and none from its first 60 s, while its meters refill
 * from zero (a meter 20 s after a restart reads a third of the rate). A run begins
 *
 * - at the sample's `runningSince` (when the job's current run began, from Flink), when the samples carry it;
 * - at the first sample with another worker count than the one before (Reactive Mode restarts the job);
 * - at the first reading whose count is lower than the count before it (a counter reset);
 * - at the first sample after a gap: two samples more than 60 s apart and more than twice the window's
 *   median spacing (at a 15 s interval, up to three ticks in a row without an answer are not a gap). A
 *   restart hidden in a shorter gap, on the same workers and with no counts, cannot be seen.
 *
 * When none of the readings of the latest run is 60 s into it, the window has no trusted throughput.
 */
import type { Sample, SourceSample } from './types.js';

/** Flink's rate meters (`…PerSecond`) average the last 60 s; after a restart they refill from zero. */
export const METER_SECONDS = 60;

/** Where a throughput came from. */
export type ThroughputFrom = 'counter' | 'meter';

export interface Throughput {
  /** Units per second, ≥ 0. */
  value: number;
  from: ThroughputFrom;
}

/** A count at a time (ms). */
export interface CountPoint {
  time: number;
  count: number;
}

/**
 * The increase of a cumulative counter over consecutive points, as Prometheus' `increase()` takes it
 * (without extrapolation): the sum of the rises, where a fall is a reset and the new value counts from zero.
 */
export function counterIncrease(counts: readonly number[]): number {
  let increase = 0;
  for (let i = 1; i < counts.length; i++) {
    const before = counts[i - 1] as number;
    const after = counts[i] as number;
    increase += after >= before ? after - before : after;
  }
  return increase;
}

/**
 * Units per second from the pairs of consecutive points that both carry a count (`undefined` breaks a run),
 * or undefined when no pair spans any time.
 */
export function counterRate(points: readonly (CountPoint | undefined)[]): number | undefined {
  let increase = 0;
  let ms = 0;
  for (let i = 1; i < points.length; i++) {
    const before = points[i - 1];
    const after = points[i];
    if (before === undefined || after === undefined || after.time <= before.time) continue;
    increase += counterIncrease([before.count, after.count]);
    ms += after.time - before.time;
  }
  return ms > 0 ? (increase / ms) * 1000 : undefined;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * When the latest run of the job began, as far as the samples show (ms), or -Infinity when they show no
 * restart. See the file's comment for what begins a run.
 */
export function latestRunStart(samples: readonly Sample[], id: string): number {
  let start = Number.NEGATIVE_INFINITY;
  const spacings = samples.slice(1).map((s, i) => s.time - (samples[i] as Sample).time);
  const gap = spacings.length > 0 ? Math.max(METER_SECONDS * 1000, 2 * median(spacings)) : Infinity;
  let lastCount: number | undefined;
  for (let i = 0; i < samples.length; i++) {
    const sample = samples[i] as Sample;
    const before = samples[i - 1];
    if (before !== undefined && (sample.workers !== before.workers || sample.time - before.time > gap)) {
      start = Math.max(start, sample.time);
    }
    const count = sample.sources.find((s) => s.id === id)?.count;
    if (count !== undefined && Number.isFinite(count)) {
      if (lastCount !== undefined && count < lastCount) start = Math.max(start, sample.time);
      lastCount = count;
    }
    if (sample.runningSince !== undefined && Number.isFinite(sample.runningSince)) {
      start = Math.max(start, Math.min(sample.runningSince, sample.time));
    }
  }
  return start;
}

/** One reading of the source: the time of its sample and its figures. */
export interface ThroughputReading {
  time: number;
  source: SourceSample;
}

/**
 * The source's throughput over the window from its readings (oldest first, in one unit), or undefined when
 * there is none to trust. `samples` are the whole window's (for workers, gaps and `runningSince`).
 */
export function windowThroughput(
  samples: readonly Sample[],
  readings: readonly ThroughputReading[],
): Throughput | undefined {
  const counted = counterRate(
    readings.map(({ time, source: { count } }) =>
      count !== undefined && Number.isFinite(count) && count >= 0 ? { time, count } : undefined,
    ),
  );
  if (counted !== undefined) return { value: Math.max(0, counted), from: 'counter' };
  const id = readings[0]?.source.id;
  if (id === undefined) return undefined;
  const warm = latestRunStart(samples, id) + METER_SECONDS * 1000;
  const rates = readings
    .filter((r) => r.time >= warm && Number.isFinite(r.source.rate))
    .map((r) => r.source.rate);
  if (rates.length === 0) return undefined;
  return { value: Math.max(0, rates.reduce((a, b) => a + b, 0) / rates.length), from: 'meter' };
}
