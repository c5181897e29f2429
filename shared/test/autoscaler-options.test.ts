/**
 * The stateful autoscaler's options beyond policy.md (issue 14): P, A, C, S, R and E (T: autoscaler-trend.test.ts). Each test runs the
 * autoscaler with the option on and off (the `seed` value, policy.md's behaviour) in virtual time, one
 * observation every 15 s, and shows the difference the option claims.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  Autoscaler,
  breakEvenMs,
  notWorthRestart,
  partitionLimit,
  resolveConfig,
  SEED_PROFILE,
  stabilizeScaleDown,
  stabilizeScaleDownFor,
  type Evaluation,
  type PolicyConfig,
  type PolicyOverrides,
  type Sample,
} from '../src/index.js';

const START = Date.UTC(2026, 0, 1);
const INTERVAL_MS = 15_000;
let now = START;
beforeEach(() => {
  now = START;
});

interface Tick {
  workers?: number;
  cpu?: number;
  rate?: number;
  backlog?: number;
  partitions?: number;
  jobState?: string;
}

function sample(t: Tick): Sample {
  return {
    time: now,
    workers: t.workers ?? 10,
    cpu: t.cpu ?? 0.8,
    sources: [
      {
        id: 'src',
        unit: 'records',
        rate: t.rate ?? 1000,
        backlog: t.backlog ?? 0,
        ...(t.partitions !== undefined && { partitions: t.partitions }),
      },
    ],
  };
}

function tick(a: Autoscaler, t: Tick): Evaluation {
  const e = a.observe({ jobState: t.jobState ?? 'RUNNING', deploymentStable: true, sample: sample(t) });
  now += INTERVAL_MS;
  return e;
}

/** Ticks for `seconds`; `at` gets the seconds elapsed. */
function feed(a: Autoscaler, seconds: number, at: (s: number) => Tick): Evaluation[] {
  const from = now;
  const out: Evaluation[] = [];
  while (now < from + seconds * 1000) out.push(tick(a, at((now - from) / 1000)));
  return out;
}

/** Every issue-14 option off: policy.md's behaviour (the seed profile). */
const SEED = SEED_PROFILE;

function config(overrides: PolicyOverrides = {}): PolicyConfig {
  return resolveConfig({
    ...SEED,
    ...overrides,
    scaleUp: { ...SEED.scaleUp, ...overrides.scaleUp },
    scaleDown: { ...SEED.scaleDown, ...overrides.scaleDown },
  });
}

/** Backlog time 150 s and CPU 0.95: policy.md scales 10 → 35. */
const UP: Tick = { workers: 10, rate: 1000, backlog: 150_000, cpu: 0.95 };

/** The first evaluation with a full window (the 9th tick: 0 … 120 s). */
function firstDecision(a: Autoscaler, at: (s: number) => Tick): Evaluation {
  const evaluations = feed(a, 135, at);
  const e = evaluations.at(-1) as Evaluation;
  expect(e.gates).not.toContain('window-not-full');
  return e;
}

describe('option P: bound by partitions', () => {
  it('stops a scale-up where the partitions run out (slots per worker counted)', () => {
    const capped = { ...UP, partitions: 20 };
    const on = firstDecision(new Autoscaler(config({ partitionBound: 1 }), () => now), () => capped);
    now = START;
    const off = firstDecision(new Autoscaler(config(), () => now), () => capped);
    expect(off).toMatchObject({ action: 'scale-up', targetWorkers: 35 });
    expect(on).toMatchObject({ action: 'scale-up', targetWorkers: 20 });
    expect(on.decision?.reasons).toContain('limited-by-partitions');
    now = START;
    // 60 partitions on 3 slots per worker fill 20 workers
    const slots = firstDecision(
      new Autoscaler(config({ partitionBound: 1, slotsPerWorker: 3 }), () => now),
      () => ({ ...UP, partitions: 60 }),
    );
    expect(slots).toMatchObject({ action: 'scale-up', targetWorkers: 20 });
  });

  it('asks for nothing once the job fills its partitions, and never scales a wider job down for them', () => {
    const full = firstDecision(new Autoscaler(config({ partitionBound: 1 }), () => now), () => ({
      ...UP,
      partitions: 10,
    }));
    expect(full).toMatchObject({ action: 'none', targetWorkers: 10 });
    expect(full.decision?.reasons).toContain('limited-by-partitions');
    now = START;
    const wider = firstDecision(new Autoscaler(config({ partitionBound: 1 }), () => now), () => ({
      ...UP,
      partitions: 6,
    }));
    expect(wider).toMatchObject({ action: 'none', targetWorkers: 10 });
  });

  it('bounds nothing when a source does not say its partitions, or the option is off', () => {
    const on = config({ partitionBound: 1 });
    const two: Sample = {
      ...sample({ partitions: 8 }),
      sources: [
        { id: 'a', unit: 'records', rate: 1, backlog: 0, partitions: 8 },
        { id: 'b', unit: 'records', rate: 1, backlog: 0, partitions: 30 },
      ],
    };
    expect(partitionLimit(two, on)).toBe(30);
    expect(partitionLimit({ ...two, sources: [{ id: 'a', unit: 'records', rate: 1, backlog: 0 }] }, on)).toBe(
      undefined,
    );
    expect(partitionLimit(two, config())).toBeUndefined();
  });
});

describe('option A: size on the backlog while it drains', () => {
  /** 10 workers at full CPU drain a backlog: 50,000 → 20,000 over the window (G = −250/s, T = 1000). */
  const draining = (s: number): Tick => ({ workers: 10, rate: 1000, cpu: 0.95, backlog: 50_000 - 250 * s });

  it('asks for nothing while the backlog drains within scaleUp.backlogTimeSeconds', () => {
    const off = firstDecision(new Autoscaler(config(), () => now), draining);
    now = START;
    const on = firstDecision(new Autoscaler(config({ scaleUp: { sizeOnDrain: 1 } }), () => now), draining);
    // policy.md: CPU 0.95 > 0.9, need max(10·750/1000 + 10·20000/60000, 10·0.95/0.8) = 11.875 → 12
    expect(off).toMatchObject({ action: 'scale-up', targetWorkers: 12 });
    expect(on).toMatchObject({ action: 'none', targetWorkers: 10 });
    expect(on.decision?.reasons).toContain('catching-up');
  });

  it('asks for nothing when the window holds a catch-up that is over (backlog 0, shrinking)', () => {
    // after a restart: 60,000 waiting drained at 500/s, gone at 120 s; CPU 0.97 over the window
    const caughtUp = (s: number): Tick => ({
      workers: 10,
      rate: 1000,
      cpu: 0.97,
      backlog: Math.max(0, 60_000 - 500 * s),
    });
    const off = firstDecision(new Autoscaler(config(), () => now), caughtUp);
    now = START;
    const on = firstDecision(new Autoscaler(config({ scaleUp: { sizeOnDrain: 1 } }), () => now), caughtUp);
    expect(off.action).toBe('scale-up');
    expect(on).toMatchObject({ action: 'none', targetWorkers: 10 });
  });

  it('sizes on the keep-up CPU when keeping up alone is above the trigger', () => {
    // CPU 1.0 draining 50/s of 2,000: keeping up takes 1.0·950/1000 = 0.95 > 0.9 → 10·0.95/0.8 = 11.875 → 12
    const tight = (s: number): Tick => ({ workers: 10, rate: 1000, cpu: 1, backlog: 8_000 - 50 * s });
    const on = firstDecision(new Autoscaler(config({ scaleUp: { sizeOnDrain: 1 } }), () => now), tight);
    expect(on).toMatchObject({ action: 'scale-up', targetWorkers: 12 });
    now = START;
    expect(firstDecision(new Autoscaler(config(), () => now), tight).targetWorkers).toBe(13);
  });

  it('sizes on keep-up plus catch-up alone when the drain is slow', () => {
    // 15,000 left shrinking 100/s (150 s to go); CPU 1.0: policy.md takes the CPU need 12.5 → 13.
    const slow = (s: number): Tick => ({ workers: 10, rate: 1000, cpu: 1, backlog: 27_000 - 100 * s });
    const off = firstDecision(new Autoscaler(config(), () => now), slow);
    now = START;
    const on = firstDecision(new Autoscaler(config({ scaleUp: { sizeOnDrain: 1 } }), () => now), slow);
    expect(off.targetWorkers).toBe(13);
    // 10·900/1000 + 10·15000/60000 = 11.5 → 12
    expect(on).toMatchObject({ action: 'scale-up', targetWorkers: 12 });
  });
});

describe('option A at 2: a draining backlog counts only when a rescale gets it under the threshold sooner', () => {
  const A1 = { scaleUp: { sizeOnDrain: 1 } };
  const A2 = { scaleUp: { sizeOnDrain: 2 } };

  it('asks for nothing while the backlog time is under scaleUp.backlogTimeSeconds and shrinking, however slowly', () => {
    // 15,000 left shrinking 100/s (150 s to go) of an input of 900/s: backlog time 17 s. A at 1 draws on the
    // backlog (not gone within 120 s); at 2 it is within the threshold already, and no restart does better.
    const slow = (s: number): Tick => ({ workers: 10, rate: 1000, cpu: 1, backlog: 27_000 - 100 * s });
    expect(firstDecision(new Autoscaler(config(A1), () => now), slow)).toMatchObject({
      action: 'scale-up',
      targetWorkers: 12,
    });
    now = START;
    const on = firstDecision(new Autoscaler(config(A2), () => now), slow);
    expect(on).toMatchObject({ action: 'none', targetWorkers: 10 });
    expect(on.decision?.reasons).toContain('catching-up');
  });

  it('does not let R size a scale-up nothing else asks for', () => {
    // As above with R at 3: a backlog drawn on would also get the restart's arrivals; with nothing drawn on, R
    // adds nothing either.
    const slow = (s: number): Tick => ({ workers: 10, rate: 1000, cpu: 1, backlog: 27_000 - 100 * s });
    const r3 = { restartAware: 3 };
    expect(firstDecision(new Autoscaler(config({ ...A1, ...r3 }), () => now), slow).action).toBe('scale-up');
    now = START;
    expect(firstDecision(new Autoscaler(config({ ...A2, ...r3 }), () => now), slow)).toMatchObject({
      action: 'none',
      targetWorkers: 10,
    });
  });

  it('keeps the size when the drain gets under the threshold before a restart would', () => {
    // 200,000 waiting, shrinking 1,000/s of an input of 1,000/s (throughput 2,000): under 120 s of input in
    // 80 s at this size. A rescale to 22 restarts for 60 s first, then drains 260,000 at 3,400/s: 101 s.
    const fast = (s: number): Tick => ({ workers: 10, rate: 2000, cpu: 1, backlog: 320_000 - 1000 * s });
    const a1 = firstDecision(new Autoscaler(config(A1), () => now), fast);
    expect(a1.action).toBe('scale-up');
    now = START;
    expect(firstDecision(new Autoscaler(config(A2), () => now), fast)).toMatchObject({
      action: 'none',
      targetWorkers: 10,
    });
  });

  it('scales up as A at 1 does when the backlog is far behind and the drain slow', () => {
    // 500,000 waiting (505 s of input) shrinking 10/s: hours at this size, about two minutes through a rescale.
    const far = (s: number): Tick => ({ workers: 10, rate: 1000, cpu: 1, backlog: 501_200 - 10 * s });
    const a1 = firstDecision(new Autoscaler(config(A1), () => now), far);
    now = START;
    const a2 = firstDecision(new Autoscaler(config(A2), () => now), far);
    expect(a1.action).toBe('scale-up');
    expect(a2).toMatchObject({ action: 'scale-up', targetWorkers: a1.targetWorkers });
  });
});

describe('option W: a scale-down waits until what it saves pays for k restarts', () => {
  it('waits k·restart·n/(n − m), at least a window and at most the stabilization period', () => {
    const [window, period] = [120_000, 300_000];
    // 40 → 30 after 20 s restarts: 3·20·40/10 = 240 s
    expect(breakEvenMs(40, 30, 3, 20, window, period)).toBe(240_000);
    // a drop to a third: 3·20·40/27 = 89 s, so the window
    expect(breakEvenMs(40, 13, 3, 20, window, period)).toBe(window);
    // 92 s restarts: 409 s, so the period (policy.md's wait)
    expect(breakEvenMs(40, 13, 3, 92, window, period)).toBe(period);
    // off, or nothing to save: the period
    expect(breakEvenMs(40, 13, 0, 20, window, period)).toBe(period);
    expect(breakEvenMs(40, 40, 3, 20, window, period)).toBe(period);
  });

  /** The time (s after the first full window) of the first scale-down, and its target. */
  function firstScaleDown(overrides: PolicyOverrides, load: Tick) {
    const a = new Autoscaler(config(overrides), () => now);
    feed(a, 120, () => load);
    const evaluations = feed(a, 600, () => load);
    const i = evaluations.findIndex((x) => x.action === 'scale-down');
    const e = evaluations[i];
    return e && { after: (i * INTERVAL_MS) / 1000, target: e.targetWorkers };
  }

  it('scales down a job whose load fell to a third after a window, not the whole period, when restarts are short', () => {
    // 40 workers at CPU 0.25 want 13; a 20 s restart: 3 restarts of 40 workers are paid back in 89 s
    const third: Tick = { workers: 40, rate: 1000, cpu: 0.25, backlog: 0 };
    const times = (k: number) => {
      now = START;
      const first = firstScaleDown({ restartSeconds: 20, scaleDown: { breakEvenRestarts: k } }, third);
      expect(first?.target).toBe(13);
      return first?.after ?? Infinity;
    };
    const policyMd = times(0);
    const w = times(3);
    expect(w).toBeLessThan(policyMd);
    expect(policyMd - w).toBeGreaterThanOrEqual(150);
  });

  it('waits for the scale-down the wishes have held, not for the highest wish of the whole period', () => {
    // 40 workers, 20 s restarts, k = 3: a scale-down to 30 waits 240 s, one to 13 only 89 s. The wish is 30
    // for the first minute (the window still holds the load before the fall), then 13.
    const [window, period] = [60_000, 300_000];
    const breakEven = { workers: 40, restarts: 3, restartSeconds: 20, minMs: window };
    let streak: Parameters<typeof stabilizeScaleDownFor>[0];
    let first: { at: number; target: number } | undefined;
    for (let t = 0; t <= period && !first; t += 15_000) {
      const step = stabilizeScaleDownFor(streak, t, t < 60_000 ? 30 : 13, period, undefined, breakEven);
      streak = step.streak;
      if (step.ready) first = { at: t, target: step.target };
    }
    // no wish above 13 in the last 89 s at 135 s (the last 30 was at 45 s); with the whole period's highest
    // wish (30) it would wait 240 s and go to 30
    expect(first).toEqual({ at: 135_000, target: 13 });
  });

  it('a higher wish within the shorter wait still holds the scale-down to it', () => {
    const [window, period] = [60_000, 300_000];
    const breakEven = { workers: 40, restarts: 3, restartSeconds: 20, minMs: window };
    let streak: Parameters<typeof stabilizeScaleDownFor>[0];
    const seen: { at: number; target: number }[] = [];
    for (let t = 0; t <= period; t += 15_000) {
      // 13 throughout but for one wish of 30 at 120 s: 30 needs 240 s, 13 then holds 89 s again from 135 s
      const step = stabilizeScaleDownFor(streak, t, t === 120_000 ? 30 : 13, period, undefined, breakEven);
      streak = step.streak;
      if (step.ready) seen.push({ at: t, target: step.target });
    }
    expect(seen[0]).toEqual({ at: 90_000, target: 13 });
    // from the 30 at 120 s until it is 89 s old (at 210 s) nothing is ready
    expect(seen.filter((s) => s.at >= 120_000 && s.at < 210_000)).toEqual([]);
    expect(seen.find((s) => s.at >= 120_000)).toEqual({ at: 210_000, target: 13 });
  });

  it('waits the whole period for a small step down, or when a restart is long', () => {
    const small: Tick = { workers: 40, rate: 1000, cpu: 0.7 * 0.95, backlog: 0 };
    const third: Tick = { workers: 40, rate: 1000, cpu: 0.25, backlog: 0 };
    for (const [load, restartSeconds] of [
      [small, 20],
      [third, 92],
    ] as const) {
      now = START;
      const off = firstScaleDown({ restartSeconds, scaleDown: { breakEvenRestarts: 0 } }, load);
      now = START;
      const on = firstScaleDown({ restartSeconds, scaleDown: { breakEvenRestarts: 3 } }, load);
      expect(off).toBeDefined();
      expect(on).toEqual(off);
    }
  });
});

describe('option C: stabilize on clean windows', () => {
  it('takes the highest count only from wishes whose window lies inside the period', () => {
    const period = 300_000;
    const window = 120_000;
    let streak = stabilizeScaleDown(undefined, 0, 9, period).streak;
    for (let t = 15_000; t < 300_000; t += 15_000) streak = stabilizeScaleDown(streak, t, 5, period).streak;
    expect(stabilizeScaleDown(streak, 300_000, 5, period)).toMatchObject({ ready: true, target: 9 });
    expect(stabilizeScaleDown(streak, 300_000, 5, period, window)).toMatchObject({ ready: true, target: 5 });
    // a period shorter than the window has no clean wish: the latest one
    expect(stabilizeScaleDown(streak, 300_000, 6, 60_000, window).target).toBe(6);
  });

  it('scales down to what the clean windows want, not to what the window holding the change wanted', () => {
    // CPU 0.69 for the first window (wants 9), then 0.4 (wants 5): the early wishes average both.
    const load = (s: number): Tick => ({ workers: 10, rate: 1000, backlog: 0, cpu: s < 120 ? 0.69 : 0.4 });
    const run = (c: PolicyConfig) => {
      now = START;
      const a = new Autoscaler(c, () => now);
      return feed(a, 900, load).find((e) => e.action === 'scale-down');
    };
    expect(run(config())?.targetWorkers).toBe(9);
    expect(run(config({ scaleDown: { cleanWindows: 1 } }))?.targetWorkers).toBe(5);
  });
});

describe('option S: settle after a catch-up', () => {
  it('once the backlog a scale-up was sized for has drained, scales down once to the target CPU', () => {
    const run = (c: PolicyConfig) => {
      now = START;
      const a = new Autoscaler(c, () => now);
      const ask = firstDecision(a, () => UP);
      expect(ask).toMatchObject({ action: 'scale-up', targetWorkers: 35 });
      a.recordRescale({ from: 10, to: 35, trigger: 'policy', evaluation: ask });
      // 35 workers, the backlog drained, CPU 0.71: inside the 0.7–0.9 band, where policy.md stays
      return feed(a, 1800, () => ({ workers: 35, rate: 2500, backlog: 0, cpu: 0.71 }));
    };
    const settings = { cooldownSeconds: 60, restartSeconds: 10 };
    const off = run(config(settings));
    expect(off.every((e) => e.action === 'none')).toBe(true);
    const on = run(config({ ...settings, scaleDown: { settleAfterCatchUp: 1 } }));
    const settle = on.filter((e) => e.action !== 'none');
    // ceil(35·0.71/0.8) = 32, at once once the window is full after the cooldown (no stabilization)
    expect(settle.length).toBeGreaterThan(0);
    expect(on.findIndex((e) => e.action !== 'none')).toBe(
      on.findIndex((e) => e.gates.length === 0 && e.signals !== undefined),
    );
    for (const e of settle) {
      expect(e).toMatchObject({ action: 'scale-down', targetWorkers: 32 });
      expect(e.decision?.reasons).toContain('settling-after-catch-up');
    }
  });

  it('does not settle when the scale-up drew no catch-up, nor for a saving under the restart', () => {
    const run = (c: PolicyConfig, up: Tick) => {
      now = START;
      const a = new Autoscaler(c, () => now);
      const ask = firstDecision(a, () => up);
      a.recordRescale({ from: 10, to: ask.targetWorkers, trigger: 'policy', evaluation: ask });
      return feed(a, 900, () => ({ workers: ask.targetWorkers, rate: 2500, backlog: 0, cpu: 0.71 }));
    };
    const s = { settleAfterCatchUp: 1 };
    // CPU-driven scale-up (no backlog): 10 → 12
    const cpuOnly = run(config({ cooldownSeconds: 60, restartSeconds: 10, scaleDown: s }), {
      workers: 10,
      rate: 1000,
      backlog: 0,
      cpu: 0.95,
    });
    expect(cpuOnly.every((e) => e.action === 'none')).toBe(true);
    // 35 → 32 saves 3 workers over 300 s: less than 35 workers through a 60 s restart
    const dear = run(config({ cooldownSeconds: 60, restartSeconds: 60, scaleDown: s }), UP);
    expect(dear.every((e) => e.action === 'none')).toBe(true);
  });

  it('at 2, a settle that does not yet pay for its restart waits until the drained load has held long enough', () => {
    const run = (mode: number) => {
      now = START;
      const c = config({ cooldownSeconds: 60, restartSeconds: 60, scaleDown: { settleAfterCatchUp: mode } });
      const a = new Autoscaler(c, () => now);
      const ask = firstDecision(a, () => UP);
      a.recordRescale({ from: 10, to: 35, trigger: 'policy', evaluation: ask });
      const drained = () => ({ workers: 35, rate: 2500, backlog: 0, cpu: 0.71 });
      return { a, out: feed(a, 1800, drained), drained };
    };
    // 35 → 32 saves 3 workers; 35 workers through a 60 s restart pay for that after 35·60/3 = 700 s drained
    expect(run(1).out.every((e) => e.action === 'none')).toBe(true);
    const { out } = run(2);
    const first = out.findIndex((e) => e.action !== 'none');
    expect(out[first]).toMatchObject({ action: 'scale-down', targetWorkers: 32 });
    expect(out[first]?.decision?.reasons).toContain('settling-after-catch-up');
    // the backlog counts as drained from the first full window after the cooldown (120 s after the rescale's
    // first tick at the earliest); before 700 s of it the settle waits and says why
    const drainedFrom = out.findIndex((e) => e.signals !== undefined && e.gates.length === 0);
    expect(drainedFrom).toBeGreaterThanOrEqual(0);
    const waited = ((first - drainedFrom) * INTERVAL_MS) / 1000;
    expect(waited).toBeGreaterThanOrEqual(700);
    expect(waited).toBeLessThan(700 + 15);
    expect(out[first - 1]?.decision?.reasons).toContain('restart-not-worth-it');
  });

  it('at 2, the time held starts again when the backlog rises in between', () => {
    now = START;
    const c = config({ cooldownSeconds: 60, restartSeconds: 60, scaleDown: { settleAfterCatchUp: 2 } });
    const a = new Autoscaler(c, () => now);
    const ask = firstDecision(a, () => UP);
    a.recordRescale({ from: 10, to: 35, trigger: 'policy', evaluation: ask });
    const drained = { workers: 35, rate: 2500, backlog: 0, cpu: 0.71 };
    // 600 s drained, then a window with a backlog (not drained: backlog time 20 s, over the 10 s threshold)
    const before = feed(a, 600, () => drained);
    const bump = feed(a, 120, () => ({ ...drained, backlog: 50_000 }));
    const after = feed(a, 1200, () => drained);
    expect([...before, ...bump].every((e) => e.action === 'none')).toBe(true);
    const first = after.findIndex((e) => e.action !== 'none');
    // 700 s counted from when it drained again (the window first holds no bump), not from the first drain
    expect((first * INTERVAL_MS) / 1000).toBeGreaterThanOrEqual(700);
    expect(after[first]).toMatchObject({ action: 'scale-down', targetWorkers: 32 });
  });
});

describe('option R: restart-aware', () => {
  it('skips a scale-down that saves less than its restart costs', () => {
    // CPU 0.69: ceil(10·0.69/0.8) = 9, one worker saved for 300 s against 10 workers down 60 s
    const run = (c: PolicyConfig) => {
      now = START;
      return feed(new Autoscaler(c, () => now), 900, () => ({ workers: 10, backlog: 0, cpu: 0.69 }));
    };
    expect(run(config()).some((e) => e.action === 'scale-down' && e.targetWorkers === 9)).toBe(true);
    const on = run(config({ restartAware: 1 }));
    expect(on.every((e) => e.action === 'none')).toBe(true);
    expect(on.at(-1)?.decision?.reasons).toContain('restart-not-worth-it');
    // a big saving is worth it: 10 → 5 saves 5 workers for 300 s, more than 10 workers for 60 s
    now = START;
    const big = feed(new Autoscaler(config({ restartAware: 1 }), () => now), 900, () => ({
      workers: 10,
      backlog: 0,
      cpu: 0.4,
    }));
    expect(big.some((e) => e.action === 'scale-down' && e.targetWorkers === 5)).toBe(true);
    expect(notWorthRestart(10, 9, 60, config({ restartAware: 1 }))).toBe(true);
    expect(notWorthRestart(10, 9, 60, config())).toBe(false);
  });

  it('measures the restart of the last rescale and plans with it', () => {
    const a = new Autoscaler(config({ restartAware: 1 }), () => now);
    const ask = firstDecision(a, () => UP);
    a.recordRescale({ from: 10, to: 35, trigger: 'policy', evaluation: ask });
    feed(a, 30, () => ({ ...UP, jobState: 'RESTARTING' }));
    tick(a, { ...UP, workers: 35 });
    // down from the first tick not RUNNING to the first at the new size: 30 s
    expect(a.state.restartSeconds).toBe(30);
    // 35 → 33 saves 2 workers for 300 s (600) against 35 workers for 30 s (1050): skipped; for 10 s it is not
    expect(notWorthRestart(35, 33, a.state.restartSeconds ?? 0, config({ restartAware: 1 }))).toBe(true);
  });

  it('at 2 sizes a scale-up to drain what arrives during the restart within the cooldown', () => {
    const on = firstDecision(new Autoscaler(config({ restartAware: 2 }), () => now), () => UP);
    // 35 + 10·1000·60/(1000·300) = 37
    expect(on).toMatchObject({ action: 'scale-up', targetWorkers: 37 });
    now = START;
    expect(
      firstDecision(new Autoscaler(config({ restartAware: 1 }), () => now), () => UP).targetWorkers,
    ).toBe(35);
  });
  it('at 3 sizes only a scale-up drawn for a backlog for the restart, and keeps policy.md scale-downs', () => {
    // a backlog-sized scale-up: 35 + 2 as at 2
    expect(firstDecision(new Autoscaler(config({ restartAware: 3 }), () => now), () => UP)).toMatchObject({
      action: 'scale-up',
      targetWorkers: 37,
    });
    // a CPU-only scale-up (no backlog): 10·0.95/0.8 → 12 at 3 and at 0; 12 + 2 at 2
    const cpuOnly = () => ({ workers: 10, backlog: 0, cpu: 0.95 });
    for (const [mode, target] of [
      [0, 12],
      [3, 12],
      [2, 14],
    ] as const) {
      now = START;
      const e = firstDecision(new Autoscaler(config({ restartAware: mode }), () => now), cpuOnly);
      expect({ mode, target: e.targetWorkers }).toEqual({ mode, target });
    }
    // the scale-down that mode 1 skips as not worth its restart is made at 3
    expect(notWorthRestart(10, 9, 60, config({ restartAware: 3 }))).toBe(false);
    now = START;
    const down = feed(new Autoscaler(config({ restartAware: 3 }), () => now), 900, () => ({
      workers: 10,
      backlog: 0,
      cpu: 0.69,
    }));
    expect(down.some((e) => e.action === 'scale-down' && e.targetWorkers === 9)).toBe(true);
  });
});

describe('option effectiveness', () => {
  /** 10 → 35 on UP; then the input falls and the job is no longer behind: throughput 1050 (a gain of 50). */
  function scaleUpThenDemandFalls(c: PolicyConfig): Autoscaler {
    const a = new Autoscaler(c, () => now);
    const ask = firstDecision(a, () => UP);
    a.recordRescale({ from: 10, to: 35, trigger: 'policy', evaluation: ask });
    feed(a, 135, () => ({ workers: 35, rate: 1050, backlog: 0, cpu: 0.3 }));
    return a;
  }

  it('2: a job no longer behind is not judged (policy.md blocks it)', () => {
    const seed = scaleUpThenDemandFalls(config({ cooldownSeconds: 60 }));
    expect(seed.state.block).toBeDefined();
    now = START;
    const two = scaleUpThenDemandFalls(config({ cooldownSeconds: 60, effectiveness: 2 }));
    expect(two.state.block).toBeUndefined();
    expect(two.state.pendingEffectiveness).toBeUndefined();
  });

  it('2: a job still behind is blocked, and released only by a rise held a whole window', () => {
    const run = (mode: number) => {
      now = START;
      const a = new Autoscaler(config({ cooldownSeconds: 60, effectiveness: mode }), () => now);
      const ask = firstDecision(a, () => UP);
      a.recordRescale({ from: 10, to: 35, trigger: 'policy', evaluation: ask });
      const capped: Tick = { workers: 35, rate: 1100, backlog: 150_000, cpu: 0.95 };
      feed(a, 135, () => capped);
      expect(a.state.block).toBeDefined();
      // one window whose slope reads a rise (backlog up 400/s for 45 s), then flat again
      const blip = feed(a, 240, (s) => ({ ...capped, backlog: 150_000 + 400 * Math.min(s, 45) }));
      return { a, blip };
    };
    const seed = run(1);
    expect(seed.a.state.block).toBeUndefined();
    const two = run(2);
    expect(two.a.state.block).toBeDefined();
    expect(two.blip.every((e) => e.action === 'none')).toBe(true);
  });

  it('0: never blocks', () => {
    const zero = scaleUpThenDemandFalls(config({ cooldownSeconds: 60, effectiveness: 0 }));
    expect(zero.state.block).toBeUndefined();
  });
});

describe('option F: decide on the last samples when they show a job saturated and falling behind', () => {
  const STEADY: Tick = { workers: 10, rate: 1000, backlog: 0, cpu: 0.7 };
  /** A step of the input to 2,000/s at `from` s: 10 workers saturate at 1,250/s, the backlog grows 750/s. */
  const step =
    (from: number) =>
    (s: number): Tick =>
      s < from ? STEADY : { workers: 10, rate: 1250, backlog: 750 * (s - from), cpu: 0.97 };
  /** A pause at `from` s: the job stalls (300/s, CPU busy) while the input stays at 1,000/s. */
  const pause =
    (from: number) =>
    (s: number): Tick =>
      s < from ? STEADY : { workers: 10, rate: 300, backlog: 700 * (s - from), cpu: 0.97 };

  function firstScaleUp(overrides: PolicyOverrides, at: (s: number) => Tick) {
    now = START;
    const a = new Autoscaler(config(overrides), () => now);
    const evaluations = feed(a, 600, at);
    const i = evaluations.findIndex((e) => e.action === 'scale-up');
    const e = evaluations[i];
    return e && { after: (i * INTERVAL_MS) / 1000 - 150, e };
  }

  it('meets a step on its third saturated sample, sized on the input after it', () => {
    const on = firstScaleUp({ scaleUp: { fastTrigger: 1 } }, step(150));
    const off = firstScaleUp({}, step(150));
    // samples at 150, 165 and 180 s are saturated: F acts on the third
    expect(on?.after).toBe(30);
    expect(on?.e.decision?.reasons).toContain('decided-on-recent-samples');
    expect(off?.after).toBeGreaterThanOrEqual(75);
    expect(off?.e.decision?.reasons).not.toContain('decided-on-recent-samples');
    // keeping up with 2,000/s at 125/s a worker takes 16 workers
    expect(on?.e.targetWorkers).toBeGreaterThanOrEqual(16);
  });

  it('leaves a pause (CPU busy, backlog growing, the input unchanged) to the window', () => {
    now = START;
    const on = new Autoscaler(config({ scaleUp: { fastTrigger: 1 } }), () => now);
    const withF = feed(on, 300, pause(150));
    now = START;
    const off = new Autoscaler(config(), () => now);
    const without = feed(off, 300, pause(150));
    expect(withF.some((e) => e.decision?.reasons.includes('decided-on-recent-samples'))).toBe(false);
    expect(withF.map((e) => [e.action, e.targetWorkers])).toEqual(
      without.map((e) => [e.action, e.targetWorkers]),
    );
  });
});
