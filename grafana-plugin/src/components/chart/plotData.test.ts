/** The chart's data as uPlot takes it: aligned on shared times, ∞ remembered, M4-decimated to the pixels. */
import { describe, expect, it } from 'vitest';
import type { Series } from '../../data/frames';
import { decimate, plotData } from './plotData';

const series = (times: number[], values: Array<number | null>): Series => ({ times, values, labels: {} });

describe('plotData', () => {
  it('takes series that share their times as they are, within the range only', () => {
    const times = [0, 10, 20, 30, 40];
    const d = plotData([series(times, [1, 2, 3, 4, 5]), series(times, [5, 4, 3, 2, 1])], 10, 30);
    expect(d.columns).toEqual([
      [10, 20, 30],
      [2, 3, 4],
      [4, 3, 2],
    ]);
    expect([d.min, d.max]).toEqual([2, 4]);
  });

  it('merges series with different times on the union of their times: a line passes over the others’ times', () => {
    const d = plotData([series([0, 20, 40], [1, 3, null]), series([0, 10, 40], [7, 8, 9])], 0, 40);
    // undefined: uPlot joins the line across it; null: a gap (no sample at 40 s).
    expect(d.columns).toEqual([
      [0, 10, 20, 40],
      [1, undefined, 3, null],
      [7, 8, undefined, 9],
    ]);
  });

  it('draws +Infinity at the top (the highest threshold when that is higher) and remembers it', () => {
    const d = plotData([series([0, 10, 20], [5, Infinity, null])], 0, 20, 120);
    expect(d.columns[1]).toEqual([5, 120, null]);
    expect([...(d.infinite[0] ?? [])]).toEqual([1]);
    expect(plotData([series([0, 10], [500, Infinity])], 0, 10, 120).columns[1]).toEqual([500, 500]);
  });
});

describe('decimate', () => {
  const n = 40_320;
  const times = Array.from({ length: n }, (_, i) => i * 15_000);
  const values = times.map((_, i) => Math.sin(i / 500) * 100 + (i === 12_345 ? 1000 : 0));

  it('keeps at most four samples per pixel column and series, and every extreme', () => {
    const d = plotData(
      [
        series(times, values),
        series(
          times,
          values.map((v) => -v),
        ),
      ],
      0,
      times[n - 1]!,
      undefined,
      300,
    );
    const rows = d.columns[0].length;
    expect(rows).toBeLessThanOrEqual(300 * 4 * 2);
    expect(rows).toBeGreaterThan(300);
    // The spike of one sample survives, in both series, at its own time.
    expect(Math.max(...(d.columns[1] as number[]))).toBe(Math.max(...values));
    expect(Math.min(...(d.columns[2] as number[]))).toBe(-Math.max(...values));
    expect(d.columns[0]).toContain(12_345 * 15_000);
    // Every kept point is a real sample.
    d.columns[0].forEach((t, k) => expect(d.columns[1]?.[k]).toBe(values[t / 15_000]));
  });

  it('leaves short series alone', () => {
    const short = plotData([series([0, 1, 2], [1, 2, 3])], 0, 2);
    expect(decimate(short, 0, 2, 300)).toBe(short);
    expect(plotData([series([0, 1, 2], [1, 2, 3])], 0, 2, undefined, 300).columns[0]).toEqual([0, 1, 2]);
  });

  it('decimates merged series the same way (different times)', () => {
    const other = series(
      times.filter((_, i) => i % 2 === 0),
      values.filter((_, i) => i % 2 === 0),
    );
    const d = plotData([series(times, values), other], 0, times[n - 1]!, undefined, 300);
    expect(d.columns[0].length).toBeLessThanOrEqual(300 * 4 * 2);
    expect(Math.max(...(d.columns[1] as number[]))).toBe(Math.max(...values));
  });

  it('keeps where ∞ was', () => {
    const withInf = values.map((v, i) => (i === 20_000 ? Infinity : v));
    const d = plotData([series(times, withInf)], 0, times[n - 1]!, undefined, 300);
    const at = d.columns[0].indexOf(20_000 * 15_000);
    expect(at).toBeGreaterThan(-1);
    expect([...(d.infinite[0] ?? [])]).toEqual([at]);
  });
});
