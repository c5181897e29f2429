/**
 * What a request may cost before anything is asked of the Kubernetes API: a token bucket per caller IP
 * and one for the whole gateway (refilled continuously, a full bucket is a minute's worth), and a cap on
 * the reviews in flight. Both refuse at once (429) instead of queueing: a queue would let a flood hold
 * every legitimate request behind it.
 */

/** The global bucket holds this many times the per-IP budget. */
export const GLOBAL_BUDGET_FACTOR = 10;
/** IPs remembered at most; beyond it, the ones whose buckets are full again are forgotten first. */
const MAX_TRACKED_IPS = 10_000;

interface Bucket {
  tokens: number;
  at: number;
}

export type RateDecision =
  { ok: true } | { ok: false; retryAfterSeconds: number; scope: 'caller' | 'gateway' };

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly global: Bucket;

  constructor(
    readonly perMinute: number,
    private readonly clock: () => number,
    readonly globalPerMinute = perMinute * GLOBAL_BUDGET_FACTOR,
  ) {
    if (!(perMinute >= 1)) throw new RangeError(`requests per minute must be at least 1, not ${perMinute}`);
    this.global = { tokens: globalPerMinute, at: clock() };
  }

  private refill(bucket: Bucket, capacity: number, now: number): void {
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(capacity, bucket.tokens + (elapsed * capacity) / 60_000);
    bucket.at = now;
  }

  private wait(bucket: Bucket, capacity: number): number {
    return Math.max(1, Math.ceil(((1 - bucket.tokens) * 60) / capacity));
  }

  /** Takes one request from the caller's and the global bucket, or says how long to wait. */
  take(ip: string): RateDecision {
    const now = this.clock();
    let bucket = this.buckets.get(ip);
    if (bucket === undefined) {
      if (this.buckets.size >= MAX_TRACKED_IPS) this.forgetFull(now);
      bucket = { tokens: this.perMinute, at: now };
      this.buckets.set(ip, bucket);
    }
    this.refill(bucket, this.perMinute, now);
    this.refill(this.global, this.globalPerMinute, now);
    if (bucket.tokens < 1) {
      return { ok: false, scope: 'caller', retryAfterSeconds: this.wait(bucket, this.perMinute) };
    }
    if (this.global.tokens < 1) {
      return { ok: false, scope: 'gateway', retryAfterSeconds: this.wait(this.global, this.globalPerMinute) };
    }
    bucket.tokens -= 1;
    this.global.tokens -= 1;
    return { ok: true };
  }

  private forgetFull(now: number): void {
    for (const [ip, bucket] of this.buckets) {
      this.refill(bucket, this.perMinute, now);
      if (bucket.tokens >= this.perMinute) this.buckets.delete(ip);
    }
    // Still full of busy callers: drop the oldest (Map keeps insertion order).
    while (this.buckets.size >= MAX_TRACKED_IPS) {
      const oldest = this.buckets.keys().next().value;
      if (oldest === undefined) break;
      this.buckets.delete(oldest);
    }
  }
}

/** At most `limit` holders at once; `enter` says false when full (no waiting). */
export class ConcurrencyGate {
  private held = 0;

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`the concurrency limit must be at least 1, not ${limit}`);
  }

  get inFlight(): number {
    return this.held;
  }

  /** A release function when there is room, undefined when there is none. */
  enter(): (() => void) | undefined {
    if (this.held >= this.limit) return undefined;
    this.held += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= 1;
    };
  }
}
