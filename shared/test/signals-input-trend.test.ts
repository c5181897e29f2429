/**
 * The input rate's trend over a window (option T's measurement, shared/src/signals/input-trend.ts): what
 * arrived per interval (counter increase plus backlog growth), its least-squares slope, 0 when the slope is
 * lost in the scatter, undefined without counts.
 */
import { describe, expect, it } from 'vitest';
import { computeSignals, inputTrend, resolveConfig, type InputReading, type Sample } from '../src/index.js';

const STEP_S = 15;

/** Readings every 15 s for 120 s of an input rate `rate(t)` of which the job reads `read(t)`. */
function readings(rate: (t: number) => number, read: (t: number) => number = rate): InputReading[] {
  const out: InputReading[] = [];
  let count = 0;
  let backlog = 0;
  for (let t = 0; t <= 120; t += STEP_S) {
    out.push({ time: t * 1000, count, backlog });
    // integrate second by second
    for (let s = t; s < t + STEP_S; s++) {
      count += read(s);
      backlog += rate(s) - read(s);
    }
  }
  return out;
}

describe('inputTrend', () => {
  it('reads a steady rise of the input from the counter alone (no backlog)', () => {
    expect(inputTrend(readings((t) => 20_000 + 11 * t))).toBeCloseTo(11, 6);
  });

  it('adds what the backlog grew to what the source read', () => {
    // the job reads a flat 20,000/s while the input rises 11/s: the rise is all in the backlog
    expect(
      inputTrend(
        readings(
          (t) => 20_000 + 11 * t,
          () => 20_000,
        ),
      ),
    ).toBeCloseTo(11, 6);
  });

  it('is 0 for a flat input, and for a backlog whose noise scatters more than the input rises', () => {
    expect(inputTrend(readings(() => 20_000))).toBe(0);
    // a draining backlog of about 1 M records read with ±2 % noise: ±20,000 records a reading, far more
    // than a rise of 11/s moves in 15 s
    const noisy = readings(
      (t) => 20_000 + 11 * t,
      () => 25_000,
    ).map((r, i) => ({
      ...r,
      backlog: 1_000_000 - 5_000 * (r.time / 1000) + (i % 2 === 0 ? 20_000 : -20_000),
    }));
    expect(inputTrend(noisy)).toBe(0);
  });

  it('is undefined without counts, and leaves out an interval across a counter reset', () => {
    const ramp = readings((t) => 20_000 + 11 * t);
    expect(inputTrend(ramp.map(({ time, backlog }) => ({ time, backlog })))).toBeUndefined();
    expect(inputTrend(ramp.slice(0, 4))).toBeUndefined();
    // the tasks restarted before the 5th reading: its count starts again near zero
    const reset = ramp.map((r, i) => (i >= 4 ? { ...r, count: (r.count ?? 0) - (ramp[4]?.count ?? 0) } : r));
    expect(inputTrend(reset)).toBeCloseTo(11, 6);
  });

  it('comes out of computeSignals as the source signal inputTrend', () => {
    const samples: Sample[] = readings((t) => 20_000 + 11 * t).map((r) => ({
      time: r.time,
      workers: 25,
      cpu: 0.8,
      sources: [{ id: 's', unit: 'records', rate: 20_000, count: r.count, backlog: r.backlog }],
    }));
    const signals = computeSignals(samples, resolveConfig({}));
    expect(signals?.source.inputTrend).toBeCloseTo(11, 6);
    const withoutCounts = samples.map((s) => ({
      ...s,
      sources: s.sources.map(({ count: _count, ...rest }) => rest),
    }));
    expect(computeSignals(withoutCounts, resolveConfig({}))?.source.inputTrend).toBeUndefined();
  });
});
