/** The sliding window of trusted samples of a RUNNING job, emptied on a restart or a change of size. */
import type { Sample } from '../signals/types.js';

export class SampleWindow {
  private samples: Sample[] = [];
  private start: number | undefined;

  /** Empties the window (a restart, a rescale, or the job leaving RUNNING). */
  clear(): void {
    this.samples = [];
    this.start = undefined;
  }

  /** Adds a sample, emptying the window first when the worker count changed; drops what is too old. */
  add(sample: Sample, windowMs: number): void {
    const last = this.samples.at(-1);
    if (last !== undefined && (last.workers !== sample.workers || sample.time <= last.time)) this.clear();
    this.start ??= sample.time;
    this.samples.push(sample);
    const oldest = sample.time - windowMs;
    while (this.samples.length > 0 && (this.samples[0] as Sample).time < oldest) this.samples.shift();
  }

  /**
   * Drops the samples taken before `oldest` (ms), so that ticks without a sample do not leave the signals
   * resting on samples older than the window; once none is left the window is empty.
   */
  dropBefore(oldest: number): void {
    while (this.samples.length > 0 && (this.samples[0] as Sample).time < oldest) this.samples.shift();
    if (this.samples.length === 0) this.clear();
  }

  /** Full when it has covered the whole window since it was last emptied, with enough samples in it. */
  isFull(now: number, windowMs: number, intervalMs: number): boolean {
    if (this.start === undefined) return false;
    const wanted = Math.max(2, Math.floor(windowMs / intervalMs / 2));
    return now - this.start >= windowMs && this.samples.length >= wanted;
  }

  get contents(): readonly Sample[] {
    return this.samples;
  }

  get startedAt(): number | undefined {
    return this.start;
  }
}
