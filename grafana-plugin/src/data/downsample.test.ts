import { describe, expect, it } from 'vitest';
import { extent, linePath } from './downsample';
import type { Series } from './frames';

const frame = { from: 0, to: 1000, width: 100, height: 50, yMin: 0, yMax: 10 };

function points(d: string): [number, number][] {
  return [...d.matchAll(/[ML]([\d.]+) ([\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

describe('line paths from long series', () => {
  it('keeps each column’s extremes: 40,000 samples become at most 4 points per pixel column', () => {
    const n = 40_000;
    const times = Array.from({ length: n }, (_, i) => (i * 1000) / n);
    const values = times.map((_, i) => (i === 12_345 ? 10 : i % 2 ? 5 : 4));
    const d = linePath({ times, values, labels: {} }, frame);
    const pts = points(d);
    expect(pts.length).toBeLessThanOrEqual(4 * frame.width);
    expect(Math.min(...pts.map((p) => p[1]))).toBe(0); // the single spike to 10 reaches the top
    expect(Math.max(...pts.map((p) => p[1]))).toBe(30); // 4 → 50 - 4/10·50
  });

  it('breaks the line at missing samples and draws +Infinity at the top edge', () => {
    const s: Series = { times: [0, 100, 200, 300], values: [1, null, Infinity, 2], labels: {} };
    const d = linePath(s, frame);
    expect(d.match(/M/g)).toHaveLength(2);
    expect(points(d)[1]).toEqual([20.5, 0]);
  });

  it('ignores samples outside the time range and finds the finite extent', () => {
    const s: Series = { times: [-10, 10, 20, 2000], values: [100, 3, Infinity, -100], labels: {} };
    expect(extent([s], 0, 1000)).toEqual({ min: 3, max: 3 });
    expect(linePath({ times: [2000], values: [1], labels: {} }, frame)).toBe('');
  });
});
