/**
 * Transient failures of single endpoints, as a JobManager under load or behind a proxy has them: a handler
 * that times out on the ExecutionGraph cache (500 with Flink's error body), a 503 while the leader is being
 * elected, or a connection reset. Each matching request fails with probability `rate`, seeded, independently of
 * the others; the rest of the API answers as usual.
 */
import type { NextFunction, Request, Response } from 'express';
import { seededNoise, type Noise } from '../../../sidecar/src/simulation/random.js';

export type TransientKind = '500' | '503' | 'reset';

export const TRANSIENT_KINDS: readonly TransientKind[] = ['500', '503', 'reset'];

export interface TransientFailures {
  /** Share of the matching requests that fail, 0..1. */
  rate: number;
  /**
   * The endpoints that fail, as Flink's paths without the `/v1` prefix, `:name` for a path parameter.
   * Default: `/jobs/overview` and `/jobs/:jobid`.
   */
  endpoints?: string[];
  /** How a failing request fails, drawn evenly. Default: all of 500, 503 and reset. */
  kinds?: TransientKind[];
  /** Seed of the draws. Default 1. */
  seed?: number;
  /**
   * Failures in bursts, as a GC pause, a leader election or a busy ExecutionGraph cache give them: virtual time
   * is cut into slots of this many seconds and each endpoint fails for a whole slot with probability `rate`, so
   * a retry within the slot fails too. Default 0: each request is drawn on its own.
   */
  burstSeconds?: number;
}

export const DEFAULT_TRANSIENT_ENDPOINTS = ['/jobs/overview', '/jobs/:jobid'];

/** Checks the spec; undefined stays undefined. */
export function validTransientFailures(spec: TransientFailures | undefined): TransientFailures | undefined {
  if (spec === undefined) return undefined;
  if (!Number.isFinite(spec.rate) || spec.rate < 0 || spec.rate > 1)
    throw new RangeError(`transientFailures.rate must lie in [0, 1], not ${spec.rate}`);
  for (const kind of spec.kinds ?? []) {
    if (!TRANSIENT_KINDS.includes(kind)) throw new RangeError(`unknown transient failure ${String(kind)}`);
  }
  if (spec.kinds?.length === 0) throw new RangeError('transientFailures.kinds must not be empty');
  const burst = spec.burstSeconds ?? 0;
  if (!Number.isFinite(burst) || burst < 0)
    throw new RangeError(`transientFailures.burstSeconds must be at least 0, not ${burst}`);
  return spec;
}

/** `/jobs/:jobid` → a regular expression matching the whole path (one segment per parameter). */
function pathPattern(endpoint: string): RegExp {
  const source = endpoint
    .split('/')
    .map((part) => (part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}/?$`);
}

const BODIES: Record<Exclude<TransientKind, 'reset'>, string[]> = {
  '500': [
    'Internal server error.',
    '<Exception on server side:\njava.util.concurrent.CompletionException: java.util.concurrent.TimeoutException\n>',
  ],
  '503': ['Service temporarily unavailable due to an ongoing leader election. Please refresh.'],
};

/** A uniform draw in [0, 1) from integers (splitmix32 over their mix): the same inputs give the same draw. */
function hashDraw(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const v of values) {
    h = Math.imul(h ^ (v | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 2 ** 32;
}

/** The failure state: what fails now and the seeded draws. */
export class TransientFaults {
  private spec: TransientFailures | undefined;
  private patterns: RegExp[] = [];
  private noise: Noise = seededNoise(1);
  /** Requests failed so far, by kind. */
  readonly failed: Record<TransientKind, number> = { '500': 0, '503': 0, reset: 0 };
  /** Requests that matched an endpoint (failed or not). */
  matched = 0;

  private readonly clock: () => number;

  /** `clock`: the double's virtual seconds (for bursts). */
  constructor(spec: TransientFailures | undefined, clock: () => number) {
    this.clock = clock;
    this.set(spec);
  }

  set(spec: TransientFailures | undefined): void {
    this.spec = validTransientFailures(spec);
    this.patterns = (spec?.endpoints ?? DEFAULT_TRANSIENT_ENDPOINTS).map(pathPattern);
    this.noise = seededNoise(spec?.seed ?? 1);
  }

  /** Draws for one request: the failure it gets, or undefined. */
  draw(path: string): TransientKind | undefined {
    const spec = this.spec;
    if (spec === undefined || spec.rate === 0) return undefined;
    const bare = path.startsWith('/v1/') ? path.slice(3) : path;
    const endpoint = this.patterns.findIndex((p) => p.test(bare));
    if (endpoint === -1) return undefined;
    this.matched++;
    const kinds = spec.kinds ?? TRANSIENT_KINDS;
    const burst = spec.burstSeconds ?? 0;
    let pick: number;
    if (burst > 0) {
      const slot = Math.floor(this.clock() / burst);
      const seed = spec.seed ?? 1;
      if (hashDraw(seed, endpoint, slot) >= spec.rate) return undefined;
      pick = hashDraw(seed, endpoint, slot, 1);
    } else {
      if (this.noise.next() >= spec.rate) return undefined;
      pick = this.noise.next();
    }
    const kind = kinds[Math.floor(pick * kinds.length)] ?? '500';
    this.failed[kind]++;
    return kind;
  }

  /** Middleware: fails a request as drawn; `onFail` learns the kind (for the request record). */
  middleware(onFail: (req: Request, kind: TransientKind) => void) {
    return (req: Request, res: Response, next: NextFunction): void => {
      const kind = this.draw(req.path);
      if (kind === undefined) return next();
      onFail(req, kind);
      if (kind === 'reset') {
        req.socket.destroy();
        return;
      }
      res.status(Number(kind)).json({ errors: BODIES[kind] });
    };
  }
}
