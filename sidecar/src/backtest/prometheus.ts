/**
 * A small client of Prometheus's HTTP API: range queries cut into chunks (a range query answers at most 11,000
 * points per series), each answer aligned on the step, and instant queries.
 */

export interface RangeSpec {
  /** Epoch seconds, inclusive. */
  start: number;
  end: number;
  /** Seconds between points. */
  step: number;
}

/** Points per range query: below Prometheus's 11,000, and small enough for progress on long ranges. */
export const CHUNK_POINTS = 2000;

export class PrometheusError extends Error {}

interface ApiAnswer<T> {
  status: 'success' | 'error';
  data?: T;
  error?: string;
  errorType?: string;
}

interface SeriesAnswer {
  resultType: string;
  result: { metric: Record<string, string>; values?: [number, string][]; value?: [number, string] }[];
}

export class PrometheusClient {
  readonly base: string;
  private readonly timeoutMs: number;
  /** Queries sent (for tests and the report). */
  queries = 0;

  constructor(base: string, timeoutMs = 60_000) {
    this.base = base.replace(/\/+$/, '');
    this.timeoutMs = timeoutMs;
  }

  private async get<T>(path: string, params: Record<string, string>): Promise<T> {
    const url = `${this.base}${path}?${new URLSearchParams(params).toString()}`;
    this.queries++;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new PrometheusError(
        `cannot reach Prometheus at ${this.base}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
      );
    }
    const text = await res.text();
    let body: ApiAnswer<T>;
    try {
      body = JSON.parse(text) as ApiAnswer<T>;
    } catch {
      throw new PrometheusError(
        `${this.base}${path} answered HTTP ${res.status} with no Prometheus API body (is this Prometheus?)`,
      );
    }
    if (body.status !== 'success' || body.data === undefined)
      throw new PrometheusError(
        `Prometheus refused ${params.query ?? path}: ${body.errorType ?? `HTTP ${res.status}`}: ${body.error ?? ''}`,
      );
    return body.data;
  }

  /**
   * One value per step from `range.start` to `range.end` (NaN where the query has no value); a query that
   * answers several series gets them summed. Cut into chunks of CHUNK_POINTS; `onChunk` after each.
   */
  async range(query: string, range: RangeSpec, onChunk?: () => void): Promise<Float64Array> {
    const n = Math.floor((range.end - range.start) / range.step) + 1;
    const out = new Float64Array(n).fill(Number.NaN);
    for (let first = 0; first < n; first += CHUNK_POINTS) {
      const last = Math.min(n - 1, first + CHUNK_POINTS - 1);
      const data = await this.get<SeriesAnswer>('/api/v1/query_range', {
        query,
        start: String(range.start + first * range.step),
        end: String(range.start + last * range.step),
        step: String(range.step),
      });
      for (const series of data.result) {
        for (const [t, v] of series.values ?? []) {
          const i = Math.round((t - range.start) / range.step);
          const value = Number(v);
          if (i < 0 || i >= n || !Number.isFinite(value)) continue;
          out[i] = Number.isNaN(out[i] as number) ? value : (out[i] as number) + value;
        }
      }
      onChunk?.();
    }
    return out;
  }

  /** The label sets an instant query answers at `time`. */
  async labels(query: string, time: number): Promise<Record<string, string>[]> {
    const data = await this.get<SeriesAnswer>('/api/v1/query', { query, time: String(time) });
    return data.result.map((r) => r.metric);
  }
}

/** How many chunks a range takes per query. */
export function chunksOf(range: RangeSpec): number {
  return Math.ceil((Math.floor((range.end - range.start) / range.step) + 1) / CHUNK_POINTS);
}
