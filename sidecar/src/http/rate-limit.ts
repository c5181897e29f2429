/**
 * At most N manual scales per sliding minute, for the whole sidecar (one job): a person or a script
 * pressing the button in a loop must not restart the job every few seconds. A slot is taken before the
 * scale and given back when the scale is refused or fails, so concurrent requests cannot overshoot and a
 * refused scale does not use up the budget.
 */
export const DEFAULT_SCALES_PER_MINUTE = 6;
const WINDOW_MS = 60_000;

export type Admission = { ok: true; release: () => void } | { ok: false; retryAfterSeconds: number };

export class ScaleRateLimiter {
  readonly perMinute: number;
  private readonly clock: () => number;
  /** When each slot in the window was taken, oldest first. */
  private taken: number[] = [];

  constructor(perMinute: number, clock: () => number) {
    if (!(perMinute >= 1)) throw new RangeError(`rateLimit.perMinute must be at least 1, not ${perMinute}`);
    this.perMinute = perMinute;
    this.clock = clock;
  }

  private prune(now: number): void {
    this.taken = this.taken.filter((at) => at > now - WINDOW_MS && at <= now + WINDOW_MS);
  }

  /** Seconds until a slot frees up, or 0 when one is free now. */
  wait(): number {
    const now = this.clock();
    this.prune(now);
    if (this.taken.length < this.perMinute) return 0;
    const oldest = Math.min(...this.taken);
    return Math.max(1, Math.ceil((oldest + WINDOW_MS - now) / 1000));
  }

  /** Takes a slot (give it back with `release` if the scale does not happen), or says how long to wait. */
  admit(): Admission {
    const retryAfterSeconds = this.wait();
    if (retryAfterSeconds > 0) return { ok: false, retryAfterSeconds };
    const at = this.clock();
    this.taken.push(at);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        const index = this.taken.indexOf(at);
        if (index >= 0) this.taken.splice(index, 1);
      },
    };
  }
}
