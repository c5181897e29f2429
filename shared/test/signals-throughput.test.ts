/**
 * Throughput after a restart (issue 12): Flink's 60 s rate meters restart at zero with the tasks and read
 * low for a minute, so T comes from the cumulative counters (resets handled as Prometheus' increase()),
 * and from the meters only when there are no counters, never from a run's first 60 s.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CONFIG,
  METER_SECONDS,
  computeSignals,
  counterIncrease,
  counterRate,
  latestRunStart,
  sourceSignals,
  type Sample,
} from '../src/index.js';

const T0 = Date.UTC(2026, 0, 1);
const TRUE_RATE = 12_000;

/**
 * What Flink shows of a source processing `rate` units/s, `age` seconds after its tasks started: the 60 s
 * meter (the mean over the last 60 s, zero before the start) and the counter (units since the start).
 */
function flink(age: number, rate = TRUE_RATE): { rate: number; count: number } {
  return { rate: (rate * Math.min(age, METER_SECONDS)) / METER_SECONDS, count: rate * age };
}

/** Samples every 15 s from `firstAge` seconds after a restart at T0, as the autoscaler's window holds them. */
function afterRestart(
  count: number,
  options: { firstAge?: number; counters?: boolean; runningSince?: boolean; workers?: number } = {},
): Sample[] {
  const firstAge = options.firstAge ?? 3;
  return Array.from({ length: count }, (_, i) => {
    const age = firstAge + 15 * i;
    const seen = flink(age);
    const sample: Sample = {
      time: T0 + age * 1000,
      workers: options.workers ?? 17,
      cpu: 0.9,
      sources: [
        {
          id: 'kafka',
          unit: 'records',
          rate: seen.rate,
          backlog: 900_000 - 1000 * age,
          ...(options.counters === false ? {} : { count: seen.count }),
        },
      ],
    };
    if (options.runningSince) sample.runningSince = T0;
    return sample;
  });
}

const within = (value: number | undefined, truth: number, share: number) =>
  value !== undefined && Math.abs(value / truth - 1) <= share;

describe('counters: increase as Prometheus takes it', () => {
  it('sums the rises; a fall is a reset and the new value counts from zero', () => {
    expect(counterIncrease([100, 250, 250, 400])).toBe(300);
    // 100 → 250 (+150), reset to 40 (+40), 40 → 90 (+50)
    expect(counterIncrease([100, 250, 40, 90])).toBe(240);
    expect(counterIncrease([5])).toBe(0);
  });

  it('gives units per second over the pairs that both carry a count, without extrapolation', () => {
    const p = (s: number, count: number) => ({ time: T0 + s * 1000, count });
    expect(counterRate([p(0, 0), p(10, 1000), p(20, 2000)])).toBe(100);
    // the pair broken by a reading without a count adds neither units nor time
    expect(counterRate([p(0, 0), p(10, 1000), undefined, p(30, 9000), p(40, 10_000)])).toBe(100);
    // a reset between 20 s and 30 s: the 300 after it count from zero, over the whole 10 s
    expect(counterRate([p(0, 0), p(10, 1000), p(20, 2000), p(30, 300)])).toBeCloseTo(2300 / 30, 9);
    expect(counterRate([p(0, 0)])).toBeUndefined();
    expect(counterRate([p(0, 0), undefined, p(20, 10)])).toBeUndefined();
  });
});

describe('throughput on the first window after a restart', () => {
  it('is within 5 % of the true rate from the counters while the meters refill', () => {
    // the autoscaler's first full window after a rescale: 9 samples from 3 s to 123 s after the restart
    const window = afterRestart(9);
    const meters = window.map((s) => s.sources[0]?.rate ?? 0);
    // the meters' mean reads about a quarter low (what the issue saw: 6,713 read of 12,000)
    expect(meters.reduce((a, b) => a + b, 0) / meters.length).toBeLessThan(0.8 * TRUE_RATE);
    const s = sourceSignals(window, 'kafka');
    expect(s?.throughput).toBeCloseTo(TRUE_RATE, 6);
    expect(within(s?.throughput, TRUE_RATE, 0.05)).toBe(true);
    expect(s?.throughputFrom).toBe('counter');
  });

  it('is within 5 % from the meters alone when the samples say when the run began (runningSince)', () => {
    const s = sourceSignals(afterRestart(9, { counters: false, runningSince: true }), 'kafka');
    expect(s?.throughput).toBe(TRUE_RATE);
    expect(within(s?.throughput, TRUE_RATE, 0.05)).toBe(true);
    expect(s?.throughputFrom).toBe('meter');
    // the readings of the first 60 s are left out, the backlog's slope keeps every sample
    expect(s?.samples).toBe(9);
    expect(s?.backlogGrowth).toBeCloseTo(-1000, 6);
  });

  it('has no throughput from meters until one reading is 60 s into the run', () => {
    const young = afterRestart(4, { counters: false, runningSince: true }); // 3 s to 48 s
    expect(sourceSignals(young, 'kafka')).toBeUndefined();
    expect(computeSignals(young, DEFAULT_CONFIG)).toBeUndefined();
    // the same samples with counters are exact from the start
    expect(sourceSignals(afterRestart(4), 'kafka')?.throughput).toBeCloseTo(TRUE_RATE, 6);
  });
});

describe('meters are never averaged across a restart', () => {
  /** 8,000/s on 4 workers for two minutes, then a restart on 17 workers at 12,000/s, without counters. */
  function acrossRescale(counters: boolean): Sample[] {
    const before: Sample[] = Array.from({ length: 8 }, (_, i) => ({
      time: T0 - 120_000 + i * 15_000,
      workers: 4,
      cpu: 0.95,
      sources: [
        {
          id: 'kafka',
          unit: 'records',
          rate: 8000,
          backlog: 500_000,
          ...(counters ? { count: 50_000_000 + 8000 * 15 * i } : {}),
        },
      ],
    }));
    return [...before, ...afterRestart(9, { counters })];
  }

  it('starts the latest run at a change of workers and leaves out its first 60 s', () => {
    const window = acrossRescale(false);
    expect(latestRunStart(window, 'kafka')).toBe(T0 + 3000);
    const s = sourceSignals(window, 'kafka');
    expect(s?.throughputFrom).toBe('meter');
    // readings 63 s to 123 s after the restart only (the meters there are full)
    expect(s?.throughput).toBe(TRUE_RATE);
  });

  it('takes the counters across the restart as Prometheus would (the reset counted from zero)', () => {
    const window = acrossRescale(true);
    const s = sourceSignals(window, 'kafka');
    expect(s?.throughputFrom).toBe('counter');
    const last = window.at(-1) as Sample;
    const first = window[0] as Sample;
    const increase = 8000 * 15 * 7 + flink(123).count; // the rises before, then the new count from zero
    expect(s?.throughput).toBeCloseTo((increase / (last.time - first.time)) * 1000, 6);
  });

  it('starts a run at a counter reset the samples show, when the counts do not form pairs', () => {
    const window = acrossRescale(true).map((sample, i) => ({
      ...sample,
      workers: 4, // a restart on the same workers
      // every other reading has no count: no pair of consecutive counts, so the meters are used
      sources: sample.sources.map((s) => {
        if (i % 2 === 0) return s;
        const { count: _, ...rest } = s;
        return rest;
      }),
    }));
    expect(latestRunStart(window, 'kafka')).toBeGreaterThanOrEqual(T0);
    expect(sourceSignals(window, 'kafka')).toMatchObject({ throughputFrom: 'meter', throughput: TRUE_RATE });
  });

  it('starts a run after a gap longer than 60 s, but not after a tick or two without an answer', () => {
    const steady = (seconds: number[], rate: (s: number) => number): Sample[] =>
      seconds.map((s) => ({
        time: T0 + s * 1000,
        workers: 4,
        cpu: 0.8,
        sources: [{ id: 'a', unit: 'records', rate: rate(s), backlog: 0 }],
      }));
    const short = steady([0, 15, 30, 75, 90, 105, 120], (s) => (s < 60 ? 1000 : 2000));
    expect(latestRunStart(short, 'a')).toBe(Number.NEGATIVE_INFINITY);
    expect(sourceSignals(short, 'a')?.throughput).toBeCloseTo((3 * 1000 + 4 * 2000) / 7, 9);
    // 90 s without a sample: the job may have restarted unseen; the 60 s after it are not trusted
    const long = steady([0, 15, 105, 120, 135, 150, 165, 180], (s) => (s < 60 ? 1000 : 2000));
    expect(latestRunStart(long, 'a')).toBe(T0 + 105_000);
    expect(sourceSignals(long, 'a')).toMatchObject({ throughput: 2000, throughputFrom: 'meter' });
  });

  it('gives the mean of the meters, as before, when the samples show no restart', () => {
    const window = Array.from({ length: 9 }, (_, i) => ({
      time: T0 + i * 15_000,
      workers: 10,
      cpu: 0.8,
      sources: [{ id: 'a', unit: 'records' as const, rate: 900 + (i % 3) * 100, backlog: 0 }],
    }));
    const s = sourceSignals(window, 'a');
    expect(s?.throughput).toBeCloseTo(1000, 9);
    expect(s?.throughputFrom).toBe('meter');
  });
});
