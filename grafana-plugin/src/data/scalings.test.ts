import { describe, expect, it } from 'vitest';
import type { Series } from './frames';
import { allScalings, lastScalings, type Scaling } from './scalings';

const t = (i: number) => i * 15_000;
const series = (values: (number | null)[], labels: Record<string, string> = {}): Series => ({
  times: values.map((_, i) => t(i)),
  values,
  labels,
});
const brief = ({ time, direction, trigger, from, to }: Scaling) => ({ time, direction, trigger, from, to });

describe('the last scalings', () => {
  it('come from rises of the counter, newest first, with the workers before and after', () => {
    const workers = series([2, 2, 2, 4, 4, 4, 4, 3, 3]);
    const up = series([0, 0, 1, 1, 1, 1, 1, 1, 1], { direction: 'up', trigger: 'policy' });
    const down = series([null, null, null, null, null, null, 1, 1, 1], {
      direction: 'down',
      trigger: 'manual',
    });
    const list = lastScalings({ workers: [workers], scalings: [up, down] }, 5, 0);
    expect(list.map(brief)).toEqual([
      { time: t(6), direction: 'down', trigger: 'manual', from: 4, to: 3 },
      { time: t(2), direction: 'up', trigger: 'policy', from: 2, to: 4 },
    ]);
    expect(lastScalings({ workers: [workers], scalings: [up, down] }, 1, 0)).toHaveLength(1);
  });

  it('count a counter that starts again after a sidecar restart', () => {
    const c = series([3, 3, 1, 1], { direction: 'up', trigger: 'policy' });
    expect(lastScalings({ scalings: [c] }, 5, 0).map((s) => s.time)).toEqual([t(2)]);
  });

  it('fall back to changes of the worker count when the counter is absent', () => {
    const list = lastScalings({ workers: [series([2, 2, 5, 5, 3])] }, 5, 0);
    expect(list.map((s) => [s.direction, s.from, s.to, s.trigger])).toEqual([
      ['down', 5, 3, undefined],
      ['up', 2, 5, undefined],
    ]);
  });
});

describe('every scaling in the range', () => {
  const workers = series([2, 2, 2, 4, 4, 4, 4, 3, 3, 3, 6, 6]);
  const up = series([0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2], { direction: 'up', trigger: 'policy' });
  const down = series([null, null, null, null, null, null, 1, 1, 1, 1, 1, 1], {
    direction: 'down',
    trigger: 'manual',
  });

  it('come oldest first, each once', () => {
    const list = allScalings({ workers: [workers], scalings: [up, down] }, 0);
    expect(list.map(brief)).toEqual([
      { time: t(2), direction: 'up', trigger: 'policy', from: 2, to: 4 },
      { time: t(6), direction: 'down', trigger: 'manual', from: 4, to: 3 },
      { time: t(10), direction: 'up', trigger: 'policy', from: 3, to: 6 },
    ]);
  });

  it('carry the decision’s reasons at the time of a policy scaling, none for a manual one', () => {
    // The reasons series of a gauge set: 1 while the reason holds, no sample otherwise.
    const backlog = series([null, 1, 1, 1, null, null, null, null, null, null, 1, 1], {
      reason: 'backlog-time-high',
    });
    const cpuHigh = series([null, null, null, null, null, null, null, null, null, 1, 1, null], {
      reason: 'cpu-high',
    });
    const within = series([null, null, null, null, 1, 1, 1, 1, 1, null, null, null], {
      reason: 'within-bands',
    });
    const backlogTime = series([0, 200, 300, 90, 10, 10, 10, 10, 10, 10, 500, 20]);
    const list = allScalings(
      {
        workers: [workers],
        scalings: [up, down],
        reasons: [backlog, cpuHigh, within],
        backlogTime: [backlogTime],
      },
      0,
    );
    expect(list.map((s) => s.reasons)).toEqual([
      ['backlog-time-high'],
      undefined,
      ['backlog-time-high', 'cpu-high'],
    ]);
    expect(list.map((s) => s.figures?.backlogTime)).toEqual([300, 10, 500]);
  });

  it('fall back to the worker count’s changes, oldest first, with no reasons when none are exported', () => {
    const list = allScalings({ workers: [series([2, 2, 5, 5, 3])] }, 0);
    expect(list.map((s) => [s.time, s.direction, s.reasons])).toEqual([
      [t(2), 'up', undefined],
      [t(4), 'down', undefined],
    ]);
  });

  it('are none without data', () => {
    expect(allScalings({}, 0)).toEqual([]);
  });
});
