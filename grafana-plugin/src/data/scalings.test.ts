import { describe, expect, it } from 'vitest';
import type { Series } from './frames';
import { lastScalings } from './scalings';

const t = (i: number) => i * 15_000;
const series = (values: (number | null)[], labels: Record<string, string> = {}): Series => ({
  times: values.map((_, i) => t(i)),
  values,
  labels,
});

describe('the last scalings', () => {
  it('come from rises of the counter, newest first, with the workers before and after', () => {
    const workers = series([2, 2, 2, 4, 4, 4, 4, 3, 3]);
    const up = series([0, 0, 1, 1, 1, 1, 1, 1, 1], { direction: 'up', trigger: 'policy' });
    const down = series([null, null, null, null, null, null, 1, 1, 1], {
      direction: 'down',
      trigger: 'manual',
    });
    const list = lastScalings({ workers: [workers], scalings: [up, down] }, 5, 0);
    expect(list).toEqual([
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
