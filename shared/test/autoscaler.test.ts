/**
 * The stateful autoscaler of policy.md ("Around the decision") in virtual time: the clock is injected and
 * advanced by the test, one observation every intervalSeconds (15 s), each sample stamped with the clock.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  Autoscaler,
  PREVIOUS_PROFILE,
  DEFAULT_CONFIG,
  HISTORY_LENGTH,
  RESCALE_TIMEOUT_MS,
  initialState,
  parseState,
  resolveConfig,
  serializeState,
  type Evaluation,
  type Observation,
} from '../src/index.js';

/**
 * The mechanics of policy.md around the decision (window, gates, cooldown, hold, block, state) at the
 * defaults they were written for: the sidecar's defaults with the options that change how many workers a
 * scale-up or scale-down asks for (A, B, C, S, T, R 4, on by default since issue 14) off, so that each
 * expected count stays the one policy.md's decision gives. Those options have their own tests
 * (autoscaler-options, autoscaler-trend, autoscaler-restart-absorb) and the sidecar's simulation tests run
 * the defaults as they are.
 */
const BASE = resolveConfig(PREVIOUS_PROFILE);

const START = Date.UTC(2026, 0, 1);
const INTERVAL_MS = 15_000;

let now = START;
const clock = (): number => now;

beforeEach(() => {
  now = START;
});

/** What the collection stage sees at one tick; every field has a default (a steady 10-worker job). */
interface Tick {
  workers?: number;
  cpu?: number;
  rate?: number;
  backlog?: number;
  jobState?: string;
  deploymentStable?: boolean;
  maxParallelism?: number;
  /** This tick's sample was dropped (untrusted or not collected). */
  dropped?: boolean;
  /** Flink did not answer: the job's state is unknown and there is no sample. */
  silent?: boolean;
}

/** Backlog time 150 s and CPU 0.95: scale up to 10 + 10·150000/60000 = 35 (policy.md row 2). */
const UP: Tick = { workers: 10, rate: 1000, backlog: 150_000, cpu: 0.95 };
/** No backlog, CPU 0.4: scale down to ceil(10·0.4/0.8) = 5. */
const DOWN: Tick = { workers: 10, rate: 1000, backlog: 0, cpu: 0.4 };
/** Inside every band: no action. */
const STEADY: Tick = { workers: 10, rate: 1000, backlog: 0, cpu: 0.8 };
/** 35 workers after the scale-up of UP, throughput up by the expected 2500/s; CPU still high: wants 60. */
const EFFECTIVE: Tick = { workers: 35, rate: 3500, backlog: 150_000, cpu: 0.95 };

function observation(t: Tick): Observation {
  const observed: Observation = {
    jobState: t.jobState ?? 'RUNNING',
    deploymentStable: t.deploymentStable ?? true,
    sample: {
      time: now,
      workers: t.workers ?? 10,
      cpu: t.cpu ?? 0.8,
      sources: [{ id: 'src', unit: 'records', rate: t.rate ?? 1000, backlog: t.backlog ?? 0 }],
    },
  };
  if (t.maxParallelism !== undefined) observed.maxParallelism = t.maxParallelism;
  if (t.dropped) observed.sample = undefined;
  if (t.silent) {
    observed.jobState = undefined;
    observed.sample = undefined;
  }
  return observed;
}

/** Observes at `now` with every autoscaler, then advances the clock by one interval. */
function tickAll(autoscalers: readonly Autoscaler[], t: Tick): Evaluation[] {
  const evaluations = autoscalers.map((a) => a.observe(observation(t)));
  now += INTERVAL_MS;
  return evaluations;
}

function tick(autoscaler: Autoscaler, t: Tick): Evaluation {
  return tickAll([autoscaler], t)[0] as Evaluation;
}

/** Ticks for `seconds` (the last tick one interval before `now + seconds`); `at` gets the seconds elapsed. */
function feedAll(
  autoscalers: readonly Autoscaler[],
  seconds: number,
  at: (elapsed: number) => Tick,
): Evaluation[][] {
  const from = now;
  const out: Evaluation[][] = [];
  while (now < from + seconds * 1000) out.push(tickAll(autoscalers, at((now - from) / 1000)));
  return out;
}

function feed(autoscaler: Autoscaler, seconds: number, at: (elapsed: number) => Tick): Evaluation[] {
  return feedAll([autoscaler], seconds, at).map(([e]) => e as Evaluation);
}

/** Seconds from `from` (ms) to the evaluation. */
const secondsSince = (e: Evaluation, from: number): number => (e.time - from) / 1000;

/** Window 30 s, cooldown 120 s: the cooldown outlasts the refilled window, so it can be seen. */
const SHORT_WINDOW = { windowSeconds: 30, intervalSeconds: 15, cooldownSeconds: 120 };

function expectIdle(e: Evaluation, gates: string[]): void {
  expect(e.gates).toEqual(gates);
  expect(e.action).toBe('none');
  // no action: the target is the current size
  if (e.signals) expect(e.targetWorkers).toBe(e.signals.workers);
}

describe('Autoscaler: window', () => {
  it('makes no decision before windowSeconds of RUNNING samples, and one as soon as the window is full', () => {
    const a = new Autoscaler(BASE, clock);
    const early = feed(a, 120, () => UP);
    expect(early).toHaveLength(8);
    for (const e of early) {
      expect(e.gates).toEqual(['window-not-full']);
      expect(e.action).toBe('none');
      expect(e.targetWorkers).toBe(10);
      expect(e.decision).toBeUndefined();
      expect(e.signals).toBeUndefined();
    }
    const full = tick(a, UP);
    expect(secondsSince(full, START)).toBe(120);
    expect(full.gates).toEqual([]);
    expect(full.decision).toMatchObject({ action: 'scale-up', desiredWorkers: 35 });
    expect(full).toMatchObject({ action: 'scale-up', targetWorkers: 35 });
    expect(full.signals?.source.samples).toBe(9);
  });

  it('follows windowSeconds from the config', () => {
    const a = new Autoscaler(resolveConfig({ windowSeconds: 60 }, BASE), clock);
    expect(feed(a, 60, () => UP).every((e) => e.gates[0] === 'window-not-full')).toBe(true);
    expect(tick(a, UP)).toMatchObject({ gates: [], action: 'scale-up', targetWorkers: 35 });
  });

  it('slides: the signals cover the last windowSeconds only', () => {
    const a = new Autoscaler(BASE, clock);
    feed(a, 300, () => STEADY);
    // 120 s of CPU 0.4 replace the 0.8 completely
    const evaluations = feed(a, 135, () => DOWN);
    const last = evaluations.at(-1) as Evaluation;
    expect(last.signals?.cpu).toBeCloseTo(0.4, 12);
    expect(last.signals?.source.samples).toBe(9);
  });

  it('decides only on samples of the last windowSeconds when samples are dropped', () => {
    const a = new Autoscaler(BASE, clock);
    feed(a, 120, () => UP);
    expect(tick(a, UP).action).toBe('scale-up');
    const lastSample = now - INTERVAL_MS;
    const dropped = feed(a, 300, () => ({ ...UP, dropped: true }));
    for (const e of dropped) {
      // samples younger than 120 s; the window holds at least half the samples a full one has (4)
      const young = Math.floor((lastSample - (e.time - 120_000)) / INTERVAL_MS) + 1;
      if (young >= 4) {
        expect(e.signals?.source.samples).toBe(young);
        expect(e).toMatchObject({ gates: [], action: 'scale-up' });
      } else {
        expectIdle(e, ['window-not-full']);
        expect(e.signals).toBeUndefined();
      }
    }
    expect(dropped.filter((e) => e.action === 'scale-up')).toHaveLength(5);
    // every sample is older than the window now: a whole new window is needed
    const resumed = now;
    for (const e of feed(a, 120, () => UP)) expectIdle(e, ['window-not-full']);
    const full = tick(a, UP);
    expect(secondsSince(full, resumed)).toBe(120);
    expect(full).toMatchObject({ gates: [], action: 'scale-up', signals: { time: full.time } });
  });
});

describe('Autoscaler: job state and worker count empty the window', () => {
  it('gates a job that is not RUNNING and needs a whole new window once it runs again', () => {
    const a = new Autoscaler(BASE, clock);
    feed(a, 120, () => UP);
    expect(tick(a, UP).action).toBe('scale-up');

    for (const jobState of ['RESTARTING', 'FAILING', 'CREATED']) {
      const e = tick(a, { ...UP, jobState });
      expect(e.gates).toEqual(['job-not-running']);
      expect(e.action).toBe('none');
      expect(e.targetWorkers).toBe(10);
      expect(e.decision).toBeUndefined();
    }
    const refilling = feed(a, 120, () => UP);
    expect(refilling).toHaveLength(8);
    for (const e of refilling) expectIdle(e, ['window-not-full']);
    expect(tick(a, UP)).toMatchObject({ gates: [], action: 'scale-up', targetWorkers: 35 });
  });

  it('empties the window when a restart interrupts the filling', () => {
    const a = new Autoscaler(BASE, clock);
    feed(a, 90, () => UP);
    tick(a, { ...UP, jobState: 'RESTARTING' });
    const restarted = now;
    // 120 s after the first sample the window would be full had the restart not emptied it
    const refilling = feed(a, 120, () => UP);
    for (const e of refilling) expectIdle(e, ['window-not-full']);
    const full = tick(a, UP);
    expect(secondsSince(full, restarted)).toBe(120);
    expect(full.action).toBe('scale-up');
  });

  it('empties the window when the worker count in the samples changes', () => {
    const a = new Autoscaler(BASE, clock);
    feed(a, 120, () => UP);
    expect(tick(a, UP).action).toBe('scale-up');

    const changed = now;
    const refilling = feed(a, 120, () => ({ ...UP, workers: 11 }));
    for (const e of refilling) expectIdle(e, ['window-not-full']);
    const full = tick(a, { ...UP, workers: 11 });
    expect(secondsSince(full, changed)).toBe(120);
    expect(full.signals?.workers).toBe(11);
    expect(full.signals?.source.samples).toBe(9);
    // 11 + 11·150000/60000 = 38.5 → 39
    expect(full).toMatchObject({ action: 'scale-up', targetWorkers: 39 });
  });
});

describe('Autoscaler: Flink not answering is data missing, not a job state', () => {
  it('gates a tick without an answer as data-missing and keeps the window', () => {
    const a = new Autoscaler(BASE, clock);
    feed(a, 120, () => UP);
    expect(tick(a, UP).action).toBe('scale-up');
    const silent = tick(a, { ...UP, silent: true });
    expectIdle(silent, ['data-missing']);
    expect(silent.targetWorkers).toBe(10);
    // the next answer decides at once on the window kept (a restart would need 120 s of samples again)
    expect(tick(a, UP)).toMatchObject({ gates: [], action: 'scale-up', targetWorkers: 35 });
  });

  it('decides on most ticks when three in ten ticks go unanswered', () => {
    const a = new Autoscaler(BASE, clock);
    feed(a, 120, () => UP);
    // a fixed pattern with 30 % of the ticks unanswered, never two in a row more than twice
    const pattern = [false, true, false, false, true, false, true, false, false, false];
    let i = 0;
    const ticks = feed(a, 15 * 60, () => ({ ...UP, silent: pattern[i++ % pattern.length] === true }));
    const answered = ticks.filter((e) => !e.gates.includes('data-missing'));
    expect(answered).toHaveLength(42);
    expect(answered.every((e) => e.action === 'scale-up')).toBe(true);
    expect(ticks.flatMap((e) => e.gates)).not.toContain('job-not-running');
    expect(ticks.flatMap((e) => e.gates)).not.toContain('window-not-full');
  });

  it('never decides on samples older than the window while Flink stays silent', () => {
    const a = new Autoscaler(BASE, clock);
    feed(a, 120, () => UP);
    expect(tick(a, UP).action).toBe('scale-up');
    for (const e of feed(a, 150, () => ({ ...UP, silent: true }))) expectIdle(e, ['data-missing']);
    // every sample kept is older than 120 s now: a whole new window is needed
    const resumed = now;
    for (const e of feed(a, 120, () => UP)) expectIdle(e, ['window-not-full']);
    expect(secondsSince(tick(a, UP), resumed)).toBe(120);
  });

  it('neither settles a rescale nor starts its cooldown again while Flink is silent', () => {
    const a = new Autoscaler(resolveConfig(SHORT_WINDOW, BASE), clock);
    feed(a, 30, () => UP);
    const ask = tick(a, UP);
    a.recordRescale({ from: 10, to: 35, trigger: 'policy', reasons: ask.decision?.reasons, evaluation: ask });
    feed(a, 60, () => ({ ...UP, silent: true }));
    expect(a.state.rescale?.settledAt).toBeUndefined();
    const settledAt = now;
    feed(a, 45, () => EFFECTIVE);
    expect(a.state.rescale?.settledAt).toBe(settledAt);
    // silent ticks in the cooldown are not a restart: the cooldown runs on from when the job settled
    feed(a, 30, () => ({ ...EFFECTIVE, silent: true }));
    expect(a.state.rescale?.settledAt).toBe(settledAt);
    const after = feed(a, 60, () => EFFECTIVE);
    expect(after.some((e) => e.gates.includes('cooldown'))).toBe(true);
    for (const e of after.slice(0, -1)) expect(e.action).toBe('none');
    const last = after.at(-1) as Evaluation;
    expect(secondsSince(last, settledAt)).toBe(120);
    expect(last).toMatchObject({ gates: [], action: 'scale-up', targetWorkers: 60 });
  });
});

describe('Autoscaler: deployment stability', () => {
  it('takes no action while the FlinkDeployment is not stable, even when the decision is scale-up', () => {
    const a = new Autoscaler(BASE, clock);
    for (const e of feed(a, 120, () => ({ ...UP, deploymentStable: false }))) {
      expectIdle(e, ['window-not-full']);
    }
    const unstable = feed(a, 60, () => ({ ...UP, deploymentStable: false }));
    for (const e of unstable) {
      expect(e.decision).toMatchObject({ action: 'scale-up', desiredWorkers: 35 });
      expect(e.gates).toEqual(['deployment-not-stable']);
      expect(e.action).toBe('none');
      expect(e.targetWorkers).toBe(10);
    }
    // the samples taken meanwhile still count: stable again, the autoscaler acts at once
    expect(tick(a, UP)).toMatchObject({ gates: [], action: 'scale-up', targetWorkers: 35 });
  });
});

describe('Autoscaler: rescale in progress and cooldown', () => {
  it('gates until the job RUNS at the new size, then cools down for cooldownSeconds from that moment', () => {
    const config = resolveConfig(SHORT_WINDOW, BASE);
    const a = new Autoscaler(config, clock);
    feed(a, 30, () => UP);
    const ask = tick(a, UP);
    expect(ask).toMatchObject({ gates: [], action: 'scale-up', targetWorkers: 35 });
    a.recordRescale({ from: 10, to: 35, trigger: 'policy', reasons: ask.decision?.reasons, evaluation: ask });
    const rescaledAt = now;
    expect(a.state.rescale).toEqual({ time: rescaledAt, from: 10, to: 35 });

    // TaskManagers arrive in batches: still 10 for 90 s, then 20 for 90 s
    const growing = feed(a, 180, (s) => ({ ...UP, workers: s < 90 ? 10 : 20 }));
    for (const e of growing) {
      const s = secondsSince(e, rescaledAt);
      if (s % 90 < 30) {
        expectIdle(e, ['window-not-full']);
      } else {
        expect(e.decision?.action).toBe('scale-up');
        expectIdle(e, ['rescale-in-progress']);
      }
    }
    expect(growing.filter((e) => e.gates.includes('rescale-in-progress'))).toHaveLength(8);
    expect(a.state.rescale?.settledAt).toBeUndefined();

    // at the new size, but restarting: not settled yet
    for (const e of feed(a, 45, () => ({ ...EFFECTIVE, jobState: 'RESTARTING' }))) {
      expectIdle(e, ['job-not-running']);
    }
    expect(a.state.rescale?.settledAt).toBeUndefined();

    // RUNNING at 35: the cooldown starts now (long after the rescale was recorded)
    const settledAt = now;
    const after = feed(a, 180, () => EFFECTIVE);
    expect(a.state.rescale).toEqual({ time: rescaledAt, from: 10, to: 35, settledAt });
    for (const e of after) {
      const s = secondsSince(e, settledAt);
      if (s < 30) {
        expectIdle(e, ['window-not-full']);
      } else if (s < 120) {
        expect(e.decision).toMatchObject({ action: 'scale-up', desiredWorkers: 60 });
        expectIdle(e, ['cooldown']);
      } else {
        expect(e).toMatchObject({ gates: [], action: 'scale-up', targetWorkers: 60 });
      }
    }
    expect(after.filter((e) => e.gates.includes('cooldown'))).toHaveLength(6);
  });

  it('uses cooldownSeconds from the config, for a manual rescale too', () => {
    const a = new Autoscaler(resolveConfig({ windowSeconds: 30, cooldownSeconds: 45 }, BASE), clock);
    feed(a, 30, () => UP);
    a.recordRescale({ from: 10, to: 35, trigger: 'manual', user: 'ops' });
    const settledAt = now;
    const after = feed(a, 60, () => EFFECTIVE);
    expect(after.map((e) => e.gates)).toEqual([['window-not-full'], ['window-not-full'], ['cooldown'], []]);
    expect(after.at(-1)?.action).toBe('scale-up');
    expect(a.state.rescale?.settledAt).toBe(settledAt);
  });

  it('gives up on a rescale that never reaches the new size after RESCALE_TIMEOUT_MS, then cools down', () => {
    const a = new Autoscaler(resolveConfig(SHORT_WINDOW, BASE), clock);
    feed(a, 30, () => UP);
    const ask = tick(a, UP);
    a.recordRescale({ from: 10, to: 35, trigger: 'policy', evaluation: ask });
    const rescaledAt = now;

    const waiting = feed(a, RESCALE_TIMEOUT_MS / 1000, () => UP);
    for (const e of waiting) {
      expectIdle(e, secondsSince(e, rescaledAt) < 30 ? ['window-not-full'] : ['rescale-in-progress']);
    }
    expect(a.state.rescale?.settledAt).toBeUndefined();
    expect(a.state.rescale?.incomplete).toBeUndefined();

    const givenUp = tick(a, UP);
    expect(givenUp.time - rescaledAt).toBe(RESCALE_TIMEOUT_MS);
    expect(a.state.rescale).toEqual({
      time: rescaledAt,
      from: 10,
      to: 35,
      settledAt: givenUp.time,
      incomplete: true,
    });
    expectIdle(givenUp, ['cooldown']);
    // a scale-up that never happened is not judged for effectiveness (it would look like no gain at all)
    expect(a.state.pendingEffectiveness).toBeUndefined();
    expect(a.state.block).toBeUndefined();
    for (const e of feed(a, 105, () => UP)) expectIdle(e, ['cooldown']);
    // the job still needs more workers: the policy asks again once the cooldown is over
    expect(tick(a, UP)).toMatchObject({ gates: [], action: 'scale-up', targetWorkers: 35 });
  });
});

describe('Autoscaler: manual hold', () => {
  it('takes no action until the hold ends, then the policy acts again', () => {
    const a = new Autoscaler(BASE, clock);
    const until = START + 10 * 60_000;
    a.hold(until, 'alice', 'incident 42');
    expect(a.state.hold).toEqual({ until, user: 'alice', note: 'incident 42' });

    const held = feed(a, 600, () => UP);
    for (const e of held) {
      if (secondsSince(e, START) < 120) {
        expectIdle(e, ['window-not-full']);
      } else {
        expect(e.decision?.action).toBe('scale-up');
        expectIdle(e, ['manual-hold']);
      }
    }
    expect(now).toBe(until);
    expect(tick(a, UP)).toMatchObject({ gates: [], action: 'scale-up', targetWorkers: 35 });
  });

  it('holds a scale-down too, and a new hold replaces the old one', () => {
    const a = new Autoscaler(resolveConfig({ scaleDown: { stabilizationSeconds: 0 } }, BASE), clock);
    a.hold(START + 60_000, 'alice', 'short');
    a.hold(START + 300_000, 'bob', 'longer');
    feed(a, 120, () => DOWN);
    const held = feed(a, 180, () => DOWN);
    for (const e of held) {
      expect(e.decision?.action).toBe('scale-down');
      expectIdle(e, ['manual-hold']);
    }
    expect(tick(a, DOWN)).toMatchObject({ gates: [], action: 'scale-down', targetWorkers: 5 });
  });
});

describe('Autoscaler: scale-down stabilization', () => {
  it('scales down only after stabilizationSeconds, to the highest count wanted in that period', () => {
    const a = new Autoscaler(BASE, clock);
    // CPU 0.4 (wants 5), then 0.5 (wants up to 7), then 0.1 (wants 3 by the end)
    const cpu = (s: number): number => (s < 225 ? 0.4 : s < 345 ? 0.5 : 0.1);
    feed(a, 120, (s) => ({ ...DOWN, cpu: cpu(s) }));
    const streakStart = now;
    const streak = feed(a, 300, (s) => ({ ...DOWN, cpu: cpu(s + 120) }));
    for (const e of streak) {
      expect(e.decision?.action).toBe('scale-down');
      expectIdle(e, ['scale-down-stabilizing']);
    }
    const wanted = streak.map((e) => e.decision?.desiredWorkers);
    expect(wanted[0]).toBe(5);
    expect(Math.max(...(wanted as number[]))).toBe(7);

    const ready = tick(a, { ...DOWN, cpu: cpu(420) });
    expect(secondsSince(ready, streakStart)).toBe(300);
    // now the decision wants 3, but 7 was wanted during the period
    expect(ready.decision).toMatchObject({ action: 'scale-down', desiredWorkers: 3 });
    expect(ready).toMatchObject({ gates: [], action: 'scale-down', targetWorkers: 7 });
  });

  it('starts the streak again after a decision that is not a scale-down', () => {
    const a = new Autoscaler(BASE, clock);
    feed(a, 120, () => DOWN);
    const firstStart = now;
    // 180 s of the streak, then CPU back in the band long enough for the window mean to reach it
    const first = feed(a, 180, () => DOWN);
    for (const e of first) expectIdle(e, ['scale-down-stabilizing']);
    const interruption = feed(a, 120, () => STEADY);
    const broken = interruption.find((e) => e.decision?.action !== 'scale-down');
    expect(broken).toBeDefined();
    expect(broken?.gates).toEqual([]);
    expect(a.state.scaleDown).toBeUndefined();

    // back to CPU 0.4: a new streak starts at the first scale-down decision and needs the full 300 s
    const second = feed(a, 420, () => DOWN);
    const secondStart = second.find((e) => e.decision?.action === 'scale-down')?.time as number;
    expect(secondStart).toBeGreaterThan(firstStart + 300_000);
    const acted = second.filter((e) => e.action !== 'none');
    expect(acted[0]?.time).toBe(secondStart + 300_000);
    for (const e of second.filter((e) => e.time >= secondStart && e.time < secondStart + 300_000)) {
      expectIdle(e, ['scale-down-stabilizing']);
    }
    expect(acted[0]).toMatchObject({ gates: [], action: 'scale-down' });
  });

  it('starts the streak again after the job leaves RUNNING', () => {
    const a = new Autoscaler(BASE, clock);
    feed(a, 120, () => DOWN);
    feed(a, 240, () => DOWN);
    expect(a.state.scaleDown).toBeDefined();
    tick(a, { ...DOWN, jobState: 'RESTARTING' });
    expect(a.state.scaleDown).toBeUndefined();
    feed(a, 120, () => DOWN);
    const restart = now;
    const evaluations = feed(a, 300, () => DOWN);
    for (const e of evaluations) expectIdle(e, ['scale-down-stabilizing']);
    const ready = tick(a, DOWN);
    expect(secondsSince(ready, restart)).toBe(300);
    expect(ready).toMatchObject({ gates: [], action: 'scale-down', targetWorkers: 5 });
  });
});

describe('Autoscaler: effectiveness of scale-ups', () => {
  /**
   * policy.md's 60 s cooldown, inside the 120 s window refill, so these tests see the block alone; and
   * policy.md's check (effectiveness 1, the seed profile; mode 2 is tested in autoscaler-options.test.ts).
   */
  const NO_LONG_COOLDOWN = resolveConfig({ cooldownSeconds: 60, effectiveness: 1 }, BASE);

  /** Scales 10 → 35 on UP and records it as the policy's; returns when the job runs at 35. */
  function scaleUpOnce(a: Autoscaler): number {
    feed(a, 120, () => UP);
    const ask = tick(a, UP);
    expect(ask).toMatchObject({ action: 'scale-up', targetWorkers: 35 });
    a.recordRescale({ from: 10, to: 35, trigger: 'policy', reasons: ask.decision?.reasons, evaluation: ask });
    // capacity 1000·(35/10 − 1) = 2500, demand 150000 / 60 = 2500
    expect(a.state.pendingEffectiveness).toEqual({
      sourceId: 'src',
      throughputBefore: 1000,
      expectedGain: 2500,
      from: 10,
    });
    return now;
  }

  it('blocks further scale-ups after a gain under 10 % of the expected, until the input rate rises >10 %', () => {
    const a = new Autoscaler(NO_LONG_COOLDOWN, clock);
    scaleUpOnce(a);
    // capped (e.g. by source partitions): 35 workers read 1100/s, a gain of 100 (4 % of 2500)
    const CAPPED: Tick = { workers: 35, rate: 1100, backlog: 150_000, cpu: 0.95 };
    for (const e of feed(a, 120, () => CAPPED)) expectIdle(e, ['window-not-full']);
    expect(a.state.block).toBeUndefined();
    expect(a.state.pendingEffectiveness).toBeDefined();

    const judged = tick(a, CAPPED);
    expect(judged.decision?.action).toBe('scale-up');
    expectIdle(judged, ['ineffective-scaling']);
    expect(a.state.pendingEffectiveness).toBeUndefined();
    expect(a.state.block).toMatchObject({
      time: judged.time,
      sourceId: 'src',
      expectedGain: 2500,
      workers: 10,
    });
    expect(a.state.block?.inputRate).toBeCloseTo(1100, 9);
    expect(a.state.block?.gain).toBeCloseTo(100, 9);

    // the same input: blocked for good
    for (const e of feed(a, 600, () => CAPPED)) {
      expect(e.decision?.action).toBe('scale-up');
      expectIdle(e, ['ineffective-scaling']);
    }
    // input up by 9 % (backlog grows 100/s: R = 1200 ≤ 1210): still blocked
    const slow = feed(a, 600, (s) => ({ ...CAPPED, backlog: 150_000 + 100 * s }));
    for (const e of slow) {
      expect(e.decision?.action).toBe('scale-up');
      expectIdle(e, ['ineffective-scaling']);
    }
    expect(slow.at(-1)?.signals?.source.inputRate).toBeCloseTo(1200, 3);
    expect(a.state.block).toBeDefined();

    // input up by 18 % (backlog grows 200/s): released once R > 1210
    const fast = feed(a, 300, (s) => ({ ...CAPPED, backlog: 210_000 + 200 * s }));
    const released = fast.findIndex((e) => !e.gates.includes('ineffective-scaling'));
    expect(released).toBeGreaterThan(0);
    for (const e of fast.slice(0, released)) {
      expect(e.signals?.source.inputRate).toBeLessThanOrEqual(1210);
      expectIdle(e, ['ineffective-scaling']);
    }
    for (const e of fast.slice(released)) {
      expect(e.signals?.source.inputRate).toBeGreaterThan(1210);
      expect(e.gates).toEqual([]);
      expect(e.action).toBe('scale-up');
    }
    expect(a.state.block).toBeUndefined();
  });

  it('does not block after an effective scale-up', () => {
    const a = new Autoscaler(NO_LONG_COOLDOWN, clock);
    scaleUpOnce(a);
    // 35 workers read 2000/s: a gain of 1000, 40 % of the expected 2500; CPU still high
    const BETTER: Tick = { workers: 35, rate: 2000, backlog: 150_000, cpu: 0.95 };
    feed(a, 120, () => BETTER);
    const judged = tick(a, BETTER);
    expect(a.state.pendingEffectiveness).toBeUndefined();
    expect(a.state.block).toBeUndefined();
    // 35 + 35·150000/(2000·60) = 78.75 → 79
    expect(judged).toMatchObject({ gates: [], action: 'scale-up', targetWorkers: 79 });
  });

  it('judges a gain of exactly 10 % of the expected as effective', () => {
    const a = new Autoscaler(NO_LONG_COOLDOWN, clock);
    scaleUpOnce(a);
    const TENTH: Tick = { workers: 35, rate: 1250, backlog: 150_000, cpu: 0.95 };
    feed(a, 120, () => TENTH);
    const judged = tick(a, TENTH);
    expect(a.state.block).toBeUndefined();
    expect(judged.action).toBe('scale-up');
  });

  /** Scales 10 → 35, whose gain (100 of the expected 2,500) sets the block. */
  function blockedAt35(): Autoscaler {
    const a = new Autoscaler(NO_LONG_COOLDOWN, clock);
    scaleUpOnce(a);
    const CAPPED: Tick = { workers: 35, rate: 1100, backlog: 150_000, cpu: 0.95 };
    feed(a, 120, () => CAPPED);
    expectIdle(tick(a, CAPPED), ['ineffective-scaling']);
    return a;
  }

  it('lets a job scaled down since the block scale up again, as far as the size the ineffective scale-up started from', () => {
    const a = blockedAt35();
    // The load fell; the policy went down to 4 workers (from 10 → 35, only 10 had shown to help).
    a.recordRescale({ from: 35, to: 4, trigger: 'policy' });
    expect(a.state.block).toBeDefined();
    // Hours later the input is back near where it was (not 10 % above): the job falls behind at 4.
    const BEHIND: Tick = { workers: 4, rate: 400, backlog: 60_000, cpu: 0.99 };
    feed(a, 480, () => BEHIND);
    const up = tick(a, BEHIND);
    expect(up.signals?.source.inputRate).toBeLessThanOrEqual(1210);
    expect(up.decision?.reasons).toContain('limited-by-ineffective-scaling');
    expect(up).toMatchObject({ gates: [], action: 'scale-up', targetWorkers: 10 });
    // At 10 (or more) the block holds scale-ups, as before.
    a.recordRescale({ from: 4, to: 10, trigger: 'policy' });
    const AT_CAP: Tick = { workers: 10, rate: 1000, backlog: 150_000, cpu: 0.99 };
    feed(a, 480, () => AT_CAP);
    expectIdle(tick(a, AT_CAP), ['ineffective-scaling']);
  });

  it('a block kept before its size was (no workers in the state) still holds every scale-up', () => {
    const first = blockedAt35();
    const parsed = parseState(serializeState(first.state));
    if (!parsed.ok) throw new Error(parsed.message);
    const { workers: _kept, ...older } = parsed.state.block ?? { workers: 0 };
    const a = new Autoscaler(NO_LONG_COOLDOWN, clock, {
      ...parsed.state,
      block: older as typeof parsed.state.block,
    });
    a.recordRescale({ from: 35, to: 4, trigger: 'policy' });
    const BEHIND: Tick = { workers: 4, rate: 400, backlog: 60_000, cpu: 0.99 };
    feed(a, 480, () => BEHIND);
    expectIdle(tick(a, BEHIND), ['ineffective-scaling']);
  });

  it('does not block scale-downs, and a manual rescale lifts the block', () => {
    const a = new Autoscaler(
      resolveConfig({ cooldownSeconds: 60, scaleDown: { stabilizationSeconds: 0 } }, BASE),
      clock,
    );
    scaleUpOnce(a);
    const CAPPED: Tick = { workers: 35, rate: 1100, backlog: 150_000, cpu: 0.95 };
    feed(a, 120, () => CAPPED);
    expectIdle(tick(a, CAPPED), ['ineffective-scaling']);
    // the backlog is gone and the CPU idles: a scale-down is not blocked
    feed(a, 120, () => ({ workers: 35, rate: 1100, backlog: 0, cpu: 0.3 }));
    const down = tick(a, { workers: 35, rate: 1100, backlog: 0, cpu: 0.3 });
    expect(a.state.block).toBeDefined();
    expect(down).toMatchObject({ gates: [], action: 'scale-down' });

    a.recordRescale({ from: 35, to: 40, trigger: 'manual', user: 'bob', note: 'more partitions' });
    expect(a.state.block).toBeUndefined();
  });
});

describe('Autoscaler: state survives a restart', () => {
  it('keeps cooling down after a restart mid-cooldown, from the persisted (serialized) state', () => {
    const config = resolveConfig(SHORT_WINDOW, BASE);
    const first = new Autoscaler(config, clock);
    feed(first, 30, () => UP);
    const ask = tick(first, UP);
    first.recordRescale({ from: 10, to: 35, trigger: 'policy', evaluation: ask });
    const settledAt = now;
    feed(first, 45, () => EFFECTIVE);
    expect(first.state.rescale?.settledAt).toBe(settledAt);

    const text = serializeState(first.state);
    const parsed = parseState(text);
    expect(parsed).toEqual({ ok: true, state: first.state });
    if (!parsed.ok) throw new Error(parsed.message);
    const second = new Autoscaler(config, clock, parsed.state);

    const both = feedAll([first, second], 75, () => EFFECTIVE);
    for (const [a, b] of both) {
      expectIdle(a as Evaluation, ['cooldown']);
      const s = secondsSince(b as Evaluation, settledAt);
      // the new process has no samples yet; once its window is full, the cooldown still holds
      expectIdle(b as Evaluation, s < 75 ? ['window-not-full'] : ['cooldown']);
    }
    expect(secondsSince(both.at(-1)?.[1] as Evaluation, settledAt)).toBe(105);
    const [a, b] = tickAll([first, second], EFFECTIVE);
    expect(a).toMatchObject({ gates: [], action: 'scale-up', targetWorkers: 60 });
    expect(b).toMatchObject({ gates: [], action: 'scale-up', targetWorkers: 60 });
  });

  it('does not scale twice after a restart mid-rescale', () => {
    const config = resolveConfig(SHORT_WINDOW, BASE);
    const first = new Autoscaler(config, clock);
    feed(first, 30, () => UP);
    const ask = tick(first, UP);
    first.recordRescale({ from: 10, to: 35, trigger: 'policy', evaluation: ask });
    feed(first, 30, () => UP); // the TaskManagers are still coming

    const parsed = parseState(serializeState(first.state));
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.state.rescale).toEqual(first.state.rescale);
    expect(parsed.state.pendingEffectiveness).toEqual(first.state.pendingEffectiveness);
    const second = new Autoscaler(config, clock, parsed.state);
    const forgetful = new Autoscaler(config, clock); // a restart that lost the state

    const waiting = feedAll([second, forgetful], 120, () => UP);
    for (const [b, c] of waiting.slice(2)) {
      expect(b?.decision?.action).toBe('scale-up');
      expectIdle(b as Evaluation, ['rescale-in-progress']);
      expect(c).toMatchObject({ gates: [], action: 'scale-up' });
    }
    // the job reaches 35: the restarted autoscaler settles, cools down and then judges the gain
    const settledAt = now;
    const after = feed(second, 240, () => ({ ...EFFECTIVE, rate: 1100 }));
    expect(second.state.rescale).toMatchObject({ to: 35, settledAt });
    expect(after.filter((e) => e.action !== 'none')).toEqual([]);
    expect(second.state.block).toMatchObject({ sourceId: 'src', expectedGain: 2500 });
  });

  it('keeps the hold, the block, the streak and the history across serialize/parse', () => {
    const a = new Autoscaler(BASE, clock);
    a.hold(START + 3_600_000, 'alice', 'night');
    a.recordRescale({ from: 10, to: 12, trigger: 'manual', user: 'alice', note: 'test' });
    feed(a, 300, () => ({ ...DOWN, workers: 12 }));
    const state = a.state;
    expect(state.scaleDown).toBeDefined();
    expect(state.hold).toBeDefined();
    const parsed = parseState(serializeState(state));
    expect(parsed).toEqual({ ok: true, state });
    // the getter hands out a copy
    state.history.length = 0;
    expect(a.state.history).toHaveLength(1);
  });

  it('round-trips the initial state', () => {
    expect(parseState(serializeState(initialState()))).toEqual({ ok: true, state: initialState() });
  });

  it('rejects garbage with a message', () => {
    const notJson = parseState('{version: 1');
    expect(notJson.ok).toBe(false);
    if (!notJson.ok) expect(notJson.message).toMatch(/^state is not JSON: /);
    expect(parseState('').ok).toBe(false);

    const cases: [string, RegExp][] = [
      ['null', /^state is invalid at \(root\): /],
      ['[]', /^state is invalid at \(root\): /],
      ['{"history":[]}', /^state is invalid at version: /],
      ['{"version":2,"history":[]}', /^state is invalid at version: /],
      ['{"version":1}', /^state is invalid at history: /],
      [
        '{"version":1,"history":[],"rescale":{"time":"yesterday","from":1,"to":2}}',
        /invalid at rescale\.time: /,
      ],
      ['{"version":1,"history":[],"rescale":{"time":0,"from":-1,"to":2}}', /invalid at rescale\.from: /],
      [
        '{"version":1,"history":[{"time":0,"from":1,"to":2,"trigger":"cron","reasons":[]}]}',
        /at history\.0\.trigger/,
      ],
      ['{"version":1,"history":[],"hold":{"until":5}}', /invalid at hold\.user: /],
    ];
    for (const [text, message] of cases) {
      const result = parseState(text);
      expect(result.ok, text).toBe(false);
      if (!result.ok) expect(result.message, text).toMatch(message);
    }
  });
});

describe('Autoscaler: history', () => {
  it(`keeps the latest ${HISTORY_LENGTH} rescales, newest last, with trigger, user and note`, () => {
    const a = new Autoscaler(BASE, clock);
    const total = HISTORY_LENGTH + 5;
    for (let i = 1; i <= total; i++) {
      if (i % 2 === 0) {
        a.recordRescale({ from: i, to: i + 1, trigger: 'manual', user: `user-${i}`, note: `note ${i}` });
      } else {
        a.recordRescale({ from: i, to: i + 1, trigger: 'policy', reasons: ['cpu-high'] });
      }
      now += 60_000;
    }
    const history = a.state.history;
    expect(history).toHaveLength(HISTORY_LENGTH);
    expect(history.map((r) => r.from)).toEqual(Array.from({ length: HISTORY_LENGTH }, (_, i) => i + 6));
    for (let i = 1; i < history.length; i++) {
      expect((history[i]?.time as number) > (history[i - 1]?.time as number)).toBe(true);
    }
    expect(history.at(-1)).toEqual({
      time: START + (total - 1) * 60_000,
      from: total,
      to: total + 1,
      trigger: 'policy',
      reasons: ['cpu-high'],
    });
    expect(history.at(-2)).toEqual({
      time: START + (total - 2) * 60_000,
      from: total - 1,
      to: total,
      trigger: 'manual',
      reasons: [],
      user: `user-${total - 1}`,
      note: `note ${total - 1}`,
    });
    // the last rescale is the one that gates
    expect(a.state.rescale).toEqual({ time: START + (total - 1) * 60_000, from: total, to: total + 1 });
  });
});

describe('Autoscaler: maxParallelism', () => {
  it("uses the job's maxParallelism when the config has none", () => {
    const a = new Autoscaler(BASE, clock);
    feed(a, 120, () => ({ ...UP, maxParallelism: 20 }));
    const e = tick(a, { ...UP, maxParallelism: 20 });
    expect(e.config.maxParallelism).toBe(20);
    expect(e.decision?.reasons).toContain('limited-by-max-parallelism');
    expect(e.decision?.desiredWorkers).toBe(20);
    expect(e).toMatchObject({ gates: [], action: 'scale-up', targetWorkers: 20 });
    expect(DEFAULT_CONFIG.maxParallelism).toBeUndefined();
  });

  it('divides it by slotsPerWorker', () => {
    const a = new Autoscaler(resolveConfig({ slotsPerWorker: 4 }, BASE), clock);
    feed(a, 120, () => ({ ...UP, maxParallelism: 48 }));
    const e = tick(a, { ...UP, maxParallelism: 48 });
    expect(e.decision?.reasons).toContain('limited-by-max-parallelism');
    expect(e).toMatchObject({ action: 'scale-up', targetWorkers: 12 });
  });

  it("prefers the config's maxParallelism, and goes without when neither knows it", () => {
    const configured = new Autoscaler(resolveConfig({ maxParallelism: 300 }, BASE), clock);
    const unknown = new Autoscaler(BASE, clock);
    feedAll([configured, unknown], 120, () => UP);
    const [c, u] = [
      configured.observe(observation({ ...UP, maxParallelism: 20 })),
      unknown.observe(observation(UP)),
    ];
    expect(c.config.maxParallelism).toBe(300);
    expect(c).toMatchObject({ action: 'scale-up', targetWorkers: 35 });
    expect(u.config.maxParallelism).toBeUndefined();
    expect(u).toMatchObject({ action: 'scale-up', targetWorkers: 35 });
  });
});

describe('Autoscaler: a restart long after a rescale', () => {
  it('leaves the finished rescale alone: no new cooldown, no "incomplete" flag', () => {
    const a = new Autoscaler(resolveConfig(SHORT_WINDOW, BASE), clock);
    feed(a, 30, () => STEADY);
    a.recordRescale({ from: 8, to: 10, trigger: 'manual', user: 'ops' });
    const settledAt = now;
    feed(a, 30 * 60, () => STEADY);
    // an unrelated restart, and the job comes back one TaskManager short
    feed(a, 30, () => ({ ...STEADY, jobState: 'RESTARTING' }));
    const back = feed(a, 60, () => ({ ...UP, workers: 9 }));
    expect(a.state.rescale).toEqual({ time: settledAt, from: 8, to: 10, settledAt });
    expect(back.flatMap((e) => e.gates)).not.toContain('cooldown');
    expect(back.flatMap((e) => e.gates)).not.toContain('rescale-in-progress');
    expect(back.at(-1)).toMatchObject({ action: 'scale-up' });
  });

  it('starts the cooldown again after a restart during it', () => {
    const a = new Autoscaler(resolveConfig(SHORT_WINDOW, BASE), clock);
    feed(a, 30, () => STEADY);
    a.recordRescale({ from: 8, to: 10, trigger: 'manual', user: 'ops' });
    feed(a, 60, () => STEADY);
    feed(a, 30, () => ({ ...STEADY, jobState: 'RESTARTING' }));
    const again = now;
    feed(a, 15, () => UP);
    expect(a.state.rescale?.settledAt).toBe(again);
    const later = feed(a, 120, () => UP);
    expect(later.filter((e) => e.gates.includes('cooldown')).length).toBeGreaterThan(0);
  });
});
