/**
 * Flink's metric handlers: the `get`, `agg`, `subtasks` and `taskmanagers` parameters and the list, value and
 * aggregated response modes.
 */
import { jacksonDouble, javaDouble, javaLong, javaSplit } from './java-format.js';
import type { MetricMap, MetricValue } from './store.js';

/** A request Flink rejects with 400 and `{"errors": [message]}`. */
export class BadRequest extends Error {}

/** Aggregations in the order Jackson writes an AggregatedMetric's fields. */
export const AGGREGATIONS = ['min', 'max', 'avg', 'sum', 'skew'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/**
 * A query parameter as Flink's HandlerRequest sees it: repeated values joined by `,`; undefined when absent.
 */
export function queryParameter(query: unknown, name: string): string | undefined {
  const raw = (query as Record<string, unknown> | undefined)?.[name];
  if (raw === undefined) return undefined;
  return (Array.isArray(raw) ? raw : [raw]).map(String).join(',');
}

/** `get`: the requested ids (Java split), or undefined for list mode (no `get` at all). */
export function requestedIds(query: unknown): string[] | undefined {
  const raw = queryParameter(query, 'get');
  if (raw === undefined) return undefined;
  return [...new Set(javaSplit(raw))];
}

/** `agg`: case-insensitive `min,max,sum,avg,skew`; all of them when absent; 400 for anything else. */
export function requestedAggregations(query: unknown): Aggregation[] {
  const raw = queryParameter(query, 'agg');
  if (raw === undefined) return [...AGGREGATIONS];
  const wanted = new Set<Aggregation>();
  for (const value of javaSplit(raw)) {
    const mode = AGGREGATIONS.find((a) => a === value.toLowerCase());
    if (mode === undefined) throw new BadRequest(`Cannot resolve query parameter (agg) from value "${raw}".`);
    wanted.add(mode);
  }
  return AGGREGATIONS.filter((a) => wanted.has(a));
}

/**
 * `subtasks`: indices and ranges (`0,2,5-7`), undefined when absent; like Flink, entries that are not numbers
 * are ignored.
 */
export function requestedSubtasks(query: unknown): Set<number> | undefined {
  const raw = queryParameter(query, 'subtasks');
  if (raw === undefined) return undefined;
  const result = new Set<number>();
  const int = (s: string) => (/^[+-]?\d+$/.test(s) ? Number(s) : undefined);
  for (const entry of javaSplit(raw)) {
    const range = entry.trim();
    const dash = range.indexOf('-', 1);
    const from = int(dash === -1 ? range : range.slice(0, dash));
    const to = dash === -1 ? from : int(range.slice(dash + 1));
    if (from === undefined || to === undefined) continue;
    for (let i = from; i <= to; i++) result.add(i);
  }
  return result;
}

/** A comma-separated id filter such as `taskmanagers` or `jobs`; undefined when absent. */
export function requestedComponents(query: unknown, name: string): Set<string> | undefined {
  const raw = queryParameter(query, name);
  return raw === undefined ? undefined : new Set(javaSplit(raw));
}

/**
 * The string Flink sends for a metric value (`String.valueOf`); every number is "NaN" under the 'nan' fault.
 */
export function renderValue(v: MetricValue, nan: boolean): string {
  if (v.kind === 'text') return v.value;
  if (nan) return 'NaN';
  return v.kind === 'long' ? javaLong(v.value) : javaDouble(v.value);
}

const JAVA_DOUBLE = /^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfF]?)$/;

/** `Double.valueOf` of the value's string, or undefined where Java throws NumberFormatException. */
function numeric(v: MetricValue, nan: boolean): number | undefined {
  if (v.kind !== 'text') return nan ? NaN : v.value;
  const s = v.value.trim();
  if (!JAVA_DOUBLE.test(s)) return undefined;
  return Number(s.replace(/[dDfF]$/, '').replace(/^([+-]?)NaN$/, 'NaN'));
}

/** List mode: `[{id}]`, the union of the ids of all components, in store order. */
export function listMode(stores: readonly MetricMap[]): { id: string }[] {
  const ids = new Set<string>();
  for (const store of stores) for (const id of store.keys()) ids.add(id);
  return [...ids].map((id) => ({ id }));
}

/**
 * Value mode: `[{id, value}]` with string values, in store order (not the request's); unknown ids are left
 * out.
 */
export function valueMode(
  store: MetricMap | undefined,
  ids: readonly string[],
  nan: boolean,
): { id: string; value: string }[] {
  if (store === undefined) return [];
  const wanted = new Set(ids);
  const result: { id: string; value: string }[] = [];
  for (const [id, value] of store) if (wanted.has(id)) result.push({ id, value: renderValue(value, nan) });
  return result;
}

/**
 * Aggregated mode, as `AbstractAggregatingMetricsHandler`: per requested id the values of the components that
 * have it; an id with a non-numeric value is left out; if any id has no value at all the whole answer is `[]`.
 */
export function aggregatedMode(
  stores: readonly MetricMap[],
  ids: readonly string[],
  aggregations: readonly Aggregation[],
  nan: boolean,
): Record<string, string | number>[] {
  const result: Record<string, string | number>[] = [];
  for (const id of ids) {
    const values: number[] = [];
    let numericOnly = true;
    for (const store of stores) {
      const v = store.get(id);
      if (v === undefined) continue;
      const n = numeric(v, nan);
      if (n === undefined) {
        numericOnly = false;
        break;
      }
      values.push(n);
    }
    if (!numericOnly) continue;
    if (values.length === 0) return [];
    const all = aggregate(values);
    const entry: Record<string, string | number> = { id };
    for (const a of aggregations) entry[a] = jacksonDouble(all[a]);
    result.push(entry);
  }
  return result;
}

/**
 * Flink's DoubleAccumulators: min, max, sum, avg, and skew = min(mean absolute deviation / mean × 100, 100),
 * 0 when the mean is 0.
 */
export function aggregate(values: readonly number[]): Record<Aggregation, number> {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    min = Number.isNaN(min) || Number.isNaN(v) ? NaN : Math.min(min, v);
    max = Number.isNaN(max) || Number.isNaN(v) ? NaN : Math.max(max, v);
    sum += v;
  }
  const avg = sum / values.length;
  const deviation = values.reduce((total, v) => total + Math.abs(avg - v), 0) / values.length;
  const skew = avg === 0 ? 0 : Math.min((deviation / avg) * 100, 100);
  return { min, max, avg, sum, skew };
}
