/**
 * The chaos soak's judge on hand-made records: each rule finds the bad record it is about and nothing in a
 * clean run; the schedule is seeded and deals every kind; the time preload accelerates a process.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  doubleScales,
  judge,
  lostState,
  recoveries,
  requestFigures,
  summarizeRecoveries,
  wrongScales,
} from './judge.js';
import type { KubeRequestRecord, SavedState, SoakRecords, StateSnapshot, TruthSample } from './records.js';
import { CATALOGUE, schedule } from './schedule.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const S = 1000;
const MIN = 60 * S;
const T0 = 1_800_000_000_000;

/** A three-hour run of a steady job on 10 TaskManagers: trusted Flink answers every 15 s, truth every 5 s. */
function clean(): SoakRecords {
  const end = T0 + 180 * MIN;
  const truth: TruthSample[] = [];
  for (let at = T0; at <= end; at += 5 * S) {
    truth.push({
      at,
      status: 'RUNNING',
      active: 10,
      requested: 10,
      backlog: 1000,
      processed: 8000,
      input: 8000,
      cpu: 0.75,
    });
  }
  const flinkAnswers = [];
  for (let at = T0; at <= end; at += 15 * S) flinkAnswers.push({ at, fault: 'none' });
  return {
    seed: 1,
    timeScale: 60,
    sidecars: 2,
    start: T0,
    end,
    trace: 'test',
    policy: {
      minWorkers: 1,
      maxWorkers: 20,
      intervalSeconds: 15,
      windowSeconds: 120,
      cooldownSeconds: 300,
      manualHoldSeconds: 1200,
      scaleUpBacklogTimeSeconds: 120,
      scaleDownBacklogTimeSeconds: 10,
      scaleUpCpu: 0.9,
      scaleDownCpu: 0.7,
    },
    faults: [],
    replicaChanges: [],
    truth,
    states: [],
    kubeRequests: [],
    flinkAnswers,
    probes: [],
    observations: [],
    crashes: [],
    harnessErrors: [],
  };
}

function state(at: number, saved: Partial<SavedState>, replicas = 10): StateSnapshot {
  return { at, resourceVersion: String(at), replicas, paused: false, state: { history: [], ...saved } };
}

/** A scale by sidecar 0 from 10 to 12 at `at`, its write, and the state that records it. */
function withScale(records: SoakRecords, at: number, to = 12, from = 10): SoakRecords {
  records.replicaChanges.push({ at, from, to, by: 0, via: 'scale' });
  records.kubeRequests.push({
    at: at - 5,
    sidecar: 0,
    verb: 'patch',
    resource: 'flinkdeployments',
    subresource: 'scale',
    status: 200,
    replicas: to,
  });
  const history = [
    ...(records.states.at(-1)?.state?.history ?? []),
    { time: at - 100, from, to, trigger: 'policy' as const },
  ];
  records.states.push(state(at - 100, { rescale: { time: at - 100, from, to }, history }, from));
  records.states.push(state(at + 5 * S, { rescale: { time: at - 100, from, to }, history }, to));
  for (const t of records.truth) if (t.at > at && t.at < at + MIN) t.status = 'RESTARTING';
  for (const t of records.truth) if (t.at >= at + MIN) t.active = to;
  return records;
}

describe('wrongScales', () => {
  it('finds nothing wrong in a scale on trusted answers within the bounds', () => {
    expect(wrongScales(withScale(clean(), T0 + 60 * MIN))).toEqual([]);
  });

  it('calls a scale decided in a cycle Flink answered NaN in wrong (untrusted-tick)', () => {
    const records = withScale(clean(), T0 + 60 * MIN);
    records.flinkAnswers.push({ at: T0 + 60 * MIN - 4 * S, fault: 'nan' });
    expect(wrongScales(records).map((f) => f.rule)).toEqual(['untrusted-tick']);
  });

  it('judges a scale by the answers its own sidecar had, not the other one’s', () => {
    const records = withScale(clean(), T0 + 60 * MIN);
    records.flinkAnswers.push({ at: T0 + 60 * MIN - 4 * S, fault: 'restarting', sidecar: 1 });
    expect(wrongScales(records)).toEqual([]);
    records.flinkAnswers.push({ at: T0 + 60 * MIN - 3 * S, fault: 'restarting', sidecar: 0 });
    expect(wrongScales(records).map((f) => f.rule)).toEqual(['untrusted-tick', 'untrusted-window']);
    expect(judge(records).counts.wrongScales).toBe(1);
  });

  it('looks at the answers before the decision (the state write), not those between it and the scale', () => {
    const records = withScale(clean(), T0 + 60 * MIN);
    records.kubeRequests.push({
      at: T0 + 60 * MIN - 10 * S,
      sidecar: 0,
      verb: 'patch',
      resource: 'flinkdeployments',
      subresource: '',
      status: 200,
    });
    records.flinkAnswers.push({ at: T0 + 60 * MIN - 4 * S, fault: 'restarting', sidecar: 0 });
    expect(wrongScales(records)).toEqual([]);
    records.flinkAnswers.push({ at: T0 + 60 * MIN - 12 * S, fault: 'nan', sidecar: 0 });
    expect(wrongScales(records).map((f) => f.rule)).toEqual(['untrusted-tick']);
  });

  it('calls a scale whose window saw the job RESTARTING wrong (untrusted-window)', () => {
    const records = withScale(clean(), T0 + 60 * MIN);
    records.flinkAnswers.push({ at: T0 + 60 * MIN - 90 * S, fault: 'restarting' });
    expect(wrongScales(records).map((f) => f.rule)).toEqual(['untrusted-window']);
  });

  it('calls a scale outside the bounds wrong', () => {
    expect(wrongScales(withScale(clean(), T0 + 60 * MIN, 21)).map((f) => f.rule)).toEqual(['out-of-bounds']);
  });

  it('calls a scale during a person’s hold or a pause wrong, and one after the hold right', () => {
    const records = withScale(withScale(clean(), T0 + 60 * MIN), T0 + 120 * MIN, 14, 12);
    records.faults.push({
      kind: 'person:scale-with-hold',
      target: 'person',
      start: T0 + 50 * MIN,
      end: T0 + 50 * MIN,
      detail: { holdUntil: T0 + 70 * MIN },
    });
    records.faults.push({
      kind: 'person:pause',
      target: 'person',
      start: T0 + 110 * MIN,
      end: T0 + 125 * MIN,
    });
    expect(wrongScales(records).map((f) => [f.rule, f.at])).toEqual([
      ['during-hold', T0 + 60 * MIN],
      ['while-paused', T0 + 120 * MIN],
    ]);
  });

  it('calls a scale-down while the true backlog would take minutes to drain wrong (against-load)', () => {
    const records = withScale(clean(), T0 + 60 * MIN, 8);
    for (const t of records.truth) t.backlog = 8000 * 600;
    expect(wrongScales(records).map((f) => f.rule)).toEqual(['against-load']);
  });
});

describe('doubleScales', () => {
  it('finds a second write of the same count (the answer lost, the write repeated)', () => {
    const records = withScale(clean(), T0 + 60 * MIN);
    records.kubeRequests.push({
      at: T0 + 60 * MIN + 20 * S,
      sidecar: 1,
      verb: 'patch',
      resource: 'flinkdeployments',
      subresource: 'scale',
      status: 200,
      replicas: 12,
    });
    expect(doubleScales(records).map((f) => f.rule)).toEqual(['repeated-write']);
  });

  it('finds a rescale within the cooldown after the job ran at its new size, and none after it', () => {
    // settled one minute after the first scale (withScale): the second comes 2 min later, the third 10 min after
    const records = withScale(withScale(clean(), T0 + 60 * MIN), T0 + 63 * MIN, 14, 12);
    expect(doubleScales(records).map((f) => f.rule)).toEqual(['within-cooldown']);
    const later = withScale(withScale(clean(), T0 + 60 * MIN), T0 + 75 * MIN, 14, 12);
    expect(doubleScales(later)).toEqual([]);
  });

  it('ignores failed writes', () => {
    const records = withScale(clean(), T0 + 60 * MIN);
    records.kubeRequests.push({
      at: T0 + 70 * MIN,
      sidecar: 0,
      verb: 'patch',
      resource: 'flinkdeployments',
      subresource: 'scale',
      status: 422,
      replicas: 12,
    });
    expect(doubleScales(records)).toEqual([]);
  });
});

describe('lostState', () => {
  it('finds nothing lost when the history, the rescale and the hold stay', () => {
    expect(lostState(withScale(clean(), T0 + 60 * MIN))).toEqual([]);
  });

  it('finds a rescale that never reached the saved history', () => {
    const records = clean();
    records.replicaChanges.push({ at: T0 + 60 * MIN, from: 10, to: 12, by: 0, via: 'scale' });
    records.states.push(state(T0 + 61 * MIN, { history: [] }, 12));
    expect(lostState(records).map((f) => f.rule)).toEqual(['history-missing']);
  });

  it('finds a rescale that vanished from the history and a cooldown that went back', () => {
    const records = withScale(clean(), T0 + 60 * MIN);
    records.states.push(state(T0 + 62 * MIN, { history: [] }, 12));
    expect(lostState(records).map((f) => f.rule)).toEqual(['history-lost', 'cooldown-lost']);
  });

  it('finds a person’s hold that vanished before its end', () => {
    const records = clean();
    records.faults.push({
      kind: 'person:kubectl-scale',
      target: 'person',
      start: T0 + 30 * MIN,
      end: T0 + 30 * MIN,
      detail: { holdUntil: T0 + 50 * MIN },
    });
    const hold = { until: T0 + 50 * MIN + 3 * S, user: '', note: '' };
    records.states.push(state(T0 + 30 * MIN + 10 * S, { hold }));
    expect(lostState(records)).toEqual([]);
    records.states.push(state(T0 + 40 * MIN, {}));
    expect(lostState(records).map((f) => f.rule)).toEqual(['hold-lost']);
  });
});

describe('requestFigures', () => {
  it('counts a sidecar’s requests in steady minutes, without Events and scales, and the minute after a restart', () => {
    const records = clean();
    const request = (
      at: number,
      sidecar: number,
      resource = 'leases',
      subresource = '',
    ): KubeRequestRecord => ({
      at,
      sidecar,
      verb: 'update',
      resource,
      subresource,
      status: 200,
    });
    for (let at = T0; at < records.end; at += MIN) {
      records.kubeRequests.push(request(at + S, 0), request(at + 2 * S, 1), request(at + 3 * S, 0, 'events'));
    }
    records.faults.push({ kind: 'kube:restart', target: 'kube', start: T0 + 100 * MIN, end: T0 + 100 * MIN });
    for (let i = 0; i < 5; i++)
      records.kubeRequests.push(request(T0 + 100 * MIN + 10 * S + i, 1, 'flinkdeployments'));
    records.kubeRequests.push(request(T0 + 100 * MIN + 20 * S, 1, 'flinkdeployments', 'scale'));
    const figures = requestFigures(records);
    expect(figures.steadyPerSidecar).toEqual([1, 1]);
    expect(figures.steadyPerMinutePerSidecar).toBe(1);
    expect(figures.steadyMinutes).toBe(180 - 10 - 6);
    expect(figures.firstMinuteAfterRestart).toEqual([6]);
  });
});

describe('recoveries', () => {
  it('times a probe until every sidecar shows it, and a Flink fault until a sidecar decides again', () => {
    const records = clean();
    records.probes.push({ at: T0 + 10 * MIN, value: 60.001, fault: 'kube:restart' });
    const seen = (at: number, sidecar: number, probe: number, signals = true) =>
      records.observations.push({ at, sidecar, probe, signals, leader: sidecar === 0, lastCycleAt: at - S });
    seen(T0 + 10 * MIN + 5 * S, 0, 60.001);
    seen(T0 + 10 * MIN + 5 * S, 1, 60);
    seen(T0 + 10 * MIN + 30 * S, 1, 60.001);
    records.faults.push({ kind: 'flink:down', target: 'flink', start: T0 + 20 * MIN, end: T0 + 25 * MIN });
    records.faults.push({ kind: 'flink:empty', target: 'flink', start: T0 + 30 * MIN, end: T0 + 31 * MIN });
    records.faults.push({ kind: 'flink:nan', target: 'flink', start: T0 + 32 * MIN, end: T0 + 41 * MIN });
    seen(T0 + 25 * MIN + 60 * S, 0, 60.001, false);
    seen(T0 + 25 * MIN + 125 * S, 0, 60.001, true);
    expect(recoveries(records).map((r) => [r.kind, r.seconds])).toEqual([
      ['kube:restart', 30],
      ['flink:down', 125],
      ['flink:empty', undefined],
      ['flink:nan', undefined],
    ]);
    expect(summarizeRecoveries(recoveries(records))['flink:empty']).toMatchObject({
      unrecovered: 0,
      interrupted: 1,
    });
    expect(summarizeRecoveries(recoveries(records))['flink:nan']).toEqual({
      count: 1,
      medianSeconds: null,
      maxSeconds: null,
      unrecovered: 1,
      interrupted: 0,
    });
  });
});

describe('judge', () => {
  it('adds the findings up', () => {
    const records = withScale(clean(), T0 + 60 * MIN, 25);
    const verdict = judge(records);
    expect([verdict.wrong.length, verdict.double.length, verdict.lost.length]).toEqual([1, 0, 0]);
    expect(verdict.counts).toEqual({ wrongScales: 1, doubleScales: 0, lostState: 0 });
    expect(verdict.scales).toEqual({ bySidecars: 1, byPeople: 0 });
  });
});

describe('schedule', () => {
  const options = {
    seed: 7,
    seconds: 6 * 3600,
    warmupSeconds: 600,
    cooldownSeconds: 600,
    meanGapSeconds: { kube: 360, flink: 480, other: 2400 },
  };

  it('is the same for a seed and different for another', () => {
    expect(schedule(options)).toEqual(schedule(options));
    expect(schedule({ ...options, seed: 8 })).not.toEqual(schedule(options));
  });

  it('deals every kind of the catalogue in a six-hour run, one fault at a time per track, none in warm-up', () => {
    const planned = schedule(options);
    const kinds = new Set(planned.map((p) => p.kind));
    for (const track of Object.values(CATALOGUE))
      for (const kind of Object.keys(track)) expect(kinds).toContain(kind);
    for (const target of ['kube', 'flink']) {
      const track = planned.filter((p) => p.target === target);
      for (let i = 1; i < track.length; i++) {
        const before = track[i - 1] as (typeof track)[number];
        expect((track[i] as (typeof track)[number]).at).toBeGreaterThanOrEqual(
          before.at + before.seconds - 1,
        );
      }
    }
    expect(Math.min(...planned.map((p) => p.at))).toBeGreaterThanOrEqual(600);
    const quiet = schedule({ ...options, quiet: [9000, 12_600] });
    expect(quiet.filter((p) => p.at + p.seconds >= 9000 && p.at < 12_600)).toEqual([]);
    expect(quiet.some((p) => p.at >= 12_600)).toBe(true);
    expect(Math.max(...planned.map((p) => p.at))).toBeLessThan(6 * 3600 - 600);
  });
});

describe('accelerate.ts', () => {
  it('runs a process 50× faster (Date, timers), but not a timer set from a real-time call site', () => {
    const script = `
      const t0 = Date.now(); const r0 = process.hrtime.bigint();
      await new Promise((r) => setTimeout(r, 5000));
      const virtual = Date.now() - t0; const real = Number(process.hrtime.bigint() - r0) / 1e6;
      class KubeConnection { attempt() { return new Promise((r) => setTimeout(r, 300)); } }
      const r1 = process.hrtime.bigint(); await new KubeConnection().attempt();
      console.log(JSON.stringify({ virtual, real, kept: Number(process.hrtime.bigint() - r1) / 1e6 }));`;
    const run = spawnSync(
      process.execPath,
      ['--import', join(root, 'test/chaos/accelerate.ts'), '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
        env: { ...process.env, CHAOS_TIME_SCALE: '50', CHAOS_TIME_ORIGIN: String(Date.now()) },
      },
    );
    expect(run.stderr).toBe('');
    const { virtual, real, kept } = JSON.parse(run.stdout) as { virtual: number; real: number; kept: number };
    expect(virtual).toBeGreaterThanOrEqual(4900);
    expect(real).toBeLessThan(1000);
    expect(kept).toBeGreaterThanOrEqual(290);
  });
});
