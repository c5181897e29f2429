/**
 * Option R at 4 (a scale-down keeps the workers that absorb its own restart) and option B
 * (scaleUp.duringCooldown: a job falling further behind at its new size is not held by the cooldown). Runs
 * the autoscaler in virtual time, one observation every 15 s, with the source's counter.
 */
import { describe, expect, it } from 'vitest';
import { Autoscaler, resolveConfig, type Evaluation, type PolicyOverrides } from '../src/index.js';

const START = Date.UTC(2026, 0, 1);
const INTERVAL_S = 15;
const CAPACITY = 1000; // records/s per worker at full CPU

interface Tick {
  rate: number;
  backlog: number;
}

/** Feeds `workers` the ticks (one per 15 s) and returns the first evaluation that acts, or the last. */
function run(
  a: Autoscaler,
  clock: { now: number },
  workers: number,
  tick: (t: number) => Tick,
  seconds: number,
) {
  let count = 0;
  let last: Evaluation | undefined;
  for (let t = 0; t <= seconds; t += INTERVAL_S) {
    const { rate, backlog } = tick(t);
    last = a.observe({
      jobState: 'RUNNING',
      deploymentStable: true,
      sample: {
        time: clock.now,
        workers,
        cpu: Math.min(1, rate / (workers * CAPACITY)),
        sources: [{ id: 's', unit: 'records', rate, count, backlog }],
      },
    });
    if (last.action !== 'none') return last;
    count += rate * INTERVAL_S;
    clock.now += INTERVAL_S * 1000;
  }
  return last as Evaluation;
}

function autoscaler(overrides: PolicyOverrides) {
  const clock = { now: START };
  const config = resolveConfig({ maxWorkers: 100, restartSeconds: 92, ...overrides });
  return { a: new Autoscaler(config, () => clock.now), clock };
}

describe('option R at 4: a scale-down absorbs its own restart', () => {
  // 20 workers at CPU 0.5 on a steady 10,000/s: policy.md goes to ceil(20·0.5/0.8) = 13. The restart of
  // 92 s leaves 920,000 records; 13 workers at full CPU spare 3,000/s and take 307 s, past the cooldown.
  const steady = () => ({ rate: 10_000, backlog: 0 });

  it('floors the scale-down at the workers that keep up and drain the restart within the cooldown', () => {
    const { a, clock } = autoscaler({ restartAware: 4 });
    const e = run(a, clock, 20, steady, 900);
    expect(e.action).toBe('scale-down');
    // ceil(20 · 0.5 · (1 + 92/300)) = ceil(13.07) = 14
    expect(e.targetWorkers).toBe(14);
    expect(e.decision?.reasons).toEqual(['cpu-low', 'restart-to-absorb']);
  });

  it('leaves the scale-down as policy.md at mode 3, and at 4 with a short restart', () => {
    const three = autoscaler({ restartAware: 3 });
    expect(run(three.a, three.clock, 20, steady, 900).targetWorkers).toBe(13);
    // 20 s of restart: 20·0.5·(1 + 20/300) = 10.7 → 11, under the 13 the target CPU asks for.
    const short = autoscaler({ restartAware: 4, restartSeconds: 20 });
    const e = run(short.a, short.clock, 20, steady, 900);
    expect(e.targetWorkers).toBe(13);
    expect(e.decision?.reasons).toEqual(['cpu-low']);
  });
});

describe('option B: a job falling further behind at its new size is not held by the cooldown', () => {
  /** A scale-up 8 → 10 just landed; then 10 workers at full CPU read 10,000/s of a 12,000/s input. */
  function afterScaleUp(overrides: PolicyOverrides, backlog: (t: number) => number) {
    const { a, clock } = autoscaler(overrides);
    a.recordRescale({ from: 8, to: 10, trigger: 'policy' });
    // The full window comes 120 s after the job runs at 10, well inside the 300 s cooldown.
    return run(a, clock, 10, (t) => ({ rate: 10_000, backlog: backlog(t) }), 240);
  }
  // 1.3 M records waiting (130 s at 10,000/s) and growing 2,000/s: the input is 12,000/s.
  const growing = (t: number) => 1_300_000 + 2_000 * t;

  it('scales up inside the cooldown when the backlog time is above the trigger and still growing', () => {
    const e = afterScaleUp({ scaleUp: { duringCooldown: 1 } }, growing);
    expect(e.action).toBe('scale-up');
    expect(e.gates).toEqual([]);
    expect(e.time - START).toBeLessThan(300_000);
  });

  it('holds it for the cooldown with the option off (policy.md)', () => {
    const e = afterScaleUp({ scaleUp: { duringCooldown: 0 } }, growing);
    expect(e.action).toBe('none');
    expect(e.decision?.action).toBe('scale-up');
    expect(e.gates).toEqual(['cooldown']);
  });

  it('holds it while the backlog the restart left drains, however high its backlog time', () => {
    // 2.0 M records draining 1,000/s: 200 s of backlog time, but the job at its new size is catching up.
    const e = afterScaleUp({ scaleUp: { duringCooldown: 1 } }, (t) => 2_000_000 - 1_000 * t);
    expect(e.action).toBe('none');
    expect(e.gates).toEqual(['cooldown']);
  });
});
