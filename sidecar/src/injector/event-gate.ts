/**
 * Which Events about skipped pods the injector writes. Anyone who may create pods where the webhook is
 * called can make it skip pods, so every write is bounded: only in the namespaces it serves (its
 * `--namespaces`, the job namespaces where it is allowed to create Events), one per object, reason and
 * message within a window (as client-go's EventCorrelator folds repeats), and at most a token bucket's rate
 * (10 a minute, bursts of 20, by default). What is not written is counted by the caller, never queued.
 */
import type { SkipEvent } from './events.js';

export type EventVerdict = 'write' | 'not-served' | 'duplicate' | 'rate-limited';

export interface EventGateOptions {
  /** The namespaces whose Events may be written; every namespace when absent. */
  namespaces?: ReadonlySet<string>;
  /** A repeat of an Event written less than this long ago is not written (default 600). */
  dedupeSeconds?: number;
  /** Events written per minute at most, on average (default 10). */
  perMinute?: number;
  /** Events written at once at most (default 20). */
  burst?: number;
  clock?: () => number;
}

function check(name: string, value: number, min: number): number {
  if (!Number.isFinite(value) || value < min)
    throw new Error(`${name} must be a number ≥ ${min}, got ${value}`);
  return value;
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The namespaces of a comma-separated list (`--namespaces`); throws naming those that cannot be namespaces. */
export function namespaceSet(text: string): Set<string> {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const bad = names.filter((name) => !NAMESPACE.test(name) || name.length > 63);
  if (bad.length > 0) {
    throw new Error(`--namespaces must list Kubernetes namespaces, comma-separated; not: ${bad.join(', ')}`);
  }
  return new Set(names);
}

export class EventGate {
  private readonly namespaces: ReadonlySet<string> | undefined;
  private readonly dedupeMs: number;
  private readonly perMs: number;
  private readonly burst: number;
  private readonly clock: () => number;
  private tokens: number;
  private refilledAt: number;
  /** Events written within the window: key → when (insertion order = time order, so expiry is from the front). */
  private readonly written = new Map<string, number>();

  constructor(options: EventGateOptions = {}) {
    this.namespaces = options.namespaces;
    this.dedupeMs = check('dedupeSeconds', options.dedupeSeconds ?? 600, 0) * 1000;
    this.perMs = check('perMinute', options.perMinute ?? 10, Number.MIN_VALUE) / 60_000;
    this.burst = check('burst', options.burst ?? 20, 1);
    this.clock = options.clock ?? Date.now;
    this.tokens = this.burst;
    this.refilledAt = this.clock();
  }

  /** Whether to write `event` now; a 'write' is remembered (and spends a token). */
  admit(event: SkipEvent): EventVerdict {
    if (this.namespaces !== undefined && !this.namespaces.has(event.namespace)) return 'not-served';
    const now = this.clock();
    this.forget(now);
    const object =
      event.deployment !== undefined ? `FlinkDeployment/${event.deployment}` : `Pod/${event.podName ?? ''}`;
    const key = JSON.stringify([event.namespace, object, event.reason, event.message]);
    if (this.written.has(key)) return 'duplicate';
    this.tokens = Math.min(this.burst, this.tokens + (now - this.refilledAt) * this.perMs);
    this.refilledAt = now;
    if (this.tokens < 1) return 'rate-limited';
    this.tokens -= 1;
    this.written.set(key, now);
    return 'write';
  }

  /** How many written Events are remembered for deduplication (bounded by the rate × the window). */
  remembered(): number {
    return this.written.size;
  }

  private forget(now: number): void {
    for (const [key, at] of this.written) {
      if (now - at < this.dedupeMs) break;
      this.written.delete(key);
    }
  }
}
