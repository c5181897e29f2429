import { describe, expect, it } from 'vitest';
import { compareRuns } from '../src/simulation/per-run.js';

const run = (trace: string, seed: number, workerHours: number, sloAttainment = 1, stateGiB = 1) => ({
  trace,
  seed,
  stateGiB,
  workerHours,
  sloAttainment,
});

describe('compareRuns: the per-run rule for a default change', () => {
  it('pairs runs by trace, seed and state size, whatever their order', () => {
    const before = [run('flash', 1, 100), run('flash', 2, 100), run('flash', 1, 200, 1, 8)];
    const after = [run('flash', 1, 180, 1, 8), run('flash', 2, 90), run('flash', 1, 95)];
    const c = compareRuns(before, after);
    expect(c).toMatchObject({ runs: 3, moreWorkerHours: 0, lessWithin120s: 0, worse: [] });
    expect(c.meanWorkerHoursRatio).toBeCloseTo((0.95 + 0.9 + 0.9) / 3, 12);
  });

  it('names every run with more worker-hours or less time within 120 s, even when the mean is better', () => {
    const before = [run('week', 1, 3692.5, 0.9998049), run('square', 1, 170, 1), run('step', 1, 130, 1)];
    const after = [run('week', 1, 3650.9, 0.9998016), run('square', 1, 150, 1), run('step', 1, 130.5, 1)];
    const c = compareRuns(before, after);
    expect(c.moreWorkerHours).toBe(1);
    expect(c.lessWithin120s).toBe(1);
    expect(c.worse.map((w) => w.trace)).toEqual(['week', 'step']);
    expect(c.worse[0]?.sloAttainment).toEqual({ before: 0.9998049, after: 0.9998016 });
    expect(c.meanWorkerHoursRatio).toBeLessThan(1);
  });

  it('refuses sets that do not hold the same runs', () => {
    expect(() => compareRuns([run('flash', 1, 1)], [run('flash', 2, 1)])).toThrow(
      /no run of flash at seed 1/,
    );
    expect(() => compareRuns([run('flash', 1, 1)], [])).toThrow(/same runs/);
    expect(() =>
      compareRuns([run('flash', 1, 1), run('flash', 1, 1)], [run('flash', 1, 1), run('flash', 2, 1)]),
    ).toThrow(/same runs/);
  });
});
