/**
 * Who scaled, from the person to the dashboard: a person scales through the gateway (Grafana's signed ID token
 * names alice; the gateway writes the count and its hold on the FlinkDeployment), someone else changes the
 * count with no hold (as kubectl scale does); the real `flink-autoscaler sidecar` process sees both and a real
 * Prometheus (Debian's) scrapes it. The job dashboard's Scalings annotation query (charts/, variables filled)
 * then returns each scaling at its time, with the person the gateway authorized, as Grafana reads it
 * ("series value as timestamp": the value in ms is the time; the title and text from the labels).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIDECAR_NODE_OPTIONS } from '../../sidecar/src/injector/settings.js';
import { startFlinkDouble, type FlinkDouble } from '../doubles/flink/index.js';
import { flinkDeployment, serviceAccount, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';
import {
  asserterRule,
  GRAFANA_SA,
  GATEWAY_SA,
  gatewayRules,
  personScaler,
  startGateway,
  type StartedGateway,
} from '../fixtures/gateway.js';
import { startGrafanaSigner, type GrafanaSigner } from '../fixtures/grafana-id.js';
import { startPrometheus } from '../fixtures/prometheus.js';
import { sidecarRules } from '../fixtures/rbac.js';
import { freePort, until } from '../fixtures/wait.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NS = 'streaming';
const NAME = 'clickstream';
const SIDECAR_SA = serviceAccount(NS, 'flink', 'sidecar-token');
const ADMIN = { username: 'admin', groups: ['system:masters'], token: 'admin-token' };

interface Annotation {
  name: string;
  target: { expr: string; interval: string };
  useValueForTime: boolean;
  titleFormat: string;
  textFormat: string;
  tagKeys: string;
}

const dashboard = JSON.parse(
  readFileSync(join(root, 'charts/flink-autoscaler/dashboards/flink-autoscaler-job.json'), 'utf8'),
) as { annotations: { list: Annotation[] } };
const annotation = dashboard.annotations.list.find((a) => a.name === 'Scalings') as Annotation;

let flink: FlinkDouble;
let kube: KubeDouble;
let signer: GrafanaSigner;
let gateway: StartedGateway;
let sidecar: ChildProcess;
let prometheus: ChildProcess;
let ticker: NodeJS.Timeout;
let promUrl: string;
const sidecarLog: string[] = [];

beforeAll(async () => {
  signer = await startGrafanaSigner();
  flink = await startFlinkDouble({
    clusterId: NAME,
    jobShape: { initialWorkers: 4, capacityPerWorker: 1000 },
    slotsPerTaskManager: 1,
    input: 3000,
    fetchIntervalSeconds: 0,
  });
  ticker = setInterval(() => flink.advance(1), 1000);
  kube = await startKubeDouble({
    namespace: NS,
    users: [SIDECAR_SA, GATEWAY_SA, GRAFANA_SA, ADMIN],
    rules: [
      ...sidecarRules(NS, SIDECAR_SA.username),
      ...gatewayRules([NS]),
      asserterRule(),
      personScaler(NS, { users: ['grafana:alice'] }),
    ],
  });
  kube.flinkDeployments.put(
    flinkDeployment({ name: NAME, namespace: NS, replicas: 4, slotsPerTaskManager: 1 }),
  );
  kube.flinkDeployments.reconcile(NS, NAME);
  gateway = await startGateway(kube, { grafanaJwksUrl: signer.jwksUrl, grafanaIssuer: signer.issuer });

  const port = await freePort();
  const sidecarUrl = `http://127.0.0.1:${port}`;
  const labels = join(mkdtempSync(join(tmpdir(), 'fa-podinfo-')), 'labels');
  writeFileSync(labels, `app="${NAME}"\ncomponent="jobmanager"\n`);
  sidecar = spawn(
    join(root, 'node_modules/.bin/flink-autoscaler'),
    [
      'sidecar',
      ...['--flink-url', flink.url, '--namespace', NS, '--pod-labels-file', labels],
      ...['--kubeconfig', kube.kubeconfig({ token: SIDECAR_SA.token }, { namespace: NS })],
      ...['--listen', `127.0.0.1:${port}`],
      ...['--interval-seconds', '1', '--window-seconds', '4', '--cooldown-seconds', '0'],
    ],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: SIDECAR_NODE_OPTIONS },
    },
  );
  sidecar.stderr?.on('data', (d: Buffer) => sidecarLog.push(d.toString()));
  await until('the sidecar is ready', 30, async () =>
    (await fetch(`${sidecarUrl}/readyz`)).ok ? true : undefined,
  );
  ({ url: promUrl, process: prometheus } = await startPrometheus([`127.0.0.1:${port}`]));
  await until('Prometheus scrapes the sidecar', 30, async () =>
    (await instant(`flink_autoscaler_up{namespace="${NS}",flinkdeployment="${NAME}"}`)).length > 0
      ? true
      : undefined,
  );
}, 90_000);

afterAll(async () => {
  clearInterval(ticker);
  sidecar?.kill('SIGTERM');
  prometheus?.kill('SIGTERM');
  await gateway?.close();
  await signer?.close();
  await flink?.close();
  await kube?.close();
});

interface Row {
  metric: Record<string, string>;
  values?: [number, string][];
  value?: [number, string];
}

async function instant(query: string): Promise<Row[]> {
  const body = (await (await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as {
    data?: { result?: Row[] };
  };
  return body.data?.result ?? [];
}

async function range(query: string, start: number, end: number, step: string): Promise<Row[]> {
  const params = new URLSearchParams({ query, start: String(start), end: String(end), step });
  const body = (await (await fetch(`${promUrl}/api/v1/query_range?${params.toString()}`)).json()) as {
    status: string;
    error?: string;
    data?: { result?: Row[] };
  };
  if (body.status !== 'success') throw new Error(`query_range failed: ${body.error}`);
  return body.data?.result ?? [];
}

/** The label values a format names ({{label}}), with the label's name where the series has none (as Grafana). */
function render(format: string, labels: Record<string, string>): string {
  return format.replace(/\{\{\s*(.+?)\s*\}\}/g, (_, name: string) => labels[name] || name);
}

const replicas = () => kube.flinkDeployments.get(NS, NAME)?.spec.taskManager?.replicas;

describe('the Scalings annotation against a real Prometheus', () => {
  it('returns each scaling at its time with the person the gateway authorized, or says nobody was named', async () => {
    const start = Date.now() / 1000;
    // alice scales through the gateway: Grafana's service account calls, Grafana's signed ID token names her
    const before = Date.now();
    const scaled = await fetch(`${gateway.url}/api/v1/namespaces/${NS}/flinkdeployments/${NAME}/scale`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${GRAFANA_SA.token}`,
        'X-Grafana-Id': await signer.sign({ login: 'alice' }),
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ replicas: 6, reason: 'incident 7' }),
    });
    const after = Date.now();
    expect(scaled.status, await scaled.clone().text()).toBe(200);
    expect(replicas()).toBe(6);
    await until('the sidecar records alice’s scale', 30, async () =>
      (await instant('flink_autoscaler_recent_scaling_timestamp_seconds{by="grafana:alice"}')).length > 0
        ? true
        : undefined,
    );

    // someone changes the count with no hold (kubectl scale, GitOps): nobody is named
    const patchedAt = Date.now();
    const patched = await fetch(
      `${kube.url}/apis/flink.apache.org/v1beta1/namespaces/${NS}/flinkdeployments/${NAME}`,
      {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${ADMIN.token}`, 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({ spec: { taskManager: { replicas: 7 } } }),
      },
    );
    expect(patched.status).toBe(200);
    const patchedDone = Date.now();
    await until('the sidecar records the unnamed change', 30, async () =>
      (await instant('flink_autoscaler_recent_scaling_timestamp_seconds{by="unknown"}')).length > 0
        ? true
        : undefined,
    );

    // the dashboard's annotation query, as Grafana sends it: variables filled, its min step, over the range
    const expr = annotation.target.expr.replaceAll('$namespace', NS).replaceAll('$flinkdeployment', NAME);
    const rows = await until('Prometheus has both in range', 30, async () => {
      const found = await range(expr, start - 60, Date.now() / 1000, annotation.target.interval);
      return found.length >= 2 ? found : undefined;
    });
    expect(annotation.useValueForTime).toBe(true);
    const events = rows
      .flatMap((row) =>
        [...new Set((row.values ?? []).map(([, v]) => Number(v)))].map((time) => ({
          time,
          title: render(annotation.titleFormat, row.metric),
          text: render(annotation.textFormat, row.metric),
          tags: annotation.tagKeys.split(',').map((k) => row.metric[k]),
        })),
      )
      .sort((a, b) => a.time - b.time);
    expect(events.map(({ time: _t, ...e }) => e)).toEqual([
      { title: 'Scaled up 4 → 6 by grafana:alice', text: 'manual: manual', tags: ['manual', 'up'] },
      { title: 'Scaled up 6 → 7 by unknown', text: 'manual: manual', tags: ['manual', 'up'] },
    ]);
    // each at the scaling's time: after the request began, and within the sidecar's next look (1 s cycles)
    const [alice, unnamed] = events;
    expect(alice?.time).toBeGreaterThanOrEqual(before);
    expect(alice?.time).toBeLessThanOrEqual(after + 5000);
    expect(unnamed?.time).toBeGreaterThanOrEqual(patchedAt);
    expect(unnamed?.time).toBeLessThanOrEqual(patchedDone + 5000);
    // the person's own words are not in Prometheus
    expect(JSON.stringify(rows)).not.toContain('incident');
  }, 90_000);
});
