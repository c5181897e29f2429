import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CONFIG,
  computeSignals,
  leastSquaresSlope,
  sourceSignals,
  type Sample,
  type SourceSample,
} from '../src/index.js';

const T0 = Date.UTC(2026, 0, 1);

function samples(count: number, source: (i: number) => SourceSample[], cpu = (_i: number) => 0.5): Sample[] {
  return Array.from({ length: count }, (_, i) => ({
    time: T0 + i * 15_000,
    workers: 4,
    cpu: cpu(i),
    sources: source(i),
  }));
}

describe('least-squares slope', () => {
  it('is exact on a line', () => {
    expect(leastSquaresSlope([0, 1, 2, 3], [5, 7, 9, 11])).toBeCloseTo(2, 12);
  });
  it('fits noisy points', () => {
    // y = 3x + noise that sums to zero against x
    expect(leastSquaresSlope([0, 1, 2, 3, 4], [1, 3, 8, 10, 13])).toBeCloseTo(3.1, 12);
  });
  it('has no answer with fewer than two distinct x', () => {
    expect(leastSquaresSlope([1], [1])).toBeUndefined();
    expect(leastSquaresSlope([2, 2], [1, 5])).toBeUndefined();
  });
});

describe('signals', () => {
  it('computes T as the mean rate, B as the latest backlog, G as the slope per second, BT and R', () => {
    // backlog grows 150 records per 15 s sample = 10/s
    const window = samples(9, (i) => [
      { id: 'kafka', unit: 'records', rate: 900 + (i % 2) * 200, backlog: 1000 + 150 * i },
    ]);
    const s = sourceSignals(window, 'kafka');
    expect(s?.throughput).toBeCloseTo((900 * 5 + 1100 * 4) / 9, 9);
    expect(s?.backlog).toBe(1000 + 150 * 8);
    expect(s?.backlogGrowth).toBeCloseTo(10, 9);
    expect(s?.backlogTime).toBeCloseTo(2200 / s!.throughput, 9);
    expect(s?.inputRate).toBeCloseTo(s!.throughput + 10, 9);
  });

  it('gives backlog time 0 without backlog and Infinity without throughput', () => {
    const none = sourceSignals(
      samples(3, () => [{ id: 'a', unit: 'records', rate: 10, backlog: 0 }]),
      'a',
    );
    expect(none?.backlogTime).toBe(0);
    const stuck = sourceSignals(
      samples(3, () => [{ id: 'a', unit: 'records', rate: 0, backlog: 5 }]),
      'a',
    );
    expect(stuck?.backlogTime).toBe(Number.POSITIVE_INFINITY);
  });

  it('floors the input rate at zero while the backlog drains faster than the source reads', () => {
    const s = sourceSignals(
      samples(5, (i) => [{ id: 'a', unit: 'records', rate: 10, backlog: 10_000 - 1500 * i }]),
      'a',
    );
    expect(s?.backlogGrowth).toBeCloseTo(-100, 9);
    expect(s?.inputRate).toBe(0);
  });

  it('takes CPU as the mean over the window', () => {
    const window = samples(
      4,
      () => [{ id: 'a', unit: 'records', rate: 10, backlog: 0 }],
      (i) => i / 10,
    );
    expect(computeSignals(window, DEFAULT_CONFIG)?.cpu).toBeCloseTo(0.15, 12);
  });

  it('never mixes records and bytes: only readings in the unit the source reports now count', () => {
    const window = samples(6, (i) =>
      i < 3
        ? [{ id: 'a', unit: 'bytes', rate: 1e6, backlog: 5e8 }]
        : [{ id: 'a', unit: 'records', rate: 1000, backlog: 2000 + 15 * (i - 3) }],
    );
    const s = sourceSignals(window, 'a');
    expect(s).toMatchObject({ unit: 'records', throughput: 1000, backlog: 2030, samples: 3 });
    expect(s?.backlogGrowth).toBeCloseTo(1, 9);
  });

  it('ignores readings that are not finite', () => {
    const window = samples(4, (i) => [
      { id: 'a', unit: 'records', rate: i === 1 ? Number.NaN : 100, backlog: 0 },
    ]);
    expect(sourceSignals(window, 'a')).toMatchObject({ throughput: 100, samples: 3 });
  });

  it('takes the source that needs the most workers', () => {
    // source a keeps up; source b has a 300 s backlog time
    const window = samples(9, () => [
      { id: 'a', unit: 'records', rate: 5000, backlog: 0 },
      { id: 'b', unit: 'bytes', rate: 1e6, backlog: 3e8 },
    ]);
    const job = computeSignals(window, DEFAULT_CONFIG);
    expect(job?.source.id).toBe('b');
    expect(job?.source.unit).toBe('bytes');
    expect(job?.sources.map((s) => s.id)).toEqual(['a', 'b']);
  });

  it('prefers the source with the longer backlog time when two need the same count', () => {
    const window = samples(9, () => [
      { id: 'a', unit: 'records', rate: 5000, backlog: 1000 },
      { id: 'b', unit: 'records', rate: 5000, backlog: 2000 },
    ]);
    expect(computeSignals(window, DEFAULT_CONFIG)?.source.id).toBe('b');
  });

  it('has no signals with a single sample or no source', () => {
    expect(
      computeSignals(
        samples(1, () => [{ id: 'a', unit: 'records', rate: 1, backlog: 1 }]),
        DEFAULT_CONFIG,
      ),
    ).toBeUndefined();
    expect(
      computeSignals(
        samples(5, () => []),
        DEFAULT_CONFIG,
      ),
    ).toBeUndefined();
    expect(computeSignals([], DEFAULT_CONFIG)).toBeUndefined();
  });
});
