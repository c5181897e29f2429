/**
 * A Node `--import` preload that makes an unmodified process live in accelerated virtual time: Date.now,
 * `new Date()` and performance.now run CHAOS_TIME_SCALE times faster than the wall clock from
 * CHAOS_TIME_ORIGIN (epoch ms; every process given the same origin agrees on the virtual time), and the delays
 * of setTimeout/setInterval (global, node:timers and node:timers/promises) shrink by the same factor.
 *
 * Request timeouts stay real: a timer started from a call site matching CHAOS_REAL_TIMERS (a regular
 * expression tested against the caller's stack; default: the Kubernetes connection's per-attempt timeout
 * and the Flink GET deadline) keeps its wall-clock delay, so a loaded machine's real I/O latency (which is
 * not accelerated) does not turn into spurious timeouts. Socket timeouts and Node's internal timers (HTTP
 * keep-alive, AbortSignal.timeout) are untouched, and process.hrtime stays real.
 *
 * Loaded with `node --import <this file>` (Node strips its types); plain syntax only (no enums, no imports of
 * project files) so it loads before anything else.
 */
import { syncBuiltinESMExports } from 'node:module';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const scale = Number(process.env.CHAOS_TIME_SCALE ?? '1');
const origin = Number(process.env.CHAOS_TIME_ORIGIN ?? String(Date.now()));
const realSites = new RegExp(
  process.env.CHAOS_REAL_TIMERS ?? 'KubeConnection\\.attempt|flink[\\\\/]get-text\\.js',
);

if (!Number.isFinite(scale) || scale <= 0) throw new RangeError(`CHAOS_TIME_SCALE must be > 0, not ${scale}`);

if (scale !== 1) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  const virtualNow = (): number => Math.floor(origin + (realNow() - origin) * scale);

  class VirtualDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) super(virtualNow());
      else super(...(args as [string | number | Date]));
    }
    static override now(): number {
      return virtualNow();
    }
  }
  globalThis.Date = VirtualDate as DateConstructor;

  const perf = globalThis.performance;
  const realPerfNow = perf.now.bind(perf);
  Object.defineProperty(perf, 'now', { value: () => realPerfNow() * scale, configurable: true });

  /** Whether the timer being set comes from a call site that keeps real time. */
  const keepsRealTime = (): boolean => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 8;
    const stack = new Error().stack ?? '';
    Error.stackTraceLimit = limit;
    return realSites.test(stack);
  };
  const shrink = (ms: unknown): number => {
    const n = Number(ms);
    if (!Number.isFinite(n) || n <= 0) return 0;
    return keepsRealTime() ? n : n / scale;
  };

  type TimerFn = (callback: (...a: unknown[]) => void, ms?: number, ...rest: unknown[]) => unknown;
  const timers = require('node:timers') as Record<string, unknown>;
  const realSetTimeout = globalThis.setTimeout as unknown as TimerFn;
  const realSetInterval = globalThis.setInterval as unknown as TimerFn;
  const scaledTimeout: TimerFn = (callback, ms, ...rest) => realSetTimeout(callback, shrink(ms), ...rest);
  const scaledInterval: TimerFn = (callback, ms, ...rest) => realSetInterval(callback, shrink(ms), ...rest);
  globalThis.setTimeout = scaledTimeout as unknown as typeof setTimeout;
  globalThis.setInterval = scaledInterval as unknown as typeof setInterval;
  timers['setTimeout'] = scaledTimeout;
  timers['setInterval'] = scaledInterval;

  const promises = require('node:timers/promises') as Record<string, unknown>;
  const realSleep = promises['setTimeout'] as (ms?: number, value?: unknown, options?: unknown) => unknown;
  const realEvery = promises['setInterval'] as (ms?: number, value?: unknown, options?: unknown) => unknown;
  promises['setTimeout'] = (ms?: number, value?: unknown, options?: unknown) =>
    realSleep(shrink(ms), value, options);
  promises['setInterval'] = (ms?: number, value?: unknown, options?: unknown) =>
    realEvery(shrink(ms), value, options);
  syncBuiltinESMExports();
}
