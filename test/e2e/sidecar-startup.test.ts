/**
 * Issue 10, "a sidecar that never recovers and looks healthy": the real `flink-autoscaler sidecar` process
 * started before it can read its FlinkDeployment (not there yet; its service account without RBAC yet). It
 * keeps trying with backoff, says why in /metrics (`flink_autoscaler_up`, `flink_autoscaler_not_ready{reason}`),
 * /api/v1/status and its log, fails /healthz (liveness) when no cycle completed in --liveness-seconds, and
 * runs its cycles once the FlinkDeployment can be read.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startFlinkDouble, type FlinkDouble } from '../doubles/flink/index.js';
import { flinkDeployment, serviceAccount, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';
import { sidecarRules } from '../fixtures/rbac.js';
import { freePort, until } from '../fixtures/wait.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NS = 'streaming';
const NAME = 'clickstream';
const SA = serviceAccount(NS, 'flink', 'sidecar-token');

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

async function start(options: { rules: boolean; livenessSeconds?: number }) {
  flink = await startFlinkDouble({
    clusterId: NAME,
    jobShape: { initialWorkers: 2, capacityPerWorker: 1000 },
    slotsPerTaskManager: 1,
    input: 1000,
    fetchIntervalSeconds: 0,
  });
  const f = flink;
  ticker = setInterval(() => f.advance(1), 1000);
  kube = await startKubeDouble({
    namespace: NS,
    users: [SA],
    rules: options.rules ? sidecarRules(NS, SA.username) : [],
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
      ...['--kubeconfig', kube.kubeconfig({ token: SA.token }, { namespace: NS })],
      ...['--interval-seconds', '1', '--window-seconds', '4'],
      ...(options.livenessSeconds ? ['--liveness-seconds', String(options.livenessSeconds)] : []),
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
  await until('the sidecar listens', 20, async () =>
    (await fetch(`${url}/readyz`)).status ? true : undefined,
  );
  const metrics = async () => (await fetch(`${url}/metrics`)).text();
  const status = async () =>
    (await (await fetch(`${url}/api/v1/status`)).json()) as {
      up: boolean;
      notReady: { reason: string; message: string; attempts: number } | null;
      signals: unknown;
    };
  return { url, log, metrics, status, kube: kube as KubeDouble };
}

const labels = `namespace="${NS}",flinkdeployment="${NAME}"`;

describe('a sidecar that cannot read its FlinkDeployment at start', () => {
  it('keeps trying, says why, and runs once the FlinkDeployment appears', async () => {
    const s = await start({ rules: true });
    const text = await until('not_ready names the missing FlinkDeployment', 15, async () => {
      const t = await s.metrics();
      return t.includes('flinkdeployment-not-found') ? t : undefined;
    });
    expect(text).toContain(`flink_autoscaler_up{${labels}} 0`);
    expect(text).toContain(`flink_autoscaler_not_ready{reason="flinkdeployment-not-found",${labels}} 1`);
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(promtool.status, promtool.stdout + promtool.stderr).toBe(0);
    const before = await s.status();
    expect(before.up).toBe(false);
    expect(before.notReady).toMatchObject({ reason: 'flinkdeployment-not-found', message: /not ?found/i });
    expect((await fetch(`${s.url}/readyz`)).status).toBe(503);
    // a second attempt, after a backoff: it did not give up
    await until(
      'a second attempt',
      15,
      async () => ((await s.status()).notReady?.attempts ?? 0) >= 2 || undefined,
    );
    expect(s.log.join('')).toMatch(/"msg":"cannot read the FlinkDeployment; trying again"/);

    s.kube.flinkDeployments.put(
      flinkDeployment({ name: NAME, namespace: NS, replicas: 2, slotsPerTaskManager: 1 }),
    );
    s.kube.flinkDeployments.reconcile(NS, NAME);
    await until('the sidecar has signals', 60, async () => ((await s.status()).signals ? true : undefined));
    const after = await s.metrics();
    expect(after).toContain(`flink_autoscaler_up{${labels}} 1`);
    expect(after).not.toContain('flink_autoscaler_not_ready{');
    expect((await s.status()).notReady).toBeNull();
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);

    // deleted while it runs: the watch tells it, it says so, and it runs again when the FlinkDeployment is back
    s.kube.flinkDeployments.delete(NS, NAME);
    await until('not_ready says gone', 30, async () =>
      (await s.metrics()).includes(`flink_autoscaler_not_ready{reason="flinkdeployment-gone",${labels}} 1`)
        ? true
        : undefined,
    );
    expect((await fetch(`${s.url}/readyz`)).status).toBe(503);
    s.kube.flinkDeployments.put(
      flinkDeployment({ name: NAME, namespace: NS, replicas: 2, slotsPerTaskManager: 1 }),
    );
    s.kube.flinkDeployments.reconcile(NS, NAME);
    await until('ready again', 60, async () =>
      (await fetch(`${s.url}/readyz`)).status === 200 ? true : undefined,
    );
  }, 120_000);

  it('keeps trying while its service account may not read it, and runs once RBAC allows it', async () => {
    const s = await start({ rules: false });
    s.kube.flinkDeployments.put(
      flinkDeployment({ name: NAME, namespace: NS, replicas: 2, slotsPerTaskManager: 1 }),
    );
    s.kube.flinkDeployments.reconcile(NS, NAME);
    await until('not_ready says forbidden', 15, async () =>
      (await s.metrics()).includes(
        `flink_autoscaler_not_ready{reason="flinkdeployment-forbidden",${labels}} 1`,
      )
        ? true
        : undefined,
    );
    expect((await s.status()).notReady?.message).toMatch(/forbidden/i);
    for (const rule of sidecarRules(NS, SA.username)) s.kube.addRule(rule);
    await until('the sidecar has signals', 60, async () => ((await s.status()).signals ? true : undefined));
    expect(await s.metrics()).toContain(`flink_autoscaler_up{${labels}} 1`);
  }, 90_000);

  it('fails its liveness probe when no cycle completed within --liveness-seconds', async () => {
    const s = await start({ rules: true, livenessSeconds: 2 });
    const healthz = await until('/healthz fails', 15, async () => {
      const response = await fetch(`${s.url}/healthz`);
      return response.status === 503
        ? ((await response.json()) as { error: { reason: string; message: string } })
        : undefined;
    });
    expect(healthz.error.reason).toBe('not-live');
    expect(healthz.error.message).toMatch(/no evaluation cycle completed .*limit 2 s.*not ?found/i);
    s.kube.flinkDeployments.put(
      flinkDeployment({ name: NAME, namespace: NS, replicas: 2, slotsPerTaskManager: 1 }),
    );
    s.kube.flinkDeployments.reconcile(NS, NAME);
    await until('/healthz passes again', 60, async () =>
      (await fetch(`${s.url}/healthz`)).status === 200 ? true : undefined,
    );
  }, 90_000);
});
