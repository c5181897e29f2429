/**
 * Flink's duration option values (TimeUtils.parseDuration), as `/jobmanager/config` shows them: a whole number
 * and an optional unit (`10 s`, `10s`, `500 ms`, `1 min`, `2 h`); a bare number is milliseconds.
 */
import { configValue } from './topology.js';

const UNIT_MS: readonly [readonly string[], number][] = [
  [['ns', 'nano', 'nanos', 'nanosecond', 'nanoseconds'], 1e-6],
  [['us', 'µs', 'micro', 'micros', 'microsecond', 'microseconds'], 1e-3],
  [['', 'ms', 'milli', 'millis', 'millisecond', 'milliseconds'], 1],
  [['s', 'sec', 'secs', 'second', 'seconds'], 1000],
  [['m', 'min', 'minute', 'minutes'], 60_000],
  [['h', 'hour', 'hours'], 3_600_000],
  [['d', 'day', 'days'], 86_400_000],
];

/** Milliseconds of a Flink duration, or undefined when the text is not one. */
export function parseFlinkDuration(text: string): number | undefined {
  const match = /^\s*(\d+)\s*([a-zµ]*)\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = (match[2] ?? '').toLowerCase();
  const factor = UNIT_MS.find(([names]) => names.includes(unit))?.[1];
  return factor === undefined ? undefined : Number(match[1]) * factor;
}

/** `metrics.fetcher.update-interval`'s default: the JobManager refreshes its metric store at most this often. */
export const DEFAULT_FETCH_INTERVAL_MS = 10_000;

/** The metric store's refresh interval from the JobManager's configuration (its default when absent or odd). */
export function fetchIntervalMs(config: readonly { key: string; value: string }[]): number {
  const text = configValue(config, 'metrics.fetcher.update-interval');
  return (text === undefined ? undefined : parseFlinkDuration(text)) ?? DEFAULT_FETCH_INTERVAL_MS;
}
