/**
 * The panel plugin in a real browser, as Grafana loads it: the built grafana-plugin/dist/module.js taken
 * by SystemJS (AMD extra) in Debian's Chromium, with React and @grafana/* provided by the host page, fed
 * by a real Prometheus (Debian's) that scrapes the real sidecar process running against the Flink and
 * Kubernetes doubles. "Scale to N" goes through a stand-in for Grafana's app-plugin proxy (reading the
 * companion app's plugin.json route) and the chart's gateway (the real one) to the sidecar's API, which
 * reviews Grafana's token with the Kubernetes double and scales. Screenshots go to
 * .test-results/grafana-panel/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { SIDECAR_NODE_OPTIONS } from '../../sidecar/src/injector/settings.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PANEL_QUERIES } from '../../grafana-plugin/src/data/queries.js';
import { launchChromium, openHostPage } from '../../grafana-plugin/tests/harness/browser.js';
import { appPluginProxy, type ProxiedCall } from '../../grafana-plugin/tests/harness/grafana-proxy.js';
import { buildHostBundle } from '../../grafana-plugin/tests/harness/host-bundle.js';
import {
  prefixProxy,
  startHostServer,
  type HostServer,
} from '../../grafana-plugin/tests/harness/host-server.js';
import { APP_DIST, PANEL_DIST } from '../../grafana-plugin/tests/harness/paths.js';
import { startFlinkDouble, type FlinkDouble } from '../doubles/flink/index.js';
import { flinkDeployment, serviceAccount, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';
import { createServer as createHttpServer } from 'node:http';
import { createGatewayApp } from '../../sidecar/src/gateway/server.js';
import { listen, type RunningServer } from '../../sidecar/src/http/listen.js';
import { jobManagerPod } from '../fixtures/admission.js';
import { connectKube } from '../fixtures/kube-connect.js';
import { sidecarRules } from '../fixtures/rbac.js';
import { startPrometheus } from '../fixtures/prometheus.js';
import { freePort, until } from '../fixtures/wait.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const out = join(root, '.test-results/grafana-panel');
const NS = 'streaming';
const NAME = 'clickstream';
const PANEL_ID = 'fas-flinkautoscaler-panel';
const APP_ID = 'fas-flinkautoscaler-app';
const SIDECAR = serviceAccount(NS, 'flink', 'sidecar-token');
const GRAFANA = serviceAccount('monitoring', 'grafana', 'grafana-token');
const GATEWAY = serviceAccount('flink-autoscaler', 'gateway', 'gateway-token');

let flink: FlinkDouble;
let kube: KubeDouble;
let sidecar: ChildProcess;
let prometheus: ChildProcess;
let ticker: NodeJS.Timeout;
let gateway: RunningServer;
let host: HostServer;
let browser: Browser;
let sidecarUrl: string;
let promUrl: string;
let role: 'Viewer' | 'Editor' = 'Editor';
const proxied: ProxiedCall[] = [];

beforeAll(async () => {
  for (const file of [join(PANEL_DIST, 'module.js'), join(APP_DIST, 'plugin.json')]) {
    if (!existsSync(file))
      throw new Error(`${file} is missing: build the plugin (npm run build -w grafana-plugin)`);
  }
  mkdirSync(out, { recursive: true });
  // Input above what 4 workers read: the backlog grows, and the policy advises a scale-up.
  flink = await startFlinkDouble({
    clusterId: NAME,
    jobShape: { initialWorkers: 4, capacityPerWorker: 1000 },
    slotsPerTaskManager: 1,
    input: 6000,
    fetchIntervalSeconds: 0,
  });
  ticker = setInterval(() => flink.advance(1), 1000);
  kube = await startKubeDouble({
    namespace: NS,
    users: [SIDECAR, GRAFANA, GATEWAY],
    rules: [
      ...sidecarRules(NS, SIDECAR.username),
      {
        name: 'gateway-pods',
        users: [GATEWAY.username],
        verbs: ['get', 'list', 'watch'],
        apiGroups: [''],
        resources: ['pods'],
      },
      {
        name: 'grafana-scales',
        users: [GRAFANA.username],
        verbs: ['update'],
        apiGroups: ['flink.apache.org'],
        resources: ['flinkdeployments/scale'],
        namespaces: [NS],
      },
    ],
  });
  kube.flinkDeployments.put(
    flinkDeployment({ name: NAME, namespace: NS, replicas: 4, slotsPerTaskManager: 1 }),
  );
  kube.flinkDeployments.reconcile(NS, NAME);

  const port = await freePort();
  sidecarUrl = `http://127.0.0.1:${port}`;
  sidecar = spawn(
    join(root, 'node_modules/.bin/flink-autoscaler'),
    [
      'sidecar',
      ...['--flink-url', flink.url, '--namespace', NS, '--name', NAME],
      ...[
        '--kubeconfig',
        kube.kubeconfig({ token: SIDECAR.token }, { namespace: NS }),
        '--listen',
        `127.0.0.1:${port}`,
      ],
      ...[
        '--interval-seconds',
        '1',
        '--window-seconds',
        '4',
        '--cooldown-seconds',
        '0',
        '--max-workers',
        '20',
      ],
    ],
    // with the Node flags the injector gives the sidecar container
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: SIDECAR_NODE_OPTIONS },
    },
  );
  await until('the sidecar is ready', 30, async () =>
    (await fetch(`${sidecarUrl}/readyz`)).ok ? true : undefined,
  );

  const dir = mkdtempSync(join(tmpdir(), 'fa-panel-'));
  ({ url: promUrl, process: prometheus } = await startPrometheus([`127.0.0.1:${port}`]));

  // The chart's gateway finds the sidecar by the JobManager pod (here on loopback, the sidecar's port named).
  const pod = jobManagerPod(NAME) as { metadata: Record<string, unknown>; spec: { containers: unknown[] } };
  pod.metadata = { ...pod.metadata, name: `${NAME}-jm`, namespace: NS };
  pod.spec.containers.push({
    name: 'flink-autoscaler',
    image: 'flink-autoscaler',
    ports: [{ name: 'autoscaler', containerPort: port }],
  });
  kube.pods.put(pod as never);
  kube.pods.markRunning(NS, `${NAME}-jm`, { podIP: '127.0.0.1' });
  const gatewayConnection = await connectKube(kube.kubeconfig({ token: GATEWAY.token }, { namespace: NS }));
  gateway = await listen(
    createHttpServer(createGatewayApp({ connection: gatewayConnection, sidecarPort: 9877 })),
    '127.0.0.1',
    0,
  );
  const hostJs = await buildHostBundle(dir);
  host = await startHostServer({
    hostJs,
    plugins: { [PANEL_ID]: PANEL_DIST, [APP_ID]: APP_DIST },
    handlers: [
      prefixProxy('/api/datasources/proxy/uid/prometheus', () => promUrl),
      appPluginProxy(
        APP_DIST,
        { jsonData: { gatewayUrl: gateway.url }, secureJsonData: { gatewayToken: GRAFANA.token } },
        () => ({ login: 'alice', role }),
        proxied,
      ),
    ],
  });
  browser = await launchChromium();
  // Prometheus has scraped a decision with its reasons.
  await until('Prometheus has the decision', 60, async () => {
    const query = encodeURIComponent(
      `flink_autoscaler_decision{namespace="${NS}",flinkdeployment="${NAME}",action="scale-up"} == 1`,
    );
    const body = (await (await fetch(`${promUrl}/api/v1/query?query=${query}`)).json()) as {
      data?: { result?: unknown[] };
    };
    return (body.data?.result?.length ?? 0) > 0 ? true : undefined;
  });
}, 120_000);

afterAll(async () => {
  clearInterval(ticker);
  await browser?.close();
  await host?.close();
  await gateway?.close();
  sidecar?.kill('SIGTERM');
  prometheus?.kill('SIGTERM');
  await flink?.close();
  await kube?.close();
});

function renderRequest(theme: 'dark' | 'light', width = 1100, height = 640) {
  const to = Date.now();
  return {
    moduleUrl: `/public/plugins/${PANEL_ID}/module.js`,
    prometheusPath: '/api/datasources/proxy/uid/prometheus',
    queries: PANEL_QUERIES.map((q) => ({ refId: q.refId, expr: q.expr })),
    variables: { namespace: NS, flinkdeployment: NAME },
    from: to - 40_000,
    to,
    step: 1,
    options: {},
    width,
    height,
    theme,
  };
}

type Request = ReturnType<typeof renderRequest>;
interface Host {
  fasHost: { render(r: Request): Promise<{ queryMs: number; renderMs: number; frameMs: number }> };
}

describe('the built panel in Chromium, fed by Prometheus scraping the sidecar', () => {
  it('renders signals against thresholds, workers, the decision in words and the mode, in dark and light', async () => {
    const { page, errors } = await openHostPage(browser, host.url);
    for (const theme of ['dark', 'light'] as const) {
      await page.evaluate((r) => (globalThis as unknown as Host).fasHost.render(r), renderRequest(theme));
      await page.getByTestId('fas-headline').waitFor();
      expect(await page.getByTestId('fas-headline').textContent()).toMatch(/^Scale up: 4 → \d+ workers/);
      expect(await page.getByTestId('fas-mode').textContent()).toBe('advisor');
      expect(await page.getByTestId('fas-reasons').textContent()).toMatch(
        /(Backlog time|CPU) [\d.]+ (%|s|min) is above/,
      );
      for (const chart of ['backlogTime', 'cpu', 'backlog', 'backlogGrowth', 'throughput', 'workers']) {
        expect(await page.locator(`[data-testid="fas-chart-${chart}"] path`).count(), chart).toBeGreaterThan(
          0,
        );
      }
      const lines = async (chart: string) =>
        page
          .locator(`[data-testid="fas-chart-${chart}"] [data-testid="fas-threshold"]`)
          .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
      expect(await lines('backlogTime')).toEqual([120, 10]);
      expect(await lines('cpu')).toEqual([0.9, 0.7]);
      const shot = join(out, `panel-${theme}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
    }
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('stays readable at a small size (a compact table)', async () => {
    const { page, errors } = await openHostPage(browser, host.url, 'Editor', { width: 400, height: 300 });
    await page.evaluate(
      (r) => (globalThis as unknown as Host).fasHost.render(r),
      renderRequest('dark', 360, 240),
    );
    const table = page.getByTestId('fas-signal-table');
    await table.waitFor();
    expect(await table.textContent()).toContain('up > 2 min · down < 10 s');
    await page.screenshot({ path: join(out, 'panel-small.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('"Scale to N": the POST goes through Grafana’s proxy route and the gateway to the sidecar, which scales', async () => {
    const { page, errors } = await openHostPage(browser, host.url, 'Editor');
    const sent: { url: string; headers: Record<string, string>; body: string | null }[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') sent.push({ url: r.url(), headers: r.headers(), body: r.postData() });
    });
    await page.evaluate((r) => (globalThis as unknown as Host).fasHost.render(r), renderRequest('dark'));
    await page.getByTestId('fas-scale-button').click();
    await page.getByTestId('fas-scale-dialog').waitFor();
    expect(await page.getByTestId('fas-scale-projection').textContent()).toMatch(/CPU about [\d.]+ %/);
    await page.getByTestId('fas-scale-replicas').fill('6');
    await page.getByTestId('fas-scale-reason').fill('e2e: drain the backlog');
    await page.getByTestId('fas-scale-hold').fill('10');
    await page.screenshot({ path: join(out, 'scale-dialog.png') });
    await page.getByTestId('fas-scale-confirm').click();
    const result = page.getByTestId('fas-scale-result');
    await result.waitFor({ timeout: 20_000 });
    expect(await result.textContent()).toContain(`4 → 6 workers, by ${GRAFANA.username}`);

    // The browser posted to Grafana's own origin, without any token.
    expect(sent).toHaveLength(1);
    expect(sent[0]?.url).toBe(
      `${host.url}/api/plugin-proxy/${APP_ID}/gateway/api/v1/namespaces/${NS}/flinkdeployments/${NAME}/scale`,
    );
    expect(Object.keys(sent[0]?.headers ?? {}).map((h) => h.toLowerCase())).not.toContain('authorization');
    expect(JSON.parse(sent[0]?.body ?? '{}')).toEqual({
      replicas: 6,
      reason: 'e2e: drain the backlog',
      holdSeconds: 600,
    });
    // Grafana's route added the token and the user, and sent it to the gateway's path for this job.
    expect(proxied.at(-1)).toMatchObject({
      method: 'POST',
      url: `${gateway.url}/api/v1/namespaces/${NS}/flinkdeployments/${NAME}/scale`,
      headers: { Authorization: `Bearer ${GRAFANA.token}`, 'X-Grafana-User': 'alice' },
    });
    // The sidecar reviewed the token and scaled the FlinkDeployment.
    const replicas = await until('the FlinkDeployment has 6 replicas', 20, async () => {
      const fd = kube.flinkDeployments.get(NS, NAME) as
        { spec?: { taskManager?: { replicas?: number } } } | undefined;
      return fd?.spec?.taskManager?.replicas === 6 ? 6 : undefined;
    });
    expect(replicas).toBe(6);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('shows a viewer no button, and the proxy route refuses a viewer’s POST anyway', async () => {
    role = 'Viewer';
    try {
      const { page } = await openHostPage(browser, host.url, 'Viewer');
      await page.evaluate((r) => (globalThis as unknown as Host).fasHost.render(r), renderRequest('dark'));
      await page.getByTestId('fas-headline').waitFor();
      expect(await page.getByTestId('fas-scale-button').count()).toBe(0);
      const status = await page.evaluate(async (url) => {
        const r = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: '{"replicas":2,"reason":"x"}',
        });
        return [r.status, await r.text()];
      }, `/api/plugin-proxy/${APP_ID}/gateway/api/v1/namespaces/${NS}/flinkdeployments/${NAME}/scale`);
      expect(status).toEqual([403, JSON.stringify({ message: 'plugin proxy route access denied' })]);
      await page.close();
    } finally {
      role = 'Editor';
    }
  }, 60_000);
});
