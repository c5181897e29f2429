/**
 * GETs JSON from the JobManager's REST API with a timeout, bounded retries with backoff, and errors that
 * say what went wrong (unreachable, timeout, HTTP status, not JSON, unexpected shape).
 *
 * A transient failure (nobody answered, a timeout, a 5xx) is tried again up to twice after a short jittered
 * wait, within the collection cycle's budget: a failure that outlasts it is data missing for that cycle (the
 * collector drops the cycle with its reason), never a state of the job.
 */
import type { z } from 'zod';
import { FLINK_JSON_BOUNDS, JsonBoundsError, parseBoundedJson } from './bounded-json.js';
import { GetFailure, getText, type TextAnswer } from './get-text.js';

export type FlinkFailure = 'unreachable' | 'timeout' | 'http-error' | 'not-json' | 'unexpected-shape';

export class FlinkError extends Error {
  readonly failure: FlinkFailure;
  readonly path: string;
  readonly status: number | undefined;
  constructor(failure: FlinkFailure, path: string, message: string, status?: number) {
    super(`${path}: ${message}`);
    this.name = 'FlinkError';
    this.failure = failure;
    this.path = path;
    this.status = status;
  }
}

export interface FlinkHttpOptions {
  /** Base URL of the REST API, e.g. http://localhost:8081. */
  baseUrl: string;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Attempts per request (1 = no retry). */
  attempts: number;
  /** First backoff; doubles per retry. Each wait is jittered: between half and the whole of it. */
  backoffMs: number;
  /**
   * How long after a cycle's first request its retries may go on: no retry waits or runs beyond it (a
   * retry's timeout is cut to what is left). A cycle starts with the first request made after the last
   * cycle's budget passed, so a budget under the loop's interval gives each collection its own.
   */
  cycleBudgetMs: number;
  /**
   * Largest answer accepted; a larger one is refused, never parsed. Memory is bounded by this (the answer's
   * bytes, its text, and the strings parsed from it) and by FLINK_JSON_BOUNDS (the values parsed from it).
   */
  maxBytes: number;
  /** Injected for tests; defaults to a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Injected for tests; defaults to Date.now (the waits and timeouts are real). */
  now?: () => number;
  /** Uniform in [0, 1), for the jitter; defaults to Math.random. */
  random?: () => number;
}

export const DEFAULT_HTTP: Omit<FlinkHttpOptions, 'baseUrl'> = {
  timeoutMs: 3000,
  attempts: 3,
  backoffMs: 200,
  cycleBudgetMs: 10_000,
  // The JobManager's largest honest answers (a big SQL job's plan, a metric list with a Kafka partition's
  // metrics) are a few MiB; 8 MiB parsed costs at most about 40 MiB at its peak in a 256Mi container.
  maxBytes: 8 * 1024 * 1024,
};

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A retry not worth making: less than this would be left of the budget for its answer. */
const SHORTEST_RETRY_MS = 50;

/** A cycle's budget for the loop's interval: two thirds of it, so the collection ends before the next tick. */
export function cycleBudgetFor(intervalSeconds: number): number {
  return Math.round((intervalSeconds * 1000 * 2) / 3);
}

/** Whether a failure is worth another try (the JobManager may be restarting or busy). */
function retryable(error: FlinkError): boolean {
  return (
    error.failure === 'unreachable' ||
    error.failure === 'timeout' ||
    (error.failure === 'http-error' && (error.status ?? 0) >= 500)
  );
}

export class FlinkHttp {
  private readonly options: FlinkHttpOptions;
  /** Requests made (each attempt counts), for the metrics and for tests of request counts. */
  requests = 0;
  /** When the current cycle's budget ends (ms, by `now`). */
  private cycleEnds: number | undefined;

  constructor(options: Partial<FlinkHttpOptions> & { baseUrl: string }) {
    this.options = { ...DEFAULT_HTTP, ...options };
  }

  /** GETs a path and validates the JSON with a schema; retries what may pass. */
  async get<T>(path: string, schema: z.ZodType<T>): Promise<T> {
    const { attempts, backoffMs, timeoutMs, cycleBudgetMs } = this.options;
    const sleep = this.options.sleep ?? sleepFor;
    const now = this.options.now ?? Date.now;
    const random = this.options.random ?? Math.random;
    const started = now();
    if (this.cycleEnds === undefined || started >= this.cycleEnds) this.cycleEnds = started + cycleBudgetMs;
    const ends = this.cycleEnds;
    let last: FlinkError | undefined;
    for (let attempt = 0; attempt < Math.max(1, attempts); attempt++) {
      let timeout = timeoutMs;
      if (attempt > 0) {
        const wait = backoffMs * 2 ** (attempt - 1) * (0.5 + 0.5 * random());
        const left = ends - now() - wait;
        if (left < SHORTEST_RETRY_MS) break;
        await sleep(wait);
        timeout = Math.min(timeoutMs, left);
      }
      try {
        return await this.once(path, schema, timeout);
      } catch (error) {
        if (!(error instanceof FlinkError)) throw error;
        last = error;
        if (!retryable(error)) throw error;
      }
    }
    throw last ?? new FlinkError('unreachable', path, 'no attempt made');
  }

  private async once<T>(path: string, schema: z.ZodType<T>, timeoutMs: number): Promise<T> {
    this.requests++;
    let answer: TextAnswer;
    try {
      answer = await getText(new URL(path, this.options.baseUrl), {
        timeoutMs,
        maxBytes: this.options.maxBytes,
        headers: { accept: 'application/json' },
      });
    } catch (error) {
      if (!(error instanceof GetFailure)) throw error;
      if (error.kind === 'timeout') throw new FlinkError('timeout', path, error.message);
      if (error.kind === 'too-large') throw new FlinkError('unexpected-shape', path, error.message);
      throw new FlinkError('unreachable', path, `cannot reach the JobManager: ${error.message}`);
    }
    const { status, text } = answer;
    if (status < 200 || status > 299) {
      throw new FlinkError('http-error', path, `HTTP ${status}: ${text.slice(0, 200)}`, status);
    }
    let json: unknown;
    try {
      json = parseBoundedJson(text, FLINK_JSON_BOUNDS);
    } catch (error) {
      if (error instanceof JsonBoundsError) throw new FlinkError('unexpected-shape', path, error.message);
      throw new FlinkError('not-json', path, `the answer is not JSON: ${JSON.stringify(text.slice(0, 80))}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new FlinkError(
        'unexpected-shape',
        path,
        `unexpected answer at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
      );
    }
    return parsed.data;
  }
}
