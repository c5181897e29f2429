/**
 * Issue 13, guards: the real `flink-autoscaler sidecar` process acts only on a job in standalone mode with
 * Reactive Mode (read as Flink reads it: `REACTIVE` is reactive) and without the operator's own autoscaler;
 * otherwise it advises only and says why, in the status API (`guards`), a metric
 * (`flink_autoscaler_guard{guard}`) and one Warning Event `AutoscalerGuarded` per guard when it starts holding.
 * `--allow-native-mode` lets it act on a native-mode job (a redeploy per rescale, accepted).
 *
 * Every job here is labelled active and needs a scale-up (8,000 records/s on 4 workers of 1,000): a sidecar
 * that is not held back scales within a few 1 s cycles.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ENABLED_LABEL, STATE_ANNOTATION } from '../../sidecar/src/kube/deployment.js';
import { startFlinkDouble, type FlinkDouble } from '../doubles/flink/index.js';
import {
  flinkDeployment,
  serviceAccount,
  startKubeDouble,
  type FlinkDeployment,
  type KubeDouble,
} from '../doubles/kube/index.js';
import { sidecarRules } from '../fixtures/rbac.js';
import { freePort, until } from '../fixtures/wait.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NS = 'streaming';
const NAME = 'clickstream';
const SA = serviceAccount(NS, 'flink', 'sidecar-token');
const LABELS = `namespace="${NS}",flinkdeployment="${NAME}"`;

let flink: FlinkDouble | undefined;
let kube: KubeDouble | undefined;
let child: ChildProcess | undefined;
let ticker: NodeJS.Timeout | undefined;
afterEach(async () => {
  child?.kill('SIGTERM');
  clearInterval(ticker);
  await flink?.close();
  await kube?.close();
  child = undefined;
  flink = undefined;
  kube = undefined;
});

interface Guard {
  id: string;
  message: string;
}
interface Status {
  mode: string;
  guards: Guard[];
  decision: { action: string } | null;
  lastScalings: unknown[];
}

async function start(options: {
  /** Changes the FlinkDeployment before it is stored (standalone, `scheduler-mode: REACTIVE` otherwise). */
  edit?: (deployment: FlinkDeployment) => void;
  /** `scheduler-mode` in Flink's own /jobmanager/config. */
  schedulerMode?: string;
  args?: string[];
}) {
  flink = await startFlinkDouble({
    clusterId: NAME,
    jobShape: { initialWorkers: 4, capacityPerWorker: 1000, maxWorkers: 20 },
    slotsPerTaskManager: 1,
    input: 8000,
    fetchIntervalSeconds: 0,
    ...(options.schedulerMode === undefined ? {} : { schedulerMode: options.schedulerMode }),
  });
  const f = flink;
  ticker = setInterval(() => f.advance(1), 1000);
  kube = await startKubeDouble({ namespace: NS, users: [SA], rules: [...sidecarRules(NS, SA.username)] });
  const k = kube;
  const deployment = flinkDeployment({
    name: NAME,
    namespace: NS,
    replicas: 4,
    slotsPerTaskManager: 1,
    labels: { [ENABLED_LABEL]: 'true' },
  });
  options.edit?.(deployment);
  k.flinkDeployments.put(deployment);
  k.flinkDeployments.reconcile(NS, NAME);
  k.onReplicasChange((change) => {
    if (change.to !== undefined) f.setReplicas(change.to);
    queueMicrotask(() => k.flinkDeployments.reconcile(NS, NAME));
  });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log: string[] = [];
  child = spawn(
    process.execPath,
    [
      join(root, 'sidecar/bin/flink-autoscaler.js'),
      'sidecar',
      ...['--flink-url', f.url, '--namespace', NS, '--name', NAME, '--listen', `127.0.0.1:${port}`],
      ...['--kubeconfig', k.kubeconfig({ token: SA.token }, { namespace: NS })],
      ...['--interval-seconds', '1', '--window-seconds', '4', '--cooldown-seconds', '600'],
      ...(options.args ?? []),
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  await until('the sidecar listens', 20, async () =>
    (await fetch(`${url}/readyz`).catch(() => undefined))?.status ? true : undefined,
  );
  const status = async () => (await (await fetch(`${url}/api/v1/status`)).json()) as Status;
  const metrics = async () => (await fetch(`${url}/metrics`)).text();
  const replicas = () => k.flinkDeployments.get(NS, NAME)?.spec.taskManager?.replicas;
  const events = (reason: string) => k.events(NS).filter((e) => e.reason === reason);
  return { url, log, status, metrics, replicas, events, kube: k };
}

type Started = Awaited<ReturnType<typeof start>>;

/** Waits until the sidecar has wanted a scale-up for several cycles (the advice), then checks it held. */
async function expectGuarded(s: Started, id: string, message: RegExp): Promise<Guard> {
  const status = await until('the sidecar advises a scale-up', 60, async () => {
    const st = await s.status();
    return st.decision?.action === 'scale-up' ? st : undefined;
  });
  // several more cycles in which an unguarded sidecar would have scaled
  await new Promise((r) => setTimeout(r, 4000));
  expect(s.replicas()).toBe(4);
  const now = await s.status();
  expect(now.mode).toBe('active');
  expect(now.lastScalings).toEqual([]);
  const guard = now.guards.find((g) => g.id === id);
  expect(guard, JSON.stringify(status.guards)).toBeDefined();
  expect(guard?.message).toMatch(message);
  const text = await s.metrics();
  expect(text).toContain(`flink_autoscaler_guard{guard="${id}",${LABELS}} 1`);
  // one Warning Event for the guard, not one per cycle
  const warned = s.events('AutoscalerGuarded');
  expect(warned).toHaveLength(1);
  expect(warned[0]?.type).toBe('Warning');
  expect(warned[0]?.message).toBe(guard?.message);
  // advisor mode while guarded: nothing written to the FlinkDeployment
  expect(s.kube.flinkDeployments.get(NS, NAME)?.metadata.annotations?.[STATE_ANNOTATION]).toBeUndefined();
  expect(s.events('ScaledUp')).toEqual([]);
  return guard as Guard;
}

/** The job sets job.autoscaler.enabled: "false" in its own spec; resolves once the sidecar has scaled up. */
async function turnOperatorAutoscalerOff(s: Started): Promise<void> {
  const current = s.kube.flinkDeployments.get(NS, NAME) as FlinkDeployment;
  s.kube.flinkDeployments.put({
    ...current,
    spec: {
      ...current.spec,
      flinkConfiguration: { ...current.spec.flinkConfiguration, 'job.autoscaler.enabled': 'false' },
    },
  });
  s.kube.flinkDeployments.reconcile(NS, NAME);
  await until('a scale-up', 60, async () => ((s.replicas() ?? 4) > 4 ? true : undefined));
}

describe('guards of the sidecar process', () => {
  it('scheduler-mode REACTIVE (as the operator writes it) is Reactive Mode: no warning, it scales', async () => {
    const s = await start({ schedulerMode: 'REACTIVE' });
    await until('a scale-up', 60, async () => ((s.replicas() ?? 4) > 4 ? true : undefined));
    const status = await s.status();
    expect(status.guards).toEqual([]);
    const text = await s.metrics();
    expect(text).not.toMatch(/^flink_autoscaler_guard\{[^}]*\} 1$/m);
    expect(text).toContain(`flink_autoscaler_guard{guard="not-reactive",${LABELS}} 0`);
    const reasons = s.kube.events(NS).map((e) => e.reason);
    expect(reasons).not.toContain('NotReactiveMode');
    expect(reasons).not.toContain('AutoscalerGuarded');
    expect(reasons).toContain('ScaledUp');
  }, 120_000);

  it('the operator’s autoscaler on (job.autoscaler.enabled: "TRUE"): advises only, says why, acts once it is off', async () => {
    const s = await start({
      edit: (d) => {
        d.spec.flinkConfiguration = { ...d.spec.flinkConfiguration, 'job.autoscaler.enabled': 'TRUE' };
      },
    });
    const guard = await expectGuarded(s, 'operator-autoscaler', /job\.autoscaler\.enabled/);
    expect(guard.message).toMatch(/two autoscalers/i);
    expect(s.log.join('')).toContain('"reason":"AutoscalerGuarded"');

    // the operator's autoscaler turned off: the guard lifts and the sidecar acts
    await turnOperatorAutoscalerOff(s);
    expect((await s.status()).guards).toEqual([]);
    expect(await s.metrics()).toContain(`flink_autoscaler_guard{guard="operator-autoscaler",${LABELS}} 0`);
    expect(s.events('AutoscalerGuarded')).toHaveLength(1);
  }, 120_000);

  it('the operator’s autoscaler on by default (as the injector read its ConfigMap): advises only, names the ConfigMap, acts once the job turns it off', async () => {
    const source = 'flink-operator/flink-operator-config';
    const s = await start({
      args: [
        '--flink-operator-defaults',
        JSON.stringify({ source, entries: { 'job.autoscaler.enabled': 'true' } }),
      ],
    });
    const guard = await expectGuarded(s, 'operator-autoscaler', /operator's default configuration/);
    expect(guard.message).toContain(`ConfigMap ${source}`);

    // the job turns the operator's autoscaler off in its own spec, which the operator lays over its defaults
    await turnOperatorAutoscalerOff(s);
    expect((await s.status()).guards).toEqual([]);
  }, 120_000);

  it('the operator’s ConfigMap unread by the injector: the sidecar says so and goes by the spec', async () => {
    const s = await start({
      args: [
        '--flink-operator-defaults',
        JSON.stringify({ source: 'flink-operator/flink-operator-config', error: 'configmaps is forbidden' }),
      ],
    });
    await until('a scale-up', 60, async () => ((s.replicas() ?? 4) > 4 ? true : undefined));
    const status = (await s.status()) as Status & { warnings: string[] };
    expect(status.guards).toEqual([]);
    expect(status.warnings.join('\n')).toContain(
      "the injector could not read the operator's default configuration (ConfigMap flink-operator/flink-operator-config: configmaps is forbidden)",
    );
  }, 120_000);

  it('a bad --flink-operator-defaults: refused before it starts, with the reason', () => {
    const result = spawnSync(
      process.execPath,
      [
        join(root, 'sidecar/bin/flink-autoscaler.js'),
        'sidecar',
        ...['--namespace', NS, '--name', NAME, '--flink-operator-defaults', '{"source":"x"}'],
      ],
      { cwd: root, encoding: 'utf8' },
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('--flink-operator-defaults must be');
  });

  it('a native-mode job (no spec.mode): advises only and says why', async () => {
    const s = await start({
      edit: (d) => {
        delete d.spec.mode;
      },
    });
    const guard = await expectGuarded(s, 'native-mode', /native/);
    expect(guard.message).toMatch(/--allow-native-mode/);
    expect((await s.status()).guards.map((g) => g.id)).toEqual(['native-mode']);
  }, 120_000);

  it('a native-mode job with --allow-native-mode: it scales (a redeploy per rescale, accepted)', async () => {
    const s = await start({
      edit: (d) => {
        d.spec.mode = 'native';
      },
      args: ['--allow-native-mode'],
    });
    await until('a scale-up', 60, async () => ((s.replicas() ?? 4) > 4 ? true : undefined));
    expect((await s.status()).guards).toEqual([]);
    expect(s.events('AutoscalerGuarded')).toEqual([]);
  }, 120_000);
});
