/**
 * Option T (followTrend): a rise of the input held over two windows that do not overlap sizes a scale-up
 * (and option S's settle) for the input expected once a later rescale could land (this restart, the
 * cooldown, the next restart), at CPU up to scaleUp.cpu. Runs the autoscaler on and off in virtual time, one
 * observation every 15 s, with the source's counter (the trend is read from it).
 */
import { describe, expect, it } from 'vitest';
import {
  Autoscaler,
  forecastSeconds,
  heldRise,
  resolveConfig,
  settleTarget,
  type Evaluation,
  type JobSignals,
  type PolicyConfig,
  type PolicyOverrides,
} from '../src/index.js';

const START = Date.UTC(2026, 0, 1);
const INTERVAL_S = 15;
const CAPACITY = 1000; // records/s per worker at full CPU

/** The sidecar's defaults with T on or off (restart 60 s until one is measured, cooldown 300 s). */
function config(overrides: PolicyOverrides = {}): PolicyConfig {
  return resolveConfig({ maxWorkers: 100, ...overrides });
}

/**
 * Runs `workers` on an input `rate(t)` (records/s, t in seconds), reading all of it (no backlog), CPU the
 * share of their capacity; returns the first evaluation that acts, or the last.
 */
function run(c: PolicyConfig, rate: (t: number) => number, seconds = 900, workers = 10): Evaluation {
  let now = START;
  const a = new Autoscaler(c, () => now);
  let count = 0;
  let last: Evaluation | undefined;
  for (let t = 0; t <= seconds; t += INTERVAL_S) {
    const r = rate(t);
    last = a.observe({
      jobState: 'RUNNING',
      deploymentStable: true,
      sample: {
        time: now,
        workers,
        cpu: Math.min(1, r / (workers * CAPACITY)),
        sources: [{ id: 's', unit: 'records', rate: r, count, backlog: 0 }],
      },
    });
    if (last.action !== 'none') return last;
    for (let s = t; s < t + INTERVAL_S; s++) count += rate(s);
    now += INTERVAL_S * 1000;
  }
  return last as Evaluation;
}

describe('option T: follow a held rise of the input', () => {
  // 6,000/s rising 8/s: CPU passes 0.9 after 375 s, two windows of rise are behind it by then
  const ramp = (t: number) => 6_000 + 8 * t;

  it('sizes a scale-up on a steady rise for the input expected once the next rescale could land', () => {
    const off = run(config({ followTrend: 0 }), ramp);
    const on = run(config({ followTrend: 1 }), ramp);
    expect(off.action).toBe('scale-up');
    expect(on.action).toBe('scale-up');
    expect(on.time).toBe(off.time);
    const s = on.signals as JobSignals;
    expect(s.source.inputTrend).toBeCloseTo(8, 6);
    // policy.md: CPU to the target
    expect(off.targetWorkers).toBe(Math.ceil((10 * s.cpu) / 0.8));
    // T: the input 8/s × (60 + 300 + 60) s higher, at CPU 0.9
    const horizon = forecastSeconds(on.config, 60);
    expect(horizon).toBe(420);
    const R = s.source.inputRate;
    const expected = Math.ceil((10 * s.cpu * (R / s.source.throughput) * (1 + (8 * horizon) / R)) / 0.9);
    expect(on.targetWorkers).toBe(expected);
    expect(on.targetWorkers).toBeGreaterThan(off.targetWorkers);
  });

  it('takes a step of the input for no trend: it lies in one window only', () => {
    // flat at 8,000/s, then 9,800/s from 300 s on
    const step = (t: number) => (t < 300 ? 8_000 : 9_800);
    const off = run(config({ followTrend: 0 }), step);
    const on = run(config({ followTrend: 1 }), step);
    expect(off.action).toBe('scale-up');
    expect(on).toMatchObject({ action: 'scale-up', targetWorkers: off.targetWorkers, time: off.time });
  });

  it('keeps, on a scale-down, the workers the rise will need before a later rescale could land', () => {
    // 30 workers at 6,000/s rising 8/s: CPU 0.2 to 0.44, policy.md scales down after its 300 s
    const off = run(config({ followTrend: 0 }), ramp, 900, 30);
    const on = run(config({ followTrend: 1 }), ramp, 900, 30);
    expect(off.action).toBe('scale-down');
    expect(on.action).toBe('scale-down');
    const s = on.signals as JobSignals;
    const R = s.source.inputRate;
    const floor = Math.ceil((30 * s.cpu * (R / s.source.throughput) * (1 + (8 * 420) / R)) / 0.9);
    expect(on.targetWorkers).toBe(floor);
    expect(on.targetWorkers).toBeGreaterThan(off.targetWorkers);
    expect(on.decision?.reasons).toEqual(['cpu-low', 'input-rising']);
    expect(off.decision?.reasons).toEqual(['cpu-low']);
  });

  it('needs the rise in a window at least a window earlier, within the horizon, both rising', () => {
    const c = config({ followTrend: 1 });
    const now = START + 1_000_000;
    const signals = {
      time: now,
      workers: 10,
      cpu: 0.85,
      source: {
        id: 's',
        unit: 'records',
        throughput: 10_000,
        backlog: 0,
        backlogGrowth: 0,
        backlogTime: 0,
        inputRate: 10_000,
        inputTrend: 10,
        samples: 9,
      },
      sources: [],
    } as JobSignals;
    const horizon = forecastSeconds(c, 60);
    // an earlier trend 120 s back: the smaller of the two, over the horizon, as a share of R
    expect(heldRise(now, signals, [{ time: now - 120_000, trend: 6 }], c, 60)).toBeCloseTo(
      (6 * horizon) / 10_000,
      9,
    );
    // only 60 s back (the windows overlap), none, falling, or older than the horizon: no rise
    expect(heldRise(now, signals, [{ time: now - 60_000, trend: 6 }], c, 60)).toBe(0);
    expect(heldRise(now, signals, [], c, 60)).toBe(0);
    expect(heldRise(now, signals, [{ time: now - 120_000, trend: -6 }], c, 60)).toBe(0);
    expect(heldRise(now, signals, [{ time: now - (horizon + 1) * 1000, trend: 6 }], c, 60)).toBe(0);
    // off
    expect(heldRise(now, signals, [{ time: now - 120_000, trend: 6 }], config({ followTrend: 0 }), 60)).toBe(
      0,
    );
    // a settle (option S) on a rising input keeps the workers the rise will need; without a rise, CPU to 0.8
    const drained = { ...signals, cpu: 0.5 };
    expect(settleTarget(drained, c, 0)).toBe(Math.ceil((10 * 0.5) / 0.8));
    expect(settleTarget(drained, c, 0.5)).toBe(Math.ceil((10 * 0.5 * 1.5) / 0.9));
  });
});
