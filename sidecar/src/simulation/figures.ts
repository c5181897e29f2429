/**
 * The figures of one run, gathered second by second: worker-hours, the share of time with backlog time
 * within the SLO and the worst backlog time, rescales (in all and per change of load), records read again,
 * and the time to recover after a change of load.
 */

/** The seed's threshold: backlog time at most 120 s. */
export const SLO_BACKLOG_SECONDS = 120;

export interface Figures {
  workerHours: number;
  /** Share of seconds with backlog time ≤ 120 s, 0..1. */
  sloAttainment: number;
  worstBacklogTimeSeconds: number;
  rescales: number;
  /** The most rescales between one change of load and the next (the whole trace when it has none). */
  maxRescalesPerChange: number;
  recordsReadAgain: number;
  /** The longest time, over the changes of load, until backlog time was back within 120 s for good. */
  recoverySeconds: number;
}

/**
 * Backlog time as a user feels it: the seconds of input waiting, B / R (0 with no backlog; Infinity when
 * records wait and none arrive).
 */
export function backlogSeconds(backlog: number, inputRate: number): number {
  if (backlog <= 1e-9) return 0;
  return inputRate > 0 ? backlog / inputRate : Number.POSITIVE_INFINITY;
}

export class FigureCollector {
  private seconds = 0;
  private workerSeconds = 0;
  private within = 0;
  private worst = 0;
  private rescaleTimes: number[] = [];
  private readonly changes: number[];
  /** Per change of load: the last second of its segment with backlog time above the SLO. */
  private lastMiss = new Map<number, number>();

  constructor(changes: readonly number[]) {
    this.changes = [...changes].sort((a, b) => a - b);
  }

  /** Adds one simulated second. */
  add(time: number, requestedWorkers: number, backlogTime: number): void {
    this.seconds++;
    this.workerSeconds += requestedWorkers;
    if (backlogTime <= SLO_BACKLOG_SECONDS) {
      this.within++;
    } else {
      const change = this.segmentStart(time);
      if (change !== undefined) this.lastMiss.set(change, time);
    }
    this.worst = Math.max(this.worst, backlogTime);
  }

  rescaled(time: number): void {
    this.rescaleTimes.push(time);
  }

  private segmentStart(time: number): number | undefined {
    let start: number | undefined;
    for (const change of this.changes) if (change <= time) start = change;
    return start;
  }

  finish(recordsReadAgain: number): Figures {
    const bounds = [0, ...this.changes, Number.POSITIVE_INFINITY];
    let maxPerChange = 0;
    for (let i = 0; i + 1 < bounds.length; i++) {
      const from = bounds[i] as number;
      const to = bounds[i + 1] as number;
      // The first segment (before any change) counts only when the trace has no change at all.
      if (i === 0 && this.changes.length > 0) continue;
      maxPerChange = Math.max(maxPerChange, this.rescaleTimes.filter((t) => t >= from && t < to).length);
    }
    let recovery = 0;
    for (const change of this.changes) {
      const miss = this.lastMiss.get(change);
      if (miss !== undefined) recovery = Math.max(recovery, miss + 1 - change);
    }
    return {
      workerHours: this.workerSeconds / 3600,
      sloAttainment: this.seconds > 0 ? this.within / this.seconds : 1,
      worstBacklogTimeSeconds: this.worst,
      rescales: this.rescaleTimes.length,
      maxRescalesPerChange: maxPerChange,
      recordsReadAgain,
      recoverySeconds: recovery,
    };
  }
}
