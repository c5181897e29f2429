/**
 * The input rate's trend over a window: how fast R = T + G itself rises or falls (units per second, per
 * second). What arrives between two readings is what the source read (the counter's increase) plus what the
 * backlog grew; the trend is the least-squares slope of those per-interval input rates against the middle of
 * each interval. Only from counters (a meter averages 60 s and would smear the trend), only between
 * consecutive readings that both carry a count and no reset between them.
 */

/** A reading of one source: time (ms), its cumulative count (if any) and its backlog. */
export interface InputReading {
  time: number;
  count?: number | undefined;
  backlog: number;
}

/** Fewest per-interval input rates the trend is drawn from. */
export const TREND_MIN_INTERVALS = 4;

/** A slope counts as a trend only when it is this many standard errors away from none. */
export const TREND_SIGNIFICANCE = 3;

/**
 * The slope of the input rate over the readings (units/s per s): 0 when the slope is within
 * TREND_SIGNIFICANCE standard errors of none (the per-interval rates scatter, as they do when a noisy
 * backlog drains, more than they rise), undefined when fewer than TREND_MIN_INTERVALS intervals carry
 * counts on both ends (no counters, a reset, too short a window).
 */
export function inputTrend(readings: readonly InputReading[]): number | undefined {
  const times: number[] = [];
  const rates: number[] = [];
  for (let i = 1; i < readings.length; i++) {
    const before = readings[i - 1] as InputReading;
    const after = readings[i] as InputReading;
    const seconds = (after.time - before.time) / 1000;
    if (before.count === undefined || after.count === undefined || !(seconds > 0)) continue;
    if (!Number.isFinite(before.count) || !Number.isFinite(after.count) || after.count < before.count)
      continue;
    const arrived = after.count - before.count + (after.backlog - before.backlog);
    times.push((before.time + after.time) / 2000);
    rates.push(arrived / seconds);
  }
  if (rates.length < TREND_MIN_INTERVALS) return undefined;
  const fit = lineFit(times, rates);
  if (fit === undefined) return undefined;
  return Math.abs(fit.slope) >= TREND_SIGNIFICANCE * fit.standardError ? fit.slope : 0;
}

/** Least-squares line through the points: its slope and the slope's standard error. */
function lineFit(xs: readonly number[], ys: readonly number[]) {
  const count = xs.length;
  const meanX = xs.reduce((a, x) => a + x, 0) / count;
  const meanY = ys.reduce((a, y) => a + y, 0) / count;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < count; i++) {
    const dx = (xs[i] as number) - meanX;
    sxx += dx * dx;
    sxy += dx * ((ys[i] as number) - meanY);
  }
  if (!(sxx > 0)) return undefined;
  const slope = sxy / sxx;
  let residuals = 0;
  for (let i = 0; i < count; i++) {
    const fitted = meanY + slope * ((xs[i] as number) - meanX);
    residuals += ((ys[i] as number) - fitted) ** 2;
  }
  return { slope, standardError: Math.sqrt(residuals / (count - 2) / sxx) };
}
