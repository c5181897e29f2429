import { DEFAULT_CONFIG, decide } from '@flink-autoscaler/shared';
import { describe, expect, it } from 'vitest';
import { snapshot } from '../data/snapshot';
import { project } from './projection';

const base = {
  ...snapshot({}),
  workers: 10,
  throughput: 1000,
  backlog: 150_000,
  backlogGrowth: 0,
  cpu: 0.95,
};

describe('what N workers would do', () => {
  it('at the count the policy wants, drains the backlog within its drain time (policy.md, row 2)', () => {
    const desired = decide(
      { workers: 10, throughput: 1000, backlog: 150_000, backlogGrowth: 0, cpu: 0.95 },
      DEFAULT_CONFIG,
    );
    expect(desired.desiredWorkers).toBe(35);
    const p = project(base, desired.desiredWorkers);
    expect(p.drainSeconds).toBeCloseTo(DEFAULT_CONFIG.scaleUp.drainSeconds, 6);
    expect(p.cpu).toBeCloseTo((10 * 0.95) / 35, 9);
  });

  it('never drains when N cannot keep up with the input, and says by how much it grows', () => {
    const p = project({ ...base, backlogGrowth: 500 }, 12);
    expect(p.drainSeconds).toBe(Infinity);
    expect(p.growth).toBeCloseTo(300, 9);
    expect(p.after).toBeUndefined();
  });

  it('has nothing to drain without a backlog, and knows nothing without signals', () => {
    expect(project({ ...base, backlog: 0 }, 8).drainSeconds).toBe(0);
    const none = project(snapshot({}), 3);
    expect([none.cpu, none.drainSeconds, none.after]).toEqual([undefined, undefined, undefined]);
  });

  it('names the bounds the sidecar would enforce', () => {
    expect(project(base, 101).outOfBounds).toBe('the sidecar allows 1 to 100 workers for this job');
    expect(project(base, 100).outOfBounds).toBeUndefined();
  });
});
