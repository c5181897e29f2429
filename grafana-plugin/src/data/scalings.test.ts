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

describe('the sidecar’s recent scalings', () => {
  /** One recent-scaling series: its value, the scaling's Unix time in seconds, while the sidecar keeps it. */
  const recent = (labels: Record<string, string>, values: (number | null)[]) => series(values, labels);
  /** 3 s after sample i: the scaling happened between samples i and i + 1. */
  const at = (i: number) => t(i) / 1000 + 3;

  it('give the exact time, the counts, who scaled and why; the counter’s rises they stand for are not counted again', () => {
    const up = series([0, 0, 1, 1, 1, 1, 1, 1, 1, 1], { direction: 'up', trigger: 'policy' });
    const down = series([null, null, null, null, null, 1, 1, 1, 1, 1], {
      direction: 'down',
      trigger: 'manual',
    });
    const policy = recent(
      {
        direction: 'up',
        trigger: 'policy',
        by: 'flink-autoscaler',
        from: '4',
        to: '9',
        reasons: 'backlog-time-high,cpu-high',
      },
      [null, null, at(1), at(1), at(1), at(1), at(1), at(1), at(1), at(1)],
    );
    const alice = recent(
      { direction: 'down', trigger: 'manual', by: 'grafana:alice', from: '9', to: '6', reasons: 'manual' },
      [null, null, null, null, null, at(4), at(4), at(4), at(4), at(4)],
    );
    const list = allScalings({ scalings: [up, down], recentScalings: [policy, alice] }, 0);
    expect(list.map(({ figures: _f, ...s }) => s)).toEqual([
      {
        time: t(1) + 3000,
        direction: 'up',
        trigger: 'policy',
        from: 4,
        to: 9,
        reasons: ['backlog-time-high', 'cpu-high'],
      },
      { time: t(4) + 3000, direction: 'down', trigger: 'manual', from: 9, to: 6, by: 'grafana:alice' },
    ]);
  });

  it('leave a rise of the counter they do not cover (a scaling evicted before a scrape) to the counter', () => {
    const workers = series([2, 2, 2, 4, 4, 4, 4, 4, 5, 5]);
    const up = series([0, 0, 1, 1, 1, 1, 1, 2, 2, 2], { direction: 'up', trigger: 'policy' });
    const second = recent(
      { direction: 'up', trigger: 'policy', by: 'flink-autoscaler', from: '4', to: '5', reasons: 'cpu-high' },
      [null, null, null, null, null, null, null, at(6), at(6), at(6)],
    );
    const list = allScalings({ workers: [workers], scalings: [up], recentScalings: [second] }, 0);
    expect(list.map((s) => [s.time, s.from, s.to, s.reasons])).toEqual([
      [t(2), 2, 4, undefined],
      [t(6) + 3000, 4, 5, ['cpu-high']],
    ]);
  });

  it('name nobody for a manual scaling no hold names, nor for the policy', () => {
    const unknown = recent(
      { direction: 'up', trigger: 'manual', by: 'unknown', from: '2', to: '3', reasons: 'manual' },
      [at(0), at(0)],
    );
    const policy = recent(
      {
        direction: 'down',
        trigger: 'policy',
        by: 'flink-autoscaler',
        from: '3',
        to: '2',
        reasons: 'cpu-low',
      },
      [null, at(1)],
    );
    const list = allScalings({ recentScalings: [unknown, policy] }, 0);
    expect(list.map((s) => [s.trigger, s.by, s.reasons])).toEqual([
      ['manual', undefined, undefined],
      ['policy', undefined, ['cpu-low']],
    ]);
  });

  it('count the same scaling made twice (one series, two values) twice, and none from before the range', () => {
    const again = recent(
      { direction: 'up', trigger: 'policy', by: 'flink-autoscaler', from: '4', to: '9', reasons: 'cpu-high' },
      [at(0) - 3600, at(0) - 3600, null, at(3), at(3), null, at(6), at(6)],
    );
    expect(allScalings({ recentScalings: [again] }, 0).map((s) => s.time)).toEqual([
      t(3) + 3000,
      t(6) + 3000,
    ]);
  });
});
