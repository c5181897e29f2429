/**
 * One run of the job's tasks between restarts: its subtasks, their splits and shares, and the counters that
 * Flink's 60 s meters and busy-time gauges are computed from.
 */

/** Flink's `View.UPDATE_INTERVAL_SECONDS`: meters and timer gauges are updated every 5 s. */
export const VIEW_UPDATE_SECONDS = 5;
/** The window of `*PerSecond` meters and of the busy/idle/back-pressured gauges. */
export const VIEW_WINDOW_SECONDS = 60;

const KEEP_SECONDS = 4 * VIEW_WINDOW_SECONDS;

export class Attempt {
  /** Virtual second at which the tasks started (counters are 0 up to here). */
  readonly start: number;
  readonly parallelism: number;
  /** Splits (Kafka partitions, Beam splits) each source subtask reads: split k goes to subtask k mod p. */
  readonly splits: readonly (readonly number[])[];
  /** How many splits the source has in this attempt. */
  readonly splitCount: number;
  /** Share of the records each source subtask processes (the first one is the hot one under skew). */
  readonly weights: readonly number[];
  readonly maxWeight: number;
  /** Cumulative records processed and busy seconds (of the busiest subtask) at start + dropped + index. */
  private processed: number[] = [0];
  private busy: number[] = [0];
  private dropped = 0;

  constructor(start: number, parallelism: number, splitCount: number, skew: number) {
    this.start = start;
    this.parallelism = parallelism;
    const splits: number[][] = Array.from({ length: parallelism }, () => []);
    for (let k = 0; k < splitCount; k++) splits[k % parallelism]?.push(k);
    this.splits = splits;
    this.splitCount = splitCount;
    const raw = splits.map((s, i) => s.length * (i === 0 && parallelism > 1 ? 1 + skew : 1));
    const total = raw.reduce((a, b) => a + b, 0);
    this.weights = raw.map((r) => (total > 0 ? r / total : 0));
    this.maxWeight = Math.max(...this.weights);
  }

  /** Records one second of running: records processed and the busy share of the busiest subtask. */
  record(processed: number, busy: number): void {
    this.processed.push((this.processed.at(-1) ?? 0) + processed);
    this.busy.push((this.busy.at(-1) ?? 0) + busy);
    if (this.processed.length > 2 * KEEP_SECONDS) {
      this.processed = this.processed.slice(KEEP_SECONDS);
      this.busy = this.busy.slice(KEEP_SECONDS);
      this.dropped += KEEP_SECONDS;
    }
  }

  /** The last second recorded. */
  get end(): number {
    return this.start + this.dropped + this.processed.length - 1;
  }

  /** Records processed by all subtasks from the start to second t. */
  processedAt(t: number): number {
    return this.at(this.processed, t);
  }

  /** Seconds the busiest subtask was busy from the start to second t. */
  busyAt(t: number): number {
    return this.at(this.busy, t);
  }

  /** Seconds the tasks had run at second t. */
  elapsedAt(t: number): number {
    return Math.max(0, Math.min(Math.floor(t), this.end) - this.start);
  }

  private at(series: number[], t: number): number {
    const i = Math.floor(t) - this.start - this.dropped;
    if (Math.floor(t) <= this.start) return 0;
    if (i < 0) throw new RangeError(`second ${t} is no longer kept`);
    return series[Math.min(i, series.length - 1)] ?? 0;
  }
}

/** The last 5 s tick at or before `now`, or undefined when no tick has come since the task started. */
function lastTick(start: number, now: number): number | undefined {
  const tick = Math.floor(now / VIEW_UPDATE_SECONDS) * VIEW_UPDATE_SECONDS;
  return tick > start ? tick : undefined;
}

/**
 * Flink's `MeterView`: the count's rise over the 60 s before the last tick, divided by 60; its history starts at
 * zero, so a new task's meter climbs from 0 over its first minute.
 */
export function meterRate(count: (t: number) => number, start: number, now: number): number {
  const tick = lastTick(start, now);
  if (tick === undefined) return 0;
  return (count(tick) - count(tick - VIEW_WINDOW_SECONDS)) / VIEW_WINDOW_SECONDS;
}

/**
 * Flink's `TimerGauge` (idle, back-pressured time): ms per second in the state over the 5 s intervals since the
 * task started, at most 12 of them (60 s), in integer arithmetic and within [0, 1000]; 0 before the first tick.
 */
export function timerGaugeMsPerSecond(ms: (t: number) => number, start: number, now: number): number {
  const tick = lastTick(start, now);
  if (tick === undefined) return 0;
  const firstTick = Math.floor(start / VIEW_UPDATE_SECONDS) * VIEW_UPDATE_SECONDS + VIEW_UPDATE_SECONDS;
  const intervals = Math.min(
    VIEW_WINDOW_SECONDS / VIEW_UPDATE_SECONDS,
    (tick - firstTick) / VIEW_UPDATE_SECONDS + 1,
  );
  const total = Math.floor(ms(tick) - ms(tick - intervals * VIEW_UPDATE_SECONDS));
  return Math.max(0, Math.min(1000, Math.floor(total / (VIEW_UPDATE_SECONDS * intervals))));
}
