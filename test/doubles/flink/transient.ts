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

/** The failure state: what fails now and the seeded draws. */
export class TransientFaults {
  private spec: TransientFailures | undefined;
  private patterns: RegExp[] = [];
  private noise: Noise = seededNoise(1);
  /** Requests failed so far, by kind. */
  readonly failed: Record<TransientKind, number> = { '500': 0, '503': 0, reset: 0 };
  /** Requests that matched an endpoint (failed or not). */
  matched = 0;

  constructor(spec: TransientFailures | undefined) {
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
    if (!this.patterns.some((p) => p.test(bare))) return undefined;
    this.matched++;
    if (this.noise.next() >= spec.rate) return undefined;
    const kinds = spec.kinds ?? TRANSIENT_KINDS;
    const kind = kinds[Math.floor(this.noise.next() * kinds.length)] ?? '500';
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
