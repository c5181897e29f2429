/**
 * The sidecar's control loop end to end, in virtual time: the Flink REST double runs the simulated job,
 * the Kubernetes API double holds the FlinkDeployment and plays the operator (a replica change restarts the
 * simulated job with that many TaskManagers), and the sidecar scales through the Kubernetes API.
 */
import { DEFAULT_CONFIG, type Evaluation } from '@flink-autoscaler/shared';
import { connectKube } from '../fixtures/kube-connect.js';
import { afterEach, describe, expect, it } from 'vitest';
import { FlinkCollector } from '../../sidecar/src/flink/collect.js';
import { FlinkHttp } from '../../sidecar/src/flink/http.js';
import { KubeClient } from '../../sidecar/src/kube/client.js';
import { ENABLED_LABEL, STATE_ANNOTATION } from '../../sidecar/src/kube/deployment.js';
import { Sidecar } from '../../sidecar/src/loop/sidecar.js';
import { SidecarMetrics } from '../../sidecar/src/metrics/exporter.js';
import { startFlinkDouble, type FlinkDouble } from '../doubles/flink/index.js';
import { sidecarRules } from '../fixtures/rbac.js';
import {
  flinkDeployment,
  serviceAccount,
  startKubeDouble,
  type Fault,
  type KubeDouble,
} from '../doubles/kube/index.js';

const NS = 'streaming';
const NAME = 'clickstream';
const SA = serviceAccount(NS, 'flink', 'sidecar-token');
const T0 = Date.UTC(2026, 0, 1);

let flink: FlinkDouble | undefined;
let kube: KubeDouble | undefined;
afterEach(async () => {
  await flink?.close();
  await kube?.close();
  flink = undefined;
  kube = undefined;
});

interface World {
  flink: FlinkDouble;
  kube: KubeDouble;
  /** Input rate the test can change. */
  load: { rate: number };
  newSidecar(): Promise<Sidecar>;
  /** Runs `seconds` of virtual time, a tick every 15 s; returns the evaluations. */
  run(sidecar: Sidecar, seconds: number): Promise<Evaluation[]>;
  replicas(): number | undefined;
}

async function world(options: {
  active: boolean;
  workers: number;
  rate: number;
  annotations?: Record<string, string>;
}): Promise<World> {
  const load = { rate: options.rate };
  flink = await startFlinkDouble({
    clusterId: NAME,
    jobShape: { initialWorkers: options.workers, capacityPerWorker: 1000, maxWorkers: 50 },
    slotsPerTaskManager: 1,
    input: () => load.rate,
    fetchIntervalSeconds: 0,
  });
  kube = await startKubeDouble({
    namespace: NS,
    users: [SA],
    rules: sidecarRules(NS, SA.username),
  });
  const f = flink;
  const k = kube;
  k.flinkDeployments.put(
    flinkDeployment({
      name: NAME,
      namespace: NS,
      replicas: options.workers,
      slotsPerTaskManager: 1,
      labels: options.active ? { [ENABLED_LABEL]: 'true' } : {},
      annotations: options.annotations ?? {},
    }),
  );
  k.flinkDeployments.reconcile(NS, NAME);
  // The operator: a new replica count restarts the job with that many TaskManagers, then reconciles.
  k.onReplicasChange((change) => {
    if (change.to !== undefined) f.setReplicas(change.to);
    queueMicrotask(() => k.flinkDeployments.reconcile(NS, NAME));
  });
  const connection = await connectKube(k.kubeconfig({ token: SA.token }, { namespace: NS }));
  const clock = () => T0 + f.time * 1000;
  const newSidecar = async () => {
    const kubeClient = new KubeClient(connection, { namespace: NS, name: NAME });
    const collector = new FlinkCollector(
      new FlinkHttp({ baseUrl: f.url, attempts: 1, timeoutMs: 1000 }),
      clock,
    );
    const sidecar = new Sidecar({
      collector,
      kube: kubeClient,
      metrics: new SidecarMetrics({ namespace: NS, flinkdeployment: NAME }),
      clock,
      log: () => undefined,
      baseConfig: { ...DEFAULT_CONFIG, maxWorkers: 50 },
    });
    await sidecar.start();
    return sidecar;
  };
  const run = async (sidecar: Sidecar, seconds: number) => {
    const out: Evaluation[] = [];
    for (let t = 0; t < seconds; t += 15) {
      f.advance(15);
      // the watch, in short: the sidecar sees the FlinkDeployment as it is now
      sidecar.updateDeployment(k.flinkDeployments.get(NS, NAME) as never);
      const e = await sidecar.tick();
      if (e) out.push(e);
    }
    return out;
  };
  const replicas = () => k.flinkDeployments.get(NS, NAME)?.spec.taskManager?.replicas;
  return { flink: f, kube: k, load, newSidecar, run, replicas };
}

describe('the sidecar end to end', () => {
  it('scales up through the Kubernetes API after a load step, and the job catches up', async () => {
    const w = await world({ active: true, workers: 10, rate: 8000 });
    const sidecar = await w.newSidecar();
    await w.run(sidecar, 300);
    expect(w.replicas()).toBe(10);
    w.load.rate = 16_000;
    await w.run(sidecar, 15 * 60);
    const replicas = w.replicas() ?? 0;
    expect(replicas).toBeGreaterThanOrEqual(17);
    expect(w.flink.job.active).toBe(replicas);
    expect(w.flink.job.backlog).toBeLessThan(16_000 * 10);
    const events = w.kube.events(NS).map((e) => e.reason);
    expect(events).toContain('ScaledUp');
    const saved = JSON.parse(
      w.kube.flinkDeployments.get(NS, NAME)?.metadata.annotations?.[STATE_ANNOTATION] ?? '{}',
    );
    expect(saved.history[0]).toMatchObject({
      from: 10,
      trigger: 'policy',
      reasons: expect.arrayContaining(['cpu-high']),
    });
    expect(saved.history[0].to).toBeGreaterThan(16);
  });

  it('scales down after the load falls', async () => {
    const w = await world({ active: true, workers: 20, rate: 16_000 });
    const sidecar = await w.newSidecar();
    await w.run(sidecar, 300);
    w.load.rate = 4000;
    await w.run(sidecar, 20 * 60);
    expect(w.replicas()).toBeLessThanOrEqual(8);
    expect(w.kube.events(NS).map((e) => e.reason)).toContain('ScaledDown');
  });

  it('changes nothing in advisor mode, but says what it would do', async () => {
    const w = await world({ active: false, workers: 10, rate: 16_000 });
    const sidecar = await w.newSidecar();
    const evaluations = await w.run(sidecar, 10 * 60);
    expect(evaluations.some((e) => e.action === 'scale-up')).toBe(true);
    expect(w.replicas()).toBe(10);
    expect(w.flink.job.active).toBe(10);
    const advice = w.kube.events(NS).filter((e) => e.reason === 'ScalingAdvised');
    expect(advice.length).toBeGreaterThan(0);
    expect(advice[0]?.message).toMatch(/would scale from 10 to \d+/);
  });

  it('a sidecar killed and restarted keeps the cooldown and does not scale twice', async () => {
    const w = await world({ active: true, workers: 10, rate: 8000 });
    const first = await w.newSidecar();
    await w.run(first, 300);
    w.load.rate = 16_000;
    let scaledAt: number | undefined;
    for (let i = 0; i < 80 && scaledAt === undefined; i++) {
      await w.run(first, 15);
      if (w.replicas() !== 10) scaledAt = w.flink.time;
    }
    expect(scaledAt).toBeDefined();
    const after = w.replicas();
    // kill: the first sidecar is gone; a new one starts from the FlinkDeployment's state annotation
    const second = await w.newSidecar();
    const evaluations = await w.run(second, 240);
    expect(w.replicas()).toBe(after);
    expect(evaluations.every((e) => e.action === 'none')).toBe(true);
    expect(evaluations.some((e) => e.gates.includes('cooldown') || e.gates.includes('window-not-full'))).toBe(
      true,
    );
    // and a fresh sidecar without the saved state would know no cooldown: the state is what keeps it
    expect(w.kube.flinkDeployments.get(NS, NAME)?.metadata.annotations?.[STATE_ANNOTATION]).toMatch(
      /"settledAt"/,
    );
  });

  it.each(['down', '500', 'garbage', 'empty', 'nan', 'restarting'] as const)(
    'Flink fault %s leaves the job unscaled',
    async (fault) => {
      const w = await world({ active: true, workers: 10, rate: 16_000 });
      const sidecar = await w.newSidecar();
      await w.flink.setFault(fault);
      const evaluations = await w.run(sidecar, 10 * 60);
      expect(w.replicas()).toBe(10);
      expect(evaluations.every((e) => e.action === 'none')).toBe(true);
    },
  );

  it.each<[Fault]>([
    [
      {
        kind: 'tooManyRequests',
        retryAfterSeconds: 1,
        times: Number.POSITIVE_INFINITY,
        match: { subresource: 'scale' },
      },
    ],
    [{ kind: 'internalError', times: Number.POSITIVE_INFINITY, match: { subresource: 'scale' } }],
    // the state annotation cannot be saved: the scale must not happen either
    [
      {
        kind: 'internalError',
        times: Number.POSITIVE_INFINITY,
        match: { verbs: ['patch'], subresource: '' },
      },
    ],
  ])('Kubernetes fault %j scales nothing and says so', async (fault) => {
    const w = await world({ active: true, workers: 10, rate: 16_000 });
    const sidecar = await w.newSidecar();
    w.kube.setFault(fault);
    await w.run(sidecar, 10 * 60);
    expect(w.replicas()).toBe(10);
    expect(w.flink.job.active).toBe(10);
    expect(await sidecar.metrics()).toMatch(/flink_autoscaler_errors_total\{stage="scale"/);
  });

  it('slow Kubernetes answers delay the scale but do not make it wrong', async () => {
    const w = await world({ active: true, workers: 10, rate: 16_000 });
    const sidecar = await w.newSidecar();
    w.kube.setFault({ kind: 'delay', ms: 300, times: Number.POSITIVE_INFINITY });
    await w.run(sidecar, 10 * 60);
    const replicas = w.replicas() ?? 0;
    expect(replicas).toBeGreaterThan(16);
    expect(w.flink.job.active).toBe(replicas);
  }, 60_000);

  it('a Kubernetes conflict on the scale leaves the other writer’s count and scales nothing', async () => {
    const w = await world({ active: true, workers: 10, rate: 16_000 });
    const sidecar = await w.newSidecar();
    w.kube.setFault({ kind: 'conflict', times: Number.POSITIVE_INFINITY, match: { subresource: 'scale' } });
    await w.run(sidecar, 10 * 60);
    expect(w.replicas()).toBe(10);
    expect(w.kube.events(NS).map((e) => e.reason)).toContain('ScalingFailed');
  });
});

describe('a manual scale through the sidecar’s API', () => {
  it('scales, holds the policy, and records who and why (Event, history, counter)', async () => {
    const w = await world({ active: true, workers: 10, rate: 3000 });
    const sidecar = await w.newSidecar();
    await w.run(sidecar, 150);
    const result = await sidecar.manualScale({
      replicas: 14,
      reason: 'incident 42',
      holdSeconds: 600,
      user: 'alice',
      dryRun: false,
    });
    expect(result).toMatchObject({ from: 10, to: 14, dryRun: false });
    expect(w.replicas()).toBe(14);
    const event = w.kube.events(NS).find((e) => e.reason === 'ScaledUp');
    expect(event?.message).toMatch(/from 10 to 14 TaskManagers by alice: incident 42/);
    const saved = JSON.parse(
      w.kube.flinkDeployments.get(NS, NAME)?.metadata.annotations?.[STATE_ANNOTATION] ?? '{}',
    );
    expect(saved.history.at(-1)).toMatchObject({
      from: 10,
      to: 14,
      trigger: 'manual',
      user: 'alice',
      note: 'incident 42',
    });
    expect(saved.hold).toMatchObject({ user: 'alice', note: 'incident 42' });
    expect(await sidecar.metrics()).toMatch(
      /flink_autoscaler_scalings_total\{direction="up",trigger="manual"/,
    );
    // the policy would scale this over-provisioned job down, but the hold keeps it for 600 s
    const held = await w.run(sidecar, 540);
    expect(held.some((e) => e.gates.includes('manual-hold'))).toBe(true);
    expect(w.replicas()).toBe(14);
  });

  it('refuses a count outside the bounds, and a second scale while the first is in progress', async () => {
    const w = await world({ active: true, workers: 10, rate: 3000 });
    const sidecar = await w.newSidecar();
    await w.run(sidecar, 60);
    await expect(
      sidecar.manualScale({ replicas: 51, reason: 'x', holdSeconds: 0, user: 'a', dryRun: false }),
    ).rejects.toMatchObject({
      status: 422,
    });
    await sidecar.manualScale({ replicas: 12, reason: 'x', holdSeconds: 0, user: 'a', dryRun: false });
    await expect(
      sidecar.manualScale({ replicas: 13, reason: 'y', holdSeconds: 0, user: 'a', dryRun: false }),
    ).rejects.toMatchObject({
      status: 409,
    });
    expect(w.replicas()).toBe(12);
  });

  it('a dry run changes nothing', async () => {
    const w = await world({ active: true, workers: 10, rate: 3000 });
    const sidecar = await w.newSidecar();
    await w.run(sidecar, 60);
    expect(
      await sidecar.manualScale({ replicas: 12, reason: 'x', holdSeconds: 60, user: 'a', dryRun: true }),
    ).toMatchObject({
      from: 10,
      to: 12,
      dryRun: true,
    });
    expect(w.replicas()).toBe(10);
    expect(w.kube.events(NS).filter((e) => e.reason === 'ScaledUp')).toHaveLength(0);
  });
});

describe('per-job policy annotations', () => {
  it('obeys a valid one, and reports a bad one with an Event while keeping the default', async () => {
    const w = await world({
      active: true,
      workers: 10,
      rate: 30_000,
      annotations: {
        'flink-autoscaler.io/max-workers': '14',
        'flink-autoscaler.io/scale-up-cpu': 'very high',
      },
    });
    const sidecar = await w.newSidecar();
    await w.run(sidecar, 10 * 60);
    expect(w.replicas()).toBe(14);
    const bad = w.kube.events(NS).filter((e) => e.reason === 'BadAnnotation');
    expect(bad).toHaveLength(1);
    expect(bad[0]?.message).toMatch(
      /flink-autoscaler.io\/scale-up-cpu: must be a number .* got "very high"; the default is kept/,
    );
    expect(sidecar.status()).toMatchObject({ thresholds: { scaleUp: { cpu: 0.9 }, bounds: { max: 14 } } });
  });
});
