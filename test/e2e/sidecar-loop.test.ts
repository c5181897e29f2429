/**
 * The sidecar's control loop end to end, in virtual time: the Flink REST double runs the simulated job,
 * the Kubernetes API double holds the FlinkDeployment and plays the operator (a replica change restarts the
 * simulated job with that many TaskManagers), and the sidecar scales through the Kubernetes API. Manual
 * scaling reaches it only through the FlinkDeployment (real kubectl, or the gateway's merge patch).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG, type Evaluation, type PolicyConfig } from '@flink-autoscaler/shared';
import { connectKube } from '../fixtures/kube-connect.js';
import { afterEach, describe, expect, it } from 'vitest';
import { FlinkCollector } from '../../sidecar/src/flink/collect.js';
import { FlinkHttp, type FlinkHttpOptions } from '../../sidecar/src/flink/http.js';
import { KubeClient, KubeError } from '../../sidecar/src/kube/client.js';
import type { KubeConnection } from '../../sidecar/src/kube/connection.js';
import { ENABLED_LABEL, STATE_ANNOTATION } from '../../sidecar/src/kube/deployment.js';
import { HOLD_ANNOTATION, PAUSED_ANNOTATION, serializeHold } from '../../sidecar/src/kube/manual-hold.js';
import { Sidecar, type SidecarDeps } from '../../sidecar/src/loop/sidecar.js';
import { SidecarMetrics } from '../../sidecar/src/metrics/exporter.js';
import { LeaderElector, leaseNameFor } from '../../sidecar/src/kube/lease.js';
import { until } from '../fixtures/wait.js';
import { startFlakyProxy, type FlakyProxy } from '../fixtures/flaky-proxy.js';
import { startFlinkDouble, type FlinkDouble, type FlinkDoubleOptions } from '../doubles/flink/index.js';
import { sidecarRules } from '../fixtures/rbac.js';
import {
  flinkDeployment,
  runKubectl,
  serviceAccount,
  startKubeDouble,
  type Fault,
  type KubeDouble,
} from '../doubles/kube/index.js';

const NS = 'streaming';
const NAME = 'clickstream';
const SA = serviceAccount(NS, 'flink', 'sidecar-token');
/** A person allowed to scale (kubectl scale) and to annotate the FlinkDeployment. */
const ALICE = { token: 'alice-token', username: 'alice' };
const T0 = Date.UTC(2026, 0, 1);

interface Logged {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
  /** Virtual time of the line, ms. */
  at: number;
}
const logTo =
  (logs: Logged[], clock: () => number): SidecarDeps['log'] =>
  (level, msg, fields = {}) =>
    logs.push({ level, msg, fields, at: clock() });

let flink: FlinkDouble | undefined;
let kube: KubeDouble | undefined;
let proxy: FlakyProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await flink?.close();
  await kube?.close();
  proxy = undefined;
  flink = undefined;
  kube = undefined;
});

interface SidecarOptions {
  /** Wraps the sidecar's Kubernetes client (to lose answers, count calls). */
  kube?: (real: KubeClient) => SidecarDeps['kube'];
  leadership?: SidecarDeps['leadership'];
  identity?: string;
  config?: Partial<PolicyConfig>;
  /** Where the sidecar asks Flink (a proxy in front of the double); default the double itself. */
  flinkUrl?: string;
  /** The Flink client's options; default one attempt. */
  http?: Partial<FlinkHttpOptions>;
  log?: SidecarDeps['log'];
  /** The sidecar's Prometheus metrics; default a fresh set nobody reads. */
  metrics?: SidecarMetrics;
}

interface World {
  flink: FlinkDouble;
  kube: KubeDouble;
  connection: KubeConnection;
  /** Input rate the test can change. */
  load: { rate: number };
  clock: () => number;
  newSidecar(options?: SidecarOptions): Promise<Sidecar>;
  /** Runs `seconds` of virtual time, a tick every 15 s; returns the evaluations (of the first sidecar). */
  run(sidecar: Sidecar | Sidecar[], seconds: number, options?: { watch?: boolean }): Promise<Evaluation[]>;
  replicas(): number | undefined;
  /** The saved autoscaler state. */
  saved(): { history: Record<string, unknown>[]; hold?: Record<string, unknown>; rescale?: unknown };
  /** Real kubectl as alice. */
  kubectl(...args: string[]): Promise<string>;
}

async function world(options: {
  active: boolean;
  workers: number;
  rate: number;
  annotations?: Record<string, string>;
  /** More options of the Flink double (its backlog metrics, splits). */
  flink?: Partial<FlinkDoubleOptions>;
}): Promise<World> {
  const load = { rate: options.rate };
  flink = await startFlinkDouble({
    clusterId: NAME,
    jobShape: { initialWorkers: options.workers, capacityPerWorker: 1000, maxWorkers: 50 },
    slotsPerTaskManager: 1,
    input: () => load.rate,
    fetchIntervalSeconds: 0,
    ...options.flink,
  });
  kube = await startKubeDouble({
    namespace: NS,
    users: [SA, ALICE],
    rules: [
      ...sidecarRules(NS, SA.username),
      {
        name: 'alice',
        users: [ALICE.username],
        verbs: ['get', 'list', 'patch', 'update'],
        apiGroups: ['flink.apache.org'],
        resources: ['flinkdeployments', 'flinkdeployments/scale'],
        namespaces: [NS],
      },
    ],
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
  const newSidecar = async (o: SidecarOptions = {}) => {
    const real = new KubeClient(connection, { namespace: NS, name: NAME });
    const collector = new FlinkCollector(
      new FlinkHttp({ baseUrl: o.flinkUrl ?? f.url, attempts: 1, timeoutMs: 1000, ...o.http }),
      clock,
    );
    const sidecar = new Sidecar({
      collector,
      kube: o.kube ? o.kube(real) : real,
      metrics: o.metrics ?? new SidecarMetrics({ namespace: NS, flinkdeployment: NAME }),
      clock,
      log: o.log ?? (() => undefined),
      baseConfig: { ...DEFAULT_CONFIG, maxWorkers: 50, ...o.config },
      ...(o.leadership ? { leadership: o.leadership } : {}),
      ...(o.identity ? { identity: o.identity } : {}),
    });
    await sidecar.start();
    return sidecar;
  };
  const run = async (sidecars: Sidecar | Sidecar[], seconds: number, options: { watch?: boolean } = {}) => {
    const all = Array.isArray(sidecars) ? sidecars : [sidecars];
    const out: Evaluation[] = [];
    for (let t = 0; t < seconds; t += 15) {
      f.advance(15);
      for (const [i, sidecar] of all.entries()) {
        // the watch, in short: the sidecar sees the FlinkDeployment as it is now
        if (options.watch !== false) sidecar.updateDeployment(k.flinkDeployments.get(NS, NAME) as never);
        const e = await sidecar.tick();
        if (e && i === 0) out.push(e);
      }
    }
    return out;
  };
  const replicas = () => k.flinkDeployments.get(NS, NAME)?.spec.taskManager?.replicas;
  const saved = () =>
    JSON.parse(
      k.flinkDeployments.get(NS, NAME)?.metadata.annotations?.[STATE_ANNOTATION] ?? '{}',
    ) as ReturnType<World['saved']>;
  const aliceConfig = k.kubeconfig({ token: ALICE.token }, { namespace: NS });
  const home = mkdtempSync(join(tmpdir(), 'fa-kubectl-'));
  const kubectl = async (...args: string[]) => {
    const result = await runKubectl(aliceConfig, args, { home });
    if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  return { flink: f, kube: k, connection, load, clock, newSidecar, run, replicas, saved, kubectl };
}

describe('the sidecar end to end', () => {
  it('reports the workers the job runs, not the count it wants, in a cycle whose sample was dropped', async () => {
    // Advisor: 6,000 records/s on 4 workers of 1,000 wants a scale-up. A cycle in which Flink's metrics have not
    // moved (the double's clock stands still) drops its sample as stale; the evaluation rests on the window.
    const w = await world({ active: false, workers: 4, rate: 6000 });
    const metrics = new SidecarMetrics({ namespace: NS, flinkdeployment: NAME });
    const logs: Logged[] = [];
    const sidecar = await w.newSidecar({ metrics, log: logTo(logs, w.clock) });
    const evaluations = await w.run(sidecar, 240);
    const wants = evaluations.at(-1);
    expect(wants).toMatchObject({ decision: { action: 'scale-up' } });
    expect(wants?.decision?.desiredWorkers).toBeGreaterThan(4);
    const workers = async () =>
      /^flink_autoscaler_workers\{[^}]*\} (\d+)$/m.exec(await metrics.registry.metrics())?.[1];
    expect(await workers()).toBe('4');
    // the same virtual second again: nothing in Flink moved
    const dropped = await sidecar.tick();
    expect(logs.some((l) => l.msg === 'sample dropped' && l.fields['reason'] === 'stale')).toBe(true);
    expect(dropped?.decision?.desiredWorkers).toBeGreaterThan(4);
    expect(await workers()).toBe('4');
    // and the decision log says the same
    const decisions = logs.filter((l) => l.msg === 'decision');
    expect(decisions.length).toBeGreaterThan(0);
    expect(decisions.map((l) => l.fields['workers'])).toEqual(decisions.map(() => 4));
  });

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
    // its own rescale is not taken for a manual one
    expect(events).not.toContain('ManualScaleDetected');
    expect(saved.history.every((h: { trigger: string }) => h.trigger === 'policy')).toBe(true);
    expect(saved.hold).toBeUndefined();
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

  it('changes nothing in advisor mode, but says what it would do: one Event, a log line per change and heartbeat', async () => {
    const w = await world({ active: false, workers: 10, rate: 16_000 });
    const logs: Logged[] = [];
    const sidecar = await w.newSidecar({ log: logTo(logs, w.clock) });
    const evaluations = await w.run(sidecar, 20 * 60);
    // the target moves with the backlog from tick to tick (one Event per distinct target before)
    const targets = new Set(evaluations.filter((e) => e.action === 'scale-up').map((e) => e.targetWorkers));
    expect(targets.size).toBeGreaterThan(1);
    expect(w.replicas()).toBe(10);
    expect(w.flink.job.active).toBe(10);
    const advice = w.kube.events(NS).filter((e) => e.reason === 'ScalingAdvised');
    expect(advice).toHaveLength(1);
    expect(advice[0]?.message).toMatch(
      /would scale up from 10 to \d+ TaskManagers \(cpu-high.*\); advisor mode/,
    );
    // logged as often as an active sidecar logs its decisions: when they change, and a heartbeat every 300 s
    const decisions = logs.filter((l) => l.msg === 'decision');
    expect(decisions.length).toBeLessThan(evaluations.length / 4);
    const said = (l: Logged) => JSON.stringify([l.fields['action'], l.fields['reasons'], l.fields['gates']]);
    for (const [i, line] of decisions.entries()) {
      const before = decisions[i - 1];
      if (!before) continue;
      if (line.fields['heartbeat'] === true) {
        expect(said(line)).toBe(said(before));
        expect(line.at - before.at).toBeGreaterThanOrEqual(300_000);
      } else {
        expect(said(line)).not.toBe(said(before));
      }
    }
    const advised = decisions.filter((l) => l.fields['action'] === 'scale-up');
    expect(advised[0]).toMatchObject({
      level: 'info',
      fields: { mode: 'advisor', advising: true, workers: 10, reasons: expect.arrayContaining(['cpu-high']) },
    });
    expect(advised[0]?.fields['signals']).toMatchObject({
      cpu: expect.any(Number),
      backlog: expect.any(Number),
    });
    expect(advised.some((l) => l.fields['heartbeat'] === true)).toBe(true);
    expect(logs.filter((l) => l.msg === 'advice')).toEqual([]);
  });

  it('an acting sidecar logs its decisions as an advising one does: on change with reasons and signals, and a heartbeat', async () => {
    const w = await world({ active: true, workers: 10, rate: 8000 });
    const logs: Logged[] = [];
    const sidecar = await w.newSidecar({ log: logTo(logs, w.clock) });
    const quiet = await w.run(sidecar, 10 * 60);
    w.load.rate = 16_000;
    const busy = await w.run(sidecar, 5 * 60);
    expect(w.replicas()).toBeGreaterThan(10);
    const decisions = logs.filter((l) => l.msg === 'decision');
    expect(decisions.length).toBeLessThan((quiet.length + busy.length) / 4);
    // the steady first 10 minutes: the window filling, then within the bands, then heartbeats
    const steady = decisions.filter((l) => l.at < T0 + 600_000);
    expect(
      steady.map((l) => [l.fields['action'], l.fields['reasons'], l.fields['heartbeat'] ?? false]),
    ).toEqual([
      ['none', [], false],
      ['none', ['within-bands'], false],
      ['none', ['within-bands'], true],
    ]);
    const scaled = decisions.find((l) => l.fields['action'] === 'scale-up');
    expect(scaled).toMatchObject({
      level: 'info',
      fields: { mode: 'active', advising: false, workers: 10, reasons: expect.arrayContaining(['cpu-high']) },
    });
    expect(scaled?.fields['targetWorkers']).toBe(w.saved().history[0]?.['to']);
    expect(logs.some((l) => l.msg === 'scaled')).toBe(true);
  });

  it('shows a per-split source’s splits and the estimated share of its backlog in status and metrics', async () => {
    // Beam's KafkaIO: 8 splits over 4 subtasks, split 3 reporting -1 (unknown): 1 in 8 estimated
    const w = await world({
      active: true,
      workers: 4,
      rate: 3000,
      flink: { backlog: 'beam-splits', splits: 8, unknownSplits: [3] },
    });
    const sidecar = await w.newSidecar();
    await w.run(sidecar, 60);
    const status = JSON.parse(JSON.stringify(sidecar.status())) as { sources: Record<string, unknown>[] };
    expect(status.sources).toHaveLength(1);
    const source = status.sources[0] as { id: string };
    expect(source).toMatchObject({
      unit: 'records',
      splits: { found: 8, expected: 8, unknown: 1 },
      estimatedShare: 0.125,
      dropped: null,
    });
    const metrics = await sidecar.metrics();
    // the source is its vertex id (hex): nothing to escape in a pattern
    expect(source.id).toMatch(/^[0-9a-f]{32}$/);
    const labels = (more: string) =>
      `\\{source="${source.id}"${more},namespace="${NS}",flinkdeployment="${NAME}"\\}`;
    for (const [kind, value] of [
      ['found', 8],
      ['expected', 8],
      ['unknown', 1],
    ] as const) {
      expect(metrics).toMatch(
        new RegExp(`\\nflink_autoscaler_source_splits${labels(`,kind="${kind}"`)} ${value}\\n`),
      );
    }
    expect(metrics).toMatch(new RegExp(`\\nflink_autoscaler_backlog_estimated_share${labels('')} 0.125\\n`));
  });

  it('writes nothing to a FlinkDeployment it does not manage (advisor mode), a kubectl scale included', async () => {
    const w = await world({ active: false, workers: 10, rate: 3000 });
    const sidecar = await w.newSidecar();
    await w.run(sidecar, 5 * 60);
    await w.kubectl('scale', 'flinkdeployment', NAME, '--replicas=12');
    await w.run(sidecar, 5 * 60);
    const writes = w.kube
      .requests()
      .filter((r) => r.user === SA.username && r.resource === 'flinkdeployments' && r.verb !== 'get')
      .filter((r) => !['list', 'watch'].includes(r.verb));
    expect(writes).toEqual([]);
    expect(w.kube.flinkDeployments.get(NS, NAME)?.metadata.annotations?.[STATE_ANNOTATION]).toBeUndefined();
    // what it saw is still known to it (status), only not written
    expect(sidecar.status()).toMatchObject({ lastScalings: [{ from: 10, to: 12, trigger: 'manual' }] });
  });

  it('advises again only when the advised direction changes', async () => {
    const w = await world({ active: false, workers: 10, rate: 16_000 });
    const sidecar = await w.newSidecar({
      config: { scaleDown: { ...DEFAULT_CONFIG.scaleDown, stabilizationSeconds: 60 } },
    });
    await w.run(sidecar, 10 * 60);
    // the backlog drains at a lower load on the same 10 workers, then the job is too big for it
    w.load.rate = 2000;
    await w.run(sidecar, 30 * 60);
    const advice = w.kube.events(NS).filter((e) => e.reason === 'ScalingAdvised');
    const words = advice.map((e) => /would scale (up|down)|no longer advises/.exec(e.message ?? '')?.[0]);
    expect(words[0]).toBe('would scale up');
    expect(words.at(-1)).toBe('would scale down');
    expect(words.length).toBeLessThanOrEqual(3);
    for (let i = 1; i < words.length; i++) expect(words[i]).not.toBe(words[i - 1]);
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

  it('at 30 % failed Flink requests it still decides and scales: a failure is data missing, not a stopped job', async () => {
    const w = await world({ active: true, workers: 10, rate: 16_000 });
    proxy = await startFlakyProxy(w.flink.url, { rate: 0.3, seed: 7 });
    // the client as the sidecar runs it (retries with their backoff), only the backoff short for the test
    const sidecar = await w.newSidecar({ flinkUrl: proxy.url, http: { attempts: 3, backoffMs: 2 } });
    // Which cycles lose every attempt of a request depends on how many requests a cycle makes: run until one
    // has (the old build took it for a stopped job) and the job has scaled, within 30 minutes.
    const evaluations = await w.run(sidecar, 6 * 60);
    for (let minute = 6; minute < 30; minute++) {
      const missed = evaluations.some((e) => e.gates.includes('data-missing'));
      if (missed && evaluations.some((e) => e.action === 'scale-up')) break;
      evaluations.push(...(await w.run(sidecar, 60)));
    }
    const failed = proxy.counts.failed / proxy.counts.requests;
    expect(failed).toBeGreaterThan(0.25);
    expect(failed).toBeLessThan(0.35);
    const scaledAt = evaluations.findIndex((e) => e.action === 'scale-up');
    expect(scaledAt).toBeGreaterThan(0);
    // until the scale-up restarts it the job runs all along: never taken for stopped, and the window once
    // full is never emptied by a failure
    const before = evaluations.slice(0, scaledAt + 1);
    expect(before.flatMap((e) => e.gates)).not.toContain('job-not-running');
    const firstFull = before.findIndex((e) => e.signals !== undefined);
    expect(firstFull).toBeGreaterThan(0);
    expect(firstFull).toBeLessThanOrEqual(9);
    expect(before.slice(firstFull).flatMap((e) => e.gates)).not.toContain('window-not-full');
    // the failures did hit whole cycles, and were said to be data missing
    expect(evaluations.flatMap((e) => e.gates)).toContain('data-missing');
    expect(w.replicas()).toBeGreaterThan(10);
    expect(w.kube.events(NS).map((e) => e.reason)).toContain('ScaledUp');
  });

  it('a cycle Flink does not answer at all is gated data-missing and keeps the window', async () => {
    const w = await world({ active: true, workers: 10, rate: 16_000 });
    proxy = await startFlakyProxy(w.flink.url, { rate: 0, seed: 1 });
    const sidecar = await w.newSidecar({ flinkUrl: proxy.url, config: { cooldownSeconds: 3600 } });
    // a steady load the policy leaves alone, the window filled
    w.load.rate = 8000;
    await w.run(sidecar, 150);
    proxy.setRate(1);
    const silent = await w.run(sidecar, 30);
    expect(silent.map((e) => e.gates)).toEqual([['data-missing'], ['data-missing']]);
    expect(JSON.parse(JSON.stringify(sidecar.status()))).toMatchObject({
      jobState: null,
      gates: ['data-missing'],
    });
    proxy.setRate(0);
    const [back] = await w.run(sidecar, 15);
    // the window kept: signals at once, from the samples before the silence and this one
    expect(back?.gates).toEqual([]);
    expect(back?.signals?.source.samples).toBeGreaterThanOrEqual(6);
  });

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
    // armed after the first state write and before the window is full: the first write it meets is the rescale's
    await w.run(sidecar, 60);
    w.kube.setFault(fault);
    await w.run(sidecar, 9 * 60);
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

/**
 * Each recorded rescale has its one Event, none twice: ScaledUp for each rescale up in the history and
 * ScaledDown for each down (with the default profile, S settles the catch-up workers of a scale-up away once
 * the backlog has drained: the history then holds that scale-down too).
 */
function expectOneEventPerRescale(reasons: (string | undefined)[], history: Record<string, unknown>[]): void {
  const ups = history.filter((h) => Number(h['to']) > Number(h['from'])).length;
  expect(ups).toBeGreaterThan(0);
  expect(reasons.filter((r) => r === 'ScaledUp')).toHaveLength(ups);
  expect(reasons.filter((r) => r === 'ScaledDown')).toHaveLength(history.length - ups);
}

/** Unix ms as RFC 3339. */
const iso = (ms: number) => new Date(ms).toISOString();

/** The scale PATCH is committed, but its answer is lost (a timeout after the request was sent). */
function loseScaleAnswer(real: KubeClient): SidecarDeps['kube'] {
  return {
    get: () => real.get(),
    saveState: (text, version) => real.saveState(text, version),
    event: (...args) => real.event(...args),
    scale: async (from, to) => {
      await real.scale(from, to);
      throw new KubeError('timeout', `scale flinkdeployment ${NAME}: no answer in time`, undefined, {
        mayHaveHappened: true,
      });
    },
  };
}

describe('writes whose answer was lost', () => {
  it('a scale committed without an answer is read back: the rescale, its record and its cooldown are kept', async () => {
    const w = await world({ active: true, workers: 10, rate: 16_000 });
    const sidecar = await w.newSidecar({ kube: loseScaleAnswer });
    await w.run(sidecar, 10 * 60);
    const replicas = w.replicas() ?? 0;
    expect(replicas).toBeGreaterThan(16);
    expect(w.flink.job.active).toBe(replicas);
    const saved = w.saved();
    expect(saved.history[0]).toMatchObject({ from: 10, trigger: 'policy' });
    expect(saved.rescale).toMatchObject({ to: replicas, settledAt: expect.any(Number) });
    const reasons = w.kube.events(NS).map((e) => e.reason);
    expect(reasons).not.toContain('ScalingFailed');
    expectOneEventPerRescale(reasons, saved.history);
    expect(await sidecar.metrics()).toMatch(
      /flink_autoscaler_scalings_total\{direction="up",trigger="policy"[^}]*\} /,
    );
    // the recent scalings name the policy and its reasons, with the time of the scale as the value (the last
    // may be S's settle after the catch-up: a scale-down)
    const last = saved.history.at(-1) as { from: number; to: number; reasons: string[]; time: number };
    const direction = last.to > last.from ? 'up' : 'down';
    const series =
      `flink_autoscaler_recent_scaling_timestamp_seconds{direction="${direction}",trigger="policy",by="flink-autoscaler",` +
      `from="${last.from}",to="${last.to}",reasons="${last.reasons.join(',')}",namespace="${NS}",flinkdeployment="${NAME}"} `;
    const line = (await sidecar.metrics()).split('\n').find((l) => l.startsWith(series));
    expect(line, series).toBeDefined();
    expect(Number(line?.slice(series.length)) * 1000 - last.time).toBeGreaterThanOrEqual(0);
    expect(Number(line?.slice(series.length)) * 1000 - last.time).toBeLessThan(15_000);
  });
});

describe('answers the Kubernetes double loses', () => {
  it.each<[string, Fault]>([
    ['the scale, connection reset', { kind: 'loseAnswer', match: { subresource: 'scale' } }],
    ['the scale, 504', { kind: 'loseAnswer', how: 'gatewayTimeout', match: { subresource: 'scale' } }],
    [
      'the state written before the scale, 504',
      { kind: 'loseAnswer', how: 'gatewayTimeout', match: { verbs: ['patch'], subresource: '' } },
    ],
  ])('%s: read back, the rescale and its record are kept', async (_what, fault) => {
    const w = await world({ active: true, workers: 10, rate: 16_000 });
    const sidecar = await w.newSidecar();
    // armed after the first state write and before the window is full: the first write it meets is the rescale's
    await w.run(sidecar, 60);
    w.kube.setFault(fault);
    await w.run(sidecar, 9 * 60);
    const replicas = w.replicas() ?? 0;
    expect(replicas).toBeGreaterThan(16);
    const saved = w.saved();
    expect(saved.history[0]).toMatchObject({ from: 10, trigger: 'policy' });
    expect(saved.rescale).toMatchObject({ to: replicas, settledAt: expect.any(Number) });
    const reasons = w.kube.events(NS).map((e) => e.reason);
    expect(reasons).not.toContain('ScalingFailed');
    expectOneEventPerRescale(reasons, saved.history);
  });
});

describe('state written with a precondition', () => {
  it('a state write on an old version conflicts: the state another writer saved is adopted, not overwritten', async () => {
    const w = await world({ active: true, workers: 10, rate: 16_000 });
    const sidecar = await w.newSidecar();
    for (let i = 0; i < 60 && w.replicas() === 10; i++) await w.run(sidecar, 15);
    expect(w.replicas()).not.toBe(10);
    // another writer (a sidecar that led before) saves its state; this sidecar's watch has not shown it yet
    const other = {
      version: 1,
      history: [{ time: w.clock(), from: 8, to: 10, trigger: 'manual', reasons: ['manual'], user: 'bob' }],
      hold: { until: w.clock() + 3600_000, user: 'bob', note: 'other writer' },
    };
    await w.kubectl(
      'annotate',
      'flinkdeployment',
      NAME,
      `${STATE_ANNOTATION}=${JSON.stringify(other)}`,
      '--overwrite',
    );
    // the rescale settles and the sidecar saves that, on the version it knows: 409, re-read, adopted
    await w.run(sidecar, 120, { watch: false });
    expect(w.saved()).toEqual(other);
    expect(sidecar.status()).toMatchObject({ hold: { by: 'bob', reason: 'other writer' } });
  });

  it('the state another writer saved, seen through the watch, is adopted', async () => {
    const w = await world({ active: true, workers: 10, rate: 3000 });
    const sidecar = await w.newSidecar();
    await w.run(sidecar, 60);
    const other = {
      version: 1,
      history: [],
      hold: { until: w.clock() + 3600_000, user: 'bob', note: 'watch' },
    };
    await w.kubectl(
      'annotate',
      'flinkdeployment',
      NAME,
      `${STATE_ANNOTATION}=${JSON.stringify(other)}`,
      '--overwrite',
    );
    const evaluations = await w.run(sidecar, 10 * 60);
    expect(w.replicas()).toBe(10);
    expect(evaluations.some((e) => e.gates.includes('manual-hold'))).toBe(true);
    expect(w.saved()).toEqual(other);
  });
});

describe('manual scaling through the FlinkDeployment', () => {
  it('kubectl scale by a person is honoured: the policy holds for manualHoldSeconds, recorded as manual', async () => {
    const w = await world({ active: true, workers: 10, rate: 3000 });
    const sidecar = await w.newSidecar({ config: { manualHoldSeconds: 900 } });
    await w.run(sidecar, 60);
    const scaledAt = w.clock();
    await w.kubectl('scale', 'flinkdeployment', NAME, '--replicas=14');
    // the over-provisioned job would be scaled down, but the hold keeps it for 900 s
    const held = await w.run(sidecar, 840);
    expect(w.replicas()).toBe(14);
    expect(held.some((e) => e.gates.includes('manual-hold'))).toBe(true);
    const saved = w.saved();
    expect(saved.history.at(-1)).toMatchObject({ from: 10, to: 14, trigger: 'manual', reasons: ['manual'] });
    expect(saved.history.at(-1)).not.toHaveProperty('user');
    // held from when the sidecar saw the change (its next look at the FlinkDeployment, within a tick)
    const until = (saved.hold?.['until'] as number) - scaledAt;
    expect(until).toBeGreaterThanOrEqual(900_000);
    expect(until).toBeLessThanOrEqual(915_000);
    const detected = w.kube.events(NS).filter((e) => e.reason === 'ManualScaleDetected');
    expect(detected).toHaveLength(1);
    expect(detected[0]?.message).toMatch(
      /from 10 to 14 TaskManagers by someone .*kubectl scale.*holds until/,
    );
    expect(sidecar.status()).toMatchObject({ hold: { until: iso(scaledAt + until), by: null } });
    expect(await sidecar.metrics()).toMatch(
      /flink_autoscaler_scalings_total\{direction="up",trigger="manual"/,
    );
    // nobody is named: the recent scaling says so rather than guess
    expect(await sidecar.metrics()).toMatch(
      /flink_autoscaler_recent_scaling_timestamp_seconds\{direction="up",trigger="manual",by="unknown",from="10",to="14",reasons="manual"/,
    );
    // after the hold the policy acts again
    await w.run(sidecar, 20 * 60);
    expect(w.replicas()).toBeLessThan(14);
  });

  it('a kubectl scale while no sidecar watched is seen by the next one at its start', async () => {
    const w = await world({ active: true, workers: 10, rate: 16_000 });
    const first = await w.newSidecar();
    for (let i = 0; i < 60 && w.replicas() === 10; i++) await w.run(first, 15);
    await w.run(first, 120);
    const scaled = w.replicas() ?? 0;
    expect(scaled).toBeGreaterThan(10);
    // the sidecar is gone (its pod restarts); a person scales meanwhile
    await w.kubectl('scale', 'flinkdeployment', NAME, `--replicas=${scaled + 3}`);
    const second = await w.newSidecar({ config: { manualHoldSeconds: 900 } });
    await w.run(second, 300);
    expect(w.replicas()).toBe(scaled + 3);
    expect(w.saved().history.at(-1)).toMatchObject({ from: scaled, to: scaled + 3, trigger: 'manual' });
    expect(w.kube.events(NS).filter((e) => e.reason === 'ManualScaleDetected')).toHaveLength(1);
  });

  it('a hold annotation written with the count records its person and reason, and holds until its end', async () => {
    const w = await world({ active: true, workers: 10, rate: 3000 });
    const sidecar = await w.newSidecar();
    await w.run(sidecar, 60);
    const now = w.clock();
    const hold = {
      replicas: 12,
      from: 10,
      by: 'grafana:alice',
      reason: 'incident 7',
      at: iso(now),
      until: iso(now + 1800_000),
    };
    // as the gateway writes it: the count and the hold in one merge patch
    await w.kubectl(
      'patch',
      'flinkdeployment',
      NAME,
      '--type',
      'merge',
      '-p',
      JSON.stringify({
        spec: { taskManager: { replicas: 12 } },
        metadata: { annotations: { [HOLD_ANNOTATION]: serializeHold(hold) } },
      }),
    );
    await w.run(sidecar, 1200);
    expect(w.replicas()).toBe(12);
    const saved = w.saved();
    expect(saved.history.at(-1)).toMatchObject({
      from: 10,
      to: 12,
      trigger: 'manual',
      user: 'grafana:alice',
      note: 'incident 7',
    });
    expect(saved.hold).toEqual({ until: now + 1800_000, user: 'grafana:alice', note: 'incident 7' });
    const detected = w.kube.events(NS).filter((e) => e.reason === 'ManualScaleDetected');
    expect(detected.map((e) => e.message)).toEqual([
      expect.stringMatching(
        /from 10 to 12 TaskManagers by grafana:alice: incident 7; the policy holds until/,
      ),
    ]);
    expect(sidecar.status()).toMatchObject({ hold: { by: 'grafana:alice', reason: 'incident 7' } });
    // Prometheus learns who scaled from the hold the gateway wrote (the person's words stay out of the labels)
    const recent = (await sidecar.metrics())
      .split('\n')
      .filter((l) => l.startsWith('flink_autoscaler_recent_scaling_timestamp_seconds{'));
    expect(recent).toEqual([
      expect.stringMatching(
        /\{direction="up",trigger="manual",by="grafana:alice",from="10",to="12",reasons="manual",[^}]*\} \d+/,
      ),
    ]);
    expect(recent.join()).not.toContain('incident');
  });

  it('paused: "true" stops the policy, visibly in status, metrics and Events; removing it resumes', async () => {
    const w = await world({
      active: true,
      workers: 10,
      rate: 16_000,
      annotations: { [PAUSED_ANNOTATION]: 'true' },
    });
    const sidecar = await w.newSidecar();
    const evaluations = await w.run(sidecar, 10 * 60);
    expect(w.replicas()).toBe(10);
    expect(evaluations.every((e) => e.action === 'none')).toBe(true);
    expect(evaluations.some((e) => e.decision?.action === 'scale-up')).toBe(true);
    expect(sidecar.status()).toMatchObject({ paused: true, gates: expect.arrayContaining(['paused']) });
    expect(await sidecar.metrics()).toMatch(/flink_autoscaler_gate\{gate="paused",[^}]*\} 1/);
    expect(w.kube.events(NS).map((e) => e.reason)).toContain('Paused');
    await w.kubectl('annotate', 'flinkdeployment', NAME, `${PAUSED_ANNOTATION}-`);
    await w.run(sidecar, 5 * 60);
    expect(w.replicas()).toBeGreaterThan(10);
    expect(sidecar.status()).toMatchObject({ paused: false });
    expect(w.kube.events(NS).map((e) => e.reason)).toContain('Resumed');
  });
});

describe('two sidecars for one job (JobManager HA)', () => {
  it('only the Lease holder acts: one rescale, and the hold and history are kept', async () => {
    const w = await world({ active: true, workers: 10, rate: 16_000 });
    const electors = ['jm-0', 'jm-1'].map(
      (identity) =>
        new LeaderElector({
          connection: w.connection,
          namespace: NS,
          name: leaseNameFor(NAME),
          identity,
          log: () => undefined,
        }),
    );
    const [first, second] = electors as [LeaderElector, LeaderElector];
    try {
      first.start();
      await until('jm-0 leads', 10, async () => (first.isLeader() ? true : undefined));
      second.start();
      await until('jm-1 sees jm-0 lead', 10, async () => (second.holder() === 'jm-0' ? true : undefined));
      const leader = await w.newSidecar({ leadership: first, identity: 'jm-0' });
      const followerWrites: string[] = [];
      const follower = await w.newSidecar({
        leadership: second,
        identity: 'jm-1',
        kube: (real) => ({
          get: () => real.get(),
          saveState: (text, version) => (followerWrites.push('state'), real.saveState(text, version)),
          scale: (from, to) => (followerWrites.push(`scale ${from}→${to}`), real.scale(from, to)),
          event: (...args) => (followerWrites.push(`event ${args[2]}`), real.event(...args)),
        }),
      });
      // the follower evaluates first every tick: it must not act on what it sees
      await w.run([follower, leader], 10 * 60);
      const replicas = w.replicas() ?? 0;
      expect(replicas).toBeGreaterThan(16);
      expect(followerWrites).toEqual([]);
      let saved = w.saved();
      expect(saved.history[0]).toMatchObject({ from: 10, trigger: 'policy' });
      const reasons = () => w.kube.events(NS).map((e) => e.reason);
      expect(reasons()).not.toContain('ScalingFailed');
      expectOneEventPerRescale(reasons(), saved.history);
      expect(follower.status()).toMatchObject({
        leader: { leader: false, identity: 'jm-1', holder: 'jm-0' },
        gates: expect.arrayContaining(['not-leader']),
      });
      expect(await follower.metrics()).toMatch(/^flink_autoscaler_leader\{[^}]*\} 0$/m);
      expect(await leader.metrics()).toMatch(/^flink_autoscaler_leader\{[^}]*\} 1$/m);

      // a person scales with a hold; both sidecars see it, the leader records it once, nobody overwrites it
      const now = w.clock();
      const to = replicas + 2;
      await w.kubectl(
        'patch',
        'flinkdeployment',
        NAME,
        '--type',
        'merge',
        '-p',
        JSON.stringify({
          spec: { taskManager: { replicas: to } },
          metadata: {
            annotations: {
              [HOLD_ANNOTATION]: serializeHold({
                replicas: to,
                by: 'grafana:alice',
                reason: 'incident 7',
                at: iso(now),
                until: iso(now + 3600_000),
              }),
            },
          },
        }),
      );
      await w.run([follower, leader], 5 * 60);
      expect(w.replicas()).toBe(to);
      saved = w.saved();
      expect(saved.hold).toMatchObject({ user: 'grafana:alice', note: 'incident 7', until: now + 3600_000 });
      expect(saved.history[0]).toMatchObject({ from: 10, trigger: 'policy' });
      expect(saved.history.at(-1)).toMatchObject({
        from: replicas,
        to,
        trigger: 'manual',
        user: 'grafana:alice',
      });
      expect(reasons().filter((r) => r === 'ManualScaleDetected')).toHaveLength(1);
      expect(follower.status()).toMatchObject({ hold: { by: 'grafana:alice' } });
      expect(followerWrites).toEqual([]);
    } finally {
      await Promise.all(electors.map((e) => e.stop()));
    }
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
