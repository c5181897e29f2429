/**
 * `ours` in the simulator with the autoscaler's options of issue 14: the source's partitions reach the policy
 * (option P) as the collector gives Beam's split count.
 */
import { describe, expect, it } from 'vitest';
import { oursFactory } from '../src/simulation/controllers/ours.js';
import { runSimulation } from '../src/simulation/run.js';
import { loadTrace } from '../src/simulation/trace.js';

describe('ours on partition-capped (24 partitions)', () => {
  const trace = loadTrace('partition-capped');

  it('never asks for more workers than the partitions fill with option P (the default)', () => {
    const run = runSimulation(trace, oursFactory(), { timelineStep: 10 });
    expect(Math.max(...run.timeline.map((p) => p.workers))).toBe(24);
    expect(run.figures.rescales).toBe(1);
  });

  it('goes far past them without it (policy.md)', () => {
    const run = runSimulation(trace, oursFactory({ partitionBound: 0 }), { timelineStep: 10 });
    expect(Math.max(...run.timeline.map((p) => p.workers))).toBeGreaterThan(24);
  });
});
