/**
 * The panel plugin in a real browser, as Grafana loads it: the built grafana-plugin/dist/module.js taken
 * by SystemJS (AMD extra) in Debian's Chromium, with React and @grafana/* provided by the host page, fed
 * by a real Prometheus (Debian's) that scrapes the real sidecar process running against the Flink and
 * Kubernetes doubles.
 *
 * "Scale to N" goes through Grafana's app plugin proxy as Grafana plays it (grafana-plugin/tests/harness:
 * the companion app's built routes, the role check, the browser's X-Grafana-User and X-Grafana-Id removed
 * and set again, an ID token signed by a test ES256 key whose JWKS the stand-in serves at
 * /api/signing-keys/keys, the gateway token from the app's secure settings) to the REAL gateway process
 * (`flink-autoscaler gateway --insecure-http --grafana-jwks-url … --audience …`) against the Kubernetes
 * double. A person Kubernetes allows scales (the FlinkDeployment's replicas and hold change, an Event names
 * them, no pod is called); a person it does not allow sees the refusal before and after the click.
 * The panel is loaded into three hosts (grafana-plugin/tests/harness/hosts.ts): the workspace's @grafana
 * 13.1 with React 18, @grafana 12.4 with React 18 and @grafana 13.2 with React 19, the last two installed
 * from the registry on demand (a host that cannot be installed fails the test). In each: live data in dark
 * and light, a week with scalings in dark, light and small, and the compact layout measured at 360×240;
 * then, in each host, the scale flows (the dialog fitting large and small windows in dark and light, alice
 * scaling through the gateway with focus kept in the dialog, bob refused, a viewer refused by Grafana), the
 * job set back to 4 replicas without a hold before each host's flows. One host server per host, shared by
 * its tests. Screenshots go to .test-results/grafana-panel/<host>/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PANEL_QUERIES } from '../../grafana-plugin/src/data/queries.js';
import { launchChromium, openHostPage } from '../../grafana-plugin/tests/harness/browser.js';
import {
  appPluginProxy,
  type AppSettings,
  type ProxiedCall,
  type SignedInUser,
} from '../../grafana-plugin/tests/harness/grafana-proxy.js';
import { buildHostBundle } from '../../grafana-plugin/tests/harness/host-bundle.js';
import {
  DEFAULT_HOST,
  ensureHost,
  HOST_NAMES,
  type HostName,
} from '../../grafana-plugin/tests/harness/hosts.js';
import { drawWeek } from '../../grafana-plugin/tests/harness/week.js';
import {
  prefixProxy,
  startHostServer,
  type HostServer,
} from '../../grafana-plugin/tests/harness/host-server.js';
import { idTokenSigner } from '../../grafana-plugin/tests/harness/id-token.js';
import { APP_DIST, PANEL_DIST } from '../../grafana-plugin/tests/harness/paths.js';
import { SIDECAR_NODE_OPTIONS } from '../../sidecar/src/injector/settings.js';
import { HOLD_ANNOTATION, parseHold } from '../../sidecar/src/kube/manual-hold.js';
import { startFlinkDouble, type FlinkDouble } from '../doubles/flink/index.js';
import { flinkDeployment, serviceAccount, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';
import {
  GATEWAY_AUDIENCE,
  GATEWAY_SA,
  GRAFANA_SA,
  asserterRule,
  gatewayRules,
  personScaler,
} from '../fixtures/gateway.js';
import { startPrometheus } from '../fixtures/prometheus.js';
import { sidecarRules } from '../fixtures/rbac.js';
import { until } from '../fixtures/wait.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const out = join(root, '.test-results/grafana-panel');
const NS = 'streaming';
const NAME = 'clickstream';
const PANEL_ID = 'fas-flinkautoscaler-panel';
const APP_ID = 'fas-flinkautoscaler-app';
const SIDECAR = serviceAccount(NS, 'flink', 'sidecar-token');
const PERMISSION = `update flinkdeployments/scale (flink.apache.org) on ${NS}/${NAME}`;
const JOB_PATH = `api/v1/namespaces/${NS}/flinkdeployments/${NAME}`;

let flink: FlinkDouble;
let kube: KubeDouble;
let sidecar: ChildProcess;
let prometheus: ChildProcess;
let gateway: ChildProcess;
const gatewayLogs: string[] = [];
const sidecarLogs: string[] = [];
let ticker: NodeJS.Timeout;
let host: HostServer;
let browser: Browser;
let promUrl: string;
let sidecarUrl: string;
/** Grafana's signing key: every host's stand-in signs with it, under the default host's URL as issuer. */
let idTokens: ReturnType<typeof idTokenSigner>;
/** Who Grafana's session belongs to (the proxy's view; the page gets the same in its boot data). */
let session: SignedInUser = { login: 'alice', role: 'Editor' };
const settings: AppSettings = { jsonData: {}, secureJsonData: { gatewayToken: GRAFANA_SA.token } };
const proxied: ProxiedCall[] = [];

/** The hosts' installs, started first (about a minute each from scratch, mostly download). */
let installs: Promise<unknown>;

/** The URL a process started with `--listen 127.0.0.1:0` names in its JSON "listening" log line. */
function listeningUrl(what: string, logs: readonly string[]): Promise<string> {
  return until(what, 30, async () => {
    const line = logs
      .join('')
      .split('\n')
      .find((l) => l.includes('"listening"'));
    return line === undefined ? undefined : (JSON.parse(line) as { url: string }).url;
  });
}

beforeAll(async () => {
  installs = Promise.all(HOST_NAMES.map((name) => ensureHost(name)));
  // Awaited below; a failed install fails the hosts' tests there, not as an unhandled rejection.
  installs.catch(() => undefined);
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
    users: [SIDECAR, GRAFANA_SA, GATEWAY_SA],
    rules: [
      ...sidecarRules(NS, SIDECAR.username),
      ...gatewayRules([NS]),
      // Grafana's service account may speak for people, and nothing else.
      asserterRule(GRAFANA_SA.username),
      // alice (Grafana login) may scale jobs in the namespace; bob may not.
      personScaler(NS, { users: ['grafana:alice'] }),
    ],
  });
  kube.flinkDeployments.put(
    flinkDeployment({ name: NAME, namespace: NS, replicas: 4, slotsPerTaskManager: 1 }),
  );
  kube.flinkDeployments.reconcile(NS, NAME);

  sidecar = spawn(
    join(root, 'node_modules/.bin/flink-autoscaler'),
    [
      'sidecar',
      ...['--flink-url', flink.url, '--namespace', NS, '--name', NAME],
      ...['--kubeconfig', kube.kubeconfig({ token: SIDECAR.token }, { namespace: NS })],
      // port 0: the port the sidecar was given is the one its log names (a port found free and then
      // listened on could be taken in between by another test's sidecar of the same job name)
      ...['--listen', '127.0.0.1:0'],
      ...['--interval-seconds', '1', '--window-seconds', '4', '--cooldown-seconds', '0'],
      ...['--max-workers', '20'],
    ],
    // with the Node flags the injector gives the sidecar container
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: SIDECAR_NODE_OPTIONS },
    },
  );
  sidecar.stderr?.on('data', (d: Buffer) => sidecarLogs.push(d.toString()));
  sidecarUrl = await listeningUrl('the sidecar listens', sidecarLogs);
  await until('the sidecar is ready', 30, async () =>
    (await fetch(`${sidecarUrl}/readyz`)).ok ? true : undefined,
  );
  ({ url: promUrl, process: prometheus } = await startPrometheus([new URL(sidecarUrl).host]));

  // Grafana's server: its signing keys, the Prometheus data source proxy and the companion app's routes.
  idTokens = idTokenSigner(() => `${host.url}/`);
  const hostJs = await buildHostBundle(mkdtempSync(join(tmpdir(), 'fa-panel-')));
  host = await startHostServer({
    hostJs,
    plugins: { [PANEL_ID]: PANEL_DIST, [APP_ID]: APP_DIST },
    handlers: [idTokens.handler, ...grafanaRoutes()],
  });
  // The default host's tests share it.
  servers.set(DEFAULT_HOST, Promise.resolve(host));

  // The real gateway, as its own service account, trusting Grafana's keys.
  gateway = spawn(
    join(root, 'node_modules/.bin/flink-autoscaler'),
    [
      'gateway',
      '--insecure-http',
      ...['--listen', '127.0.0.1:0'],
      ...['--kubeconfig', kube.kubeconfig({ token: GATEWAY_SA.token })],
      ...['--namespaces', NS],
      ...['--audience', GATEWAY_AUDIENCE],
      ...['--grafana-jwks-url', `${host.url}/api/signing-keys/keys`],
      ...['--grafana-issuer', `${host.url}/`],
      ...['--user-prefix', 'grafana:'],
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  gateway.stderr?.on('data', (d: Buffer) => gatewayLogs.push(d.toString()));
  settings.jsonData['gatewayUrl'] = await listeningUrl('the gateway listens', gatewayLogs);

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
}, 300_000);

afterAll(async () => {
  clearInterval(ticker);
  await browser?.close();
  for (const server of servers.values()) await (await server.catch(() => undefined))?.close();
  await host?.close();
  gateway?.kill('SIGTERM');
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

/** The panel for `who`, signed in to Grafana with `role`, once the gateway answered "may I scale?". */
async function panelAs(
  server: HostServer,
  login: string,
  role: SignedInUser['role'],
  theme: 'dark' | 'light' = 'dark',
  size = { viewport: { width: 1280, height: 900 }, panel: { width: 1100, height: 640 } },
) {
  session = { login, role };
  const opened = await openHostPage(browser, server.url, role, size.viewport, login);
  await opened.page.evaluate(
    (r) => (globalThis as unknown as Host).fasHost.render(r),
    renderRequest(theme, size.panel.width, size.panel.height),
  );
  const access = opened.page.getByTestId('fas-scale-access');
  await access.waitFor();
  await until('the gateway answered "may I scale?"', 20, async () =>
    (await access.textContent())?.startsWith('Checking') ? undefined : true,
  );
  return { ...opened, access };
}

/**
 * Where the panel's figures come from, for a failure message: is the test's sidecar still running, what it
 * serves itself, and every `workers` series Prometheus holds for the job (with instance) over the last minute.
 */
async function provenance(): Promise<string> {
  const own = await fetch(`${sidecarUrl}/metrics`)
    .then((r) => r.text())
    .then((t) =>
      t
        .split('\n')
        .filter((l) => l.startsWith('flink_autoscaler_workers'))
        .join(' | '),
    )
    .catch((error: unknown) => `unreachable: ${String(error)}`);
  const query = encodeURIComponent(
    `flink_autoscaler_workers{namespace="${NS}",flinkdeployment="${NAME}"}[60s]`,
  );
  const stored = await fetch(`${promUrl}/api/v1/query?query=${query}`)
    .then((r) => r.text())
    .catch((error: unknown) => `unreachable: ${String(error)}`);
  return [
    `sidecar ${sidecarUrl} exit ${sidecar.exitCode ?? sidecar.signalCode ?? 'none (running)'}`,
    `it serves: ${own}`,
    `Prometheus holds: ${stored}`,
    `sidecar log tail: ${sidecarLogs.join('').split('\n').slice(-6).join(' / ')}`,
  ].join('\n');
}

function deployment() {
  return kube.flinkDeployments.get(NS, NAME) as {
    spec?: { taskManager?: { replicas?: number } };
    metadata: { annotations?: Record<string, string> };
  };
}

/** The JWT payload of an X-Grafana-Id (not verified here: the gateway does that). */
function claims(token: string | undefined): Record<string, unknown> {
  return JSON.parse(
    Buffer.from((token ?? '..').split('.')[1] ?? '', 'base64url').toString() || '{}',
  ) as Record<string, unknown>;
}

/** A POST sent from the page with the browser's own (forged) identity headers, as a stale page would. */
function postFromPage(page: Page, headers: Record<string, string>) {
  return page.evaluate(
    async ([url, extra]) => {
      const r = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...extra },
        body: JSON.stringify({ replicas: 2, reason: 'from the page', holdSeconds: 60 }),
      });
      return { status: r.status, body: await r.text() };
    },
    [`/api/plugin-proxy/${APP_ID}/gateway/${JOB_PATH}/scale`, headers] as const,
  );
}

/** The versions each host must really run (React as the page reports it, @grafana/ui as installed). */
const EXPECTED: Record<HostName, { grafana: RegExp; react: RegExp }> = {
  'grafana-13.1-react-18': { grafana: /^13\.1\./, react: /^18\./ },
  'grafana-12-react-18': { grafana: /^12\./, react: /^18\./ },
  'grafana-13.2-react-19': { grafana: /^13\.2\./, react: /^19\./ },
};

interface Box {
  id: string;
  text: string;
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/**
 * Everything the panel shows, against the panel's own box: elements drawn past its edges, text cut inside
 * its element (scrollWidth/scrollHeight beyond the client box), and whether the panel scrolls.
 */
function measurePanel(page: Page) {
  return page.getByTestId('fas-panel').evaluate((panel) => {
    const p = panel.getBoundingClientRect();
    const boxes: Box[] = [];
    const cut: string[] = [];
    for (const el of panel.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      const id = el.getAttribute('data-testid') ?? el.tagName.toLowerCase();
      const text = (el.textContent ?? '').slice(0, 60);
      if (
        r.left < p.left - 0.5 ||
        r.top < p.top - 0.5 ||
        r.right > p.right + 0.5 ||
        r.bottom > p.bottom + 0.5
      ) {
        boxes.push({
          id,
          text,
          left: r.left - p.left,
          top: r.top - p.top,
          right: r.right - p.left,
          bottom: r.bottom - p.top,
        });
      }
      const html = el as unknown as {
        scrollWidth: number;
        clientWidth: number;
        scrollHeight: number;
        clientHeight: number;
      };
      if (
        html.clientWidth > 0 &&
        (html.scrollWidth > html.clientWidth + 1 || html.scrollHeight > html.clientHeight + 1)
      ) {
        cut.push(`${id}: ${text}`);
      }
    }
    const scroll = panel as unknown as { scrollHeight: number; clientHeight: number };
    return {
      panel: { width: p.width, height: p.height },
      contentHeight: scroll.scrollHeight,
      outside: boxes,
      cut,
    };
  });
}

/** What Grafana's server does for the panel: the Prometheus data source proxy and the app's routes to the gateway. */
function grafanaRoutes() {
  return [
    prefixProxy('/api/datasources/proxy/uid/prometheus', () => promUrl),
    appPluginProxy({
      appDist: APP_DIST,
      settings,
      user: () => session,
      sendUserHeader: true,
      idTokens,
      seen: proxied,
    }),
  ];
}

/**
 * One Grafana stand-in per host, shared by that host's tests (the render tests and the scale flows): its
 * bundle, the Prometheus proxy and the companion app's routes to the real gateway, signing with Grafana's
 * key (the default host's URL as issuer, where the gateway reads the keys).
 */
const servers = new Map<HostName, Promise<HostServer>>();
function hostServer(name: HostName): Promise<HostServer> {
  let server = servers.get(name);
  if (server === undefined) {
    server = (async () => {
      await installs;
      const hostJs = await buildHostBundle(mkdtempSync(join(tmpdir(), 'fa-panel-')), { host: name });
      return startHostServer({
        hostJs,
        host: name,
        plugins: { [PANEL_ID]: PANEL_DIST, [APP_ID]: APP_DIST },
        handlers: grafanaRoutes(),
      });
    })();
    servers.set(name, server);
  }
  return server;
}

describe.each(HOST_NAMES)('the built panel in the %s host', (name) => {
  let server: HostServer;
  const shots = join(out, name);

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    server = await hostServer(name);
  }, 600_000);

  beforeEach(() => {
    session = { login: 'alice', role: 'Editor' };
  });

  it('runs that host’s React and @grafana/ui, and renders signals against thresholds, workers, the decision in words and the mode, in dark and light', async () => {
    const { page, errors } = await openHostPage(browser, server.url);
    const running = await page.evaluate(
      () => (globalThis as unknown as { fasHost: { host: Record<string, string> } }).fasHost.host,
    );
    expect(running['name']).toBe(name);
    expect(running['reactRuntime']).toBe(running['react']);
    expect(running['react']).toMatch(EXPECTED[name].react);
    expect(running['grafana']).toMatch(EXPECTED[name].grafana);
    for (const theme of ['dark', 'light'] as const) {
      await page.evaluate((r) => (globalThis as unknown as Host).fasHost.render(r), renderRequest(theme));
      await page.getByTestId('fas-headline').waitFor();
      const headline = await page.getByTestId('fas-headline').textContent();
      if (!/^Scale up: 4 → \d+ workers/.test(headline ?? '')) {
        expect.fail(`headline "${headline}", not "Scale up: 4 → N workers"\n${await provenance()}`);
      }
      expect(await page.getByTestId('fas-mode').textContent()).toBe('advisor');
      expect(await page.getByTestId('fas-reasons').textContent()).toMatch(
        /(Backlog time|CPU) [\d.]+ (%|s|min) is above/,
      );
      for (const chart of ['backlogTime', 'cpu', 'backlog', 'backlogGrowth', 'throughput', 'workers']) {
        // The line: an SVG path (hand-drawn charts) or uPlot's canvas.
        expect(
          await page.locator(`[data-testid="fas-chart-${chart}"] :is(path, canvas)`).count(),
          chart,
        ).toBeGreaterThan(0);
      }
      const lines = async (chart: string) =>
        page
          .locator(`[data-testid="fas-chart-${chart}"] [data-testid="fas-threshold"]`)
          .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))));
      expect(await lines('backlogTime')).toEqual([120, 10]);
      expect(await lines('cpu')).toEqual([0.9, 0.7]);
      // Every axis label starts inside its chart (the top label began at x = -2).
      const outside = await page.locator('[data-testid^="fas-chart-"] svg').evaluateAll((svgs) =>
        svgs.flatMap((svg) => {
          const box = svg.getBoundingClientRect();
          return [...svg.querySelectorAll('text')]
            .map((t) => ({ text: t.textContent, r: t.getBoundingClientRect() }))
            .filter(({ r }) => r.left < box.left - 0.5 || r.right > box.right + 0.5)
            .map(({ text, r }) => `${text} at x=${(r.left - box.left).toFixed(1)}`);
        }),
      );
      expect(outside).toEqual([]);
      const shot = join(shots, `panel-${theme}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
    }
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('a week with scalings: the last scalings in words (the policy’s and alice’s), in dark, light and small', async () => {
    const { page, errors } = await openHostPage(browser, server.url, 'Editor', { width: 1140, height: 680 });
    for (const theme of ['dark', 'light'] as const) {
      await drawWeek(page, theme, 1100, 640);
      const scalings = page.getByTestId('fas-scalings');
      await scalings.waitFor();
      const said = await scalings.textContent();
      expect(said).toMatch(/Scaled up 4 → 8 by the policy/);
      expect(said).toMatch(/by grafana:alice/);
      expect(await page.getByTestId('fas-workers').textContent()).toMatch(/^\d+ workers/);
      const shot = join(shots, `week-${theme}.png`);
      await page.screenshot({ path: shot, clip: { x: 0, y: 0, width: 1100, height: 640 } });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
    }
    await page.setViewportSize({ width: 400, height: 280 });
    await drawWeek(page, 'dark', 360, 240);
    await page.getByTestId('fas-signal-table').waitFor();
    const small = join(shots, 'week-small.png');
    await page.screenshot({ path: small, clip: { x: 0, y: 0, width: 360, height: 240 } });
    expect(statSync(small).size).toBeGreaterThan(5_000);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('the compact layout fits at 360×240: nothing past the panel’s edges, no text cut, the thresholds whole', async () => {
    const { page, errors } = await openHostPage(browser, server.url, 'Editor', { width: 400, height: 300 });
    await page.evaluate(
      (r) => (globalThis as unknown as Host).fasHost.render(r),
      renderRequest('dark', 360, 240),
    );
    const table = page.getByTestId('fas-signal-table');
    await table.waitFor();
    expect(await table.textContent()).toContain('up > 2 min · down < 10 s');
    const size = await measurePanel(page);
    // Saved for the record (the issue measured 405×282 for the table alone, the panel's content ~300 px).
    writeFileSync(join(shots, 'panel-small-size.json'), `${JSON.stringify(size, null, 1)}\n`);
    await page.screenshot({
      path: join(shots, 'panel-small.png'),
      clip: { x: 0, y: 0, width: 360, height: 240 },
    });
    expect(size.panel).toEqual({ width: 360, height: 240 });
    expect(size.outside).toEqual([]);
    expect(size.cut).toEqual([]);
    expect(size.contentHeight).toBeLessThanOrEqual(240);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});

describe.each(HOST_NAMES)(
  '"Scale to N" through Grafana’s app proxy and the real gateway, in the %s host',
  (name) => {
    let server: HostServer;
    const shots = join(out, name);

    beforeAll(async () => {
      mkdirSync(shots, { recursive: true });
      server = await hostServer(name);
      // Each host's flows start from the same job: 4 replicas, no hold (the previous host's alice scaled it).
      kube.flinkDeployments.put(
        flinkDeployment({ name: NAME, namespace: NS, replicas: 4, slotsPerTaskManager: 1 }),
      );
      kube.flinkDeployments.reconcile(NS, NAME);
    }, 600_000);

    it('the dialog fits the window, large and small, in dark and light: every field, the preview and the buttons inside it, the buttons reachable', async () => {
      const sizes = {
        large: { viewport: { width: 1280, height: 900 }, panel: { width: 1100, height: 640 } },
        small: { viewport: { width: 400, height: 300 }, panel: { width: 360, height: 240 } },
      };
      // One page, rendered again for each size and theme (as a dashboard's panel is).
      const { page, errors, access } = await panelAs(server, 'alice', 'Editor');
      for (const [size, box] of Object.entries(sizes)) {
        for (const theme of ['dark', 'light'] as const) {
          const what = `${size} ${theme}`;
          await page.setViewportSize(box.viewport);
          await page.evaluate(
            (r) => (globalThis as unknown as Host).fasHost.render(r),
            renderRequest(theme, box.panel.width, box.panel.height),
          );
          await until('the gateway answered "may I scale?"', 20, async () =>
            (await access.textContent())?.startsWith('Checking') ? undefined : true,
          );
          expect(await access.textContent(), what).toBe('as grafana:alice');
          await page.getByTestId('fas-scale-button').click();
          await page.getByTestId('fas-scale-dialog').waitFor();
          await page.getByTestId('fas-scale-replicas').fill('6');
          await page.getByTestId('fas-scale-reason').fill('e2e: does the dialog fit?');
          await page.getByTestId('fas-scale-projection').waitFor();
          const fit = await page.getByRole('dialog').evaluate((dialog) => {
            const d = dialog.getBoundingClientRect();
            const view = (globalThis as unknown as { innerWidth: number }).innerWidth;
            const past = [...dialog.querySelectorAll('input, [data-testid="fas-scale-projection"], button')]
              .map((el) => ({
                id: el.getAttribute('data-testid') ?? el.tagName,
                r: el.getBoundingClientRect(),
              }))
              .filter(({ r }) => r.right > d.right + 0.5 || r.left < d.left - 0.5)
              .map(({ id, r }) => `${id} ends ${(r.right - d.right).toFixed(1)} px past the dialog`);
            return { past, left: d.left, right: d.right, view };
          });
          expect(fit.past, what).toEqual([]);
          expect(fit.left, what).toBeGreaterThanOrEqual(0);
          expect(fit.right, what).toBeLessThanOrEqual(fit.view);
          // The buttons can be brought into view and used (the dialog scrolls; nothing is cut off for good).
          const confirm = page.getByTestId('fas-scale-confirm');
          await confirm.scrollIntoViewIfNeeded();
          expect(await confirm.isVisible(), what).toBe(true);
          expect(await confirm.isEnabled(), what).toBe(true);
          expect(await confirm.getAttribute('aria-disabled'), what).not.toBe('true');
          await page.screenshot({ path: join(shots, `scale-dialog-${size}-${theme}.png`) });
          await page.keyboard.press('Escape');
          await page.getByTestId('fas-scale-dialog').waitFor({ state: 'detached' });
        }
      }
      expect(errors).toEqual([]);
      await page.close();
    }, 120_000);

    it('a person Kubernetes allows scales: the FlinkDeployment’s replicas and hold change, no pod is called', async () => {
      const { page, errors, access } = await panelAs(server, 'alice', 'Editor');
      expect(await access.textContent()).toBe('as grafana:alice');
      const sent: { url: string; headers: Record<string, string>; body: string | null }[] = [];
      page.on('request', (r) => {
        if (r.url().includes('/api/plugin-proxy/')) {
          sent.push({ url: r.url(), headers: r.headers(), body: r.postData() });
        }
      });
      await page.getByTestId('fas-scale-button').click();
      await page.getByTestId('fas-scale-dialog').waitFor();
      expect(await page.getByTestId('fas-scale-dialog-access').textContent()).toBe(
        `You scale as grafana:alice: Kubernetes allows ${PERMISSION}.`,
      );
      expect(await page.getByTestId('fas-scale-projection').textContent()).toMatch(/CPU about [\d.]+ %/);
      await page.getByTestId('fas-scale-replicas').fill('6');
      await page.getByTestId('fas-scale-reason').fill('e2e: drain the backlog');
      await page.getByTestId('fas-scale-hold').fill('10');
      // Every field and the preview box inside the dialog (they ran about 40 px past its right edge).
      const overflow = await page.getByRole('dialog').evaluate((dialog) => {
        const d = dialog.getBoundingClientRect();
        return [...dialog.querySelectorAll('input, [data-testid="fas-scale-projection"], button')]
          .map((el) => ({ id: el.getAttribute('data-testid') ?? el.tagName, r: el.getBoundingClientRect() }))
          .filter(({ r }) => r.right > d.right + 0.5 || r.left < d.left - 0.5)
          .map(({ id, r }) => `${id} ends ${(r.right - d.right).toFixed(1)} px past the dialog`);
      });
      expect(overflow).toEqual([]);
      // The confirm button reads like Grafana's primary button: its text contrast is Grafana's own primary
      // button's (4.21:1 in the dark theme, measured here; Grafana's palette, not ours).
      // Measured once the button's colour transitions (disabled -> enabled) have finished.
      await page
        .getByTestId('fas-scale-confirm')
        .evaluate((b) =>
          Promise.all(b.getAnimations().map((x: { finished: Promise<unknown> }) => x.finished)),
        );
      await page.waitForTimeout(500);
      const contrast = await page.getByTestId('fas-scale-confirm').evaluate((b) => {
        const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
        const lum = (c: string) => {
          const [r, g, bl] = rgb(c).map((v) => {
            const s = v / 255;
            return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
          });
          return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
        };
        const style = (
          globalThis as unknown as {
            getComputedStyle(e: typeof b): { color: string; backgroundColor: string };
          }
        ).getComputedStyle(b);
        const [l1, l2] = [lum(style.color), lum(style.backgroundColor)].sort((x, y) => y - x);
        return (l1! + 0.05) / (l2! + 0.05);
      });
      expect(contrast).toBeGreaterThanOrEqual(4.2);
      await page.screenshot({ path: join(shots, 'scale-dialog-allowed.png') });
      // The gateway's own answer, in words: far more workers than the job's bounds.
      await page.getByTestId('fas-scale-replicas').fill('50000');
      await page.getByTestId('fas-scale-confirm').click();
      const error = page.getByTestId('fas-scale-error');
      await error.waitFor({ timeout: 20_000 });
      expect(await error.textContent()).toMatch(
        /Nothing was changed: that many workers is outside this job's bounds \(422: replicas must be from 1 to \d+/,
      );
      expect(deployment().spec?.taskManager?.replicas).toBe(4);
      await page.getByTestId('fas-scale-replicas').fill('6');
      const before = kube.requests().length;
      await page.getByTestId('fas-scale-confirm').click();
      const result = page.getByTestId('fas-scale-result');
      await result.waitFor({ timeout: 20_000 });
      expect(await result.textContent()).toMatch(
        /^Scale requested4 → 6 workers, by grafana:alice; the policy holds until \d\d:\d\d\.$/,
      );
      await page.screenshot({ path: join(shots, 'scale-dialog-done.png') });
      // Focus stays in the dialog, on an enabled control (the confirm button it was on is now disabled).
      const focus = await page.evaluate(() => {
        type Focused = { closest(s: string): unknown; disabled?: boolean; textContent: string | null };
        const el = (globalThis as unknown as { document: { activeElement: Focused | null } }).document
          .activeElement;
        return {
          inDialog: !!el?.closest('[role="dialog"]'),
          disabled: !!el?.disabled,
          text: el?.textContent,
        };
      });
      expect(focus).toEqual({ inDialog: true, disabled: false, text: 'Close' });

      // The browser posted to Grafana's own origin, without any token.
      const posts = sent.filter((s) => s.body !== null);
      expect(posts).toHaveLength(2);
      expect(posts[1]?.url).toBe(`${server.url}/api/plugin-proxy/${APP_ID}/gateway/${JOB_PATH}/scale`);
      expect(Object.keys(posts[1]?.headers ?? {}).map((h) => h.toLowerCase())).not.toContain('authorization');
      expect(JSON.parse(posts[1]?.body ?? '{}')).toEqual({
        replicas: 6,
        reason: 'e2e: drain the backlog',
        holdSeconds: 600,
      });
      // Grafana's route added its gateway token and the person: the login and the signed ID token.
      const call = proxied.at(-1);
      expect(call).toMatchObject({
        method: 'POST',
        url: `${settings.jsonData['gatewayUrl']}/${JOB_PATH}/scale`,
        headers: { Authorization: `Bearer ${GRAFANA_SA.token}`, 'X-Grafana-User': 'alice' },
      });
      expect(claims(call?.headers['X-Grafana-Id'])).toMatchObject({
        iss: `${host.url}/`,
        username: 'alice',
        type: 'user',
        aud: ['org:1'],
      });

      // The gateway wrote replicas and hold in the FlinkDeployment and an Event naming the person.
      await until('the FlinkDeployment has 6 replicas', 20, async () =>
        deployment().spec?.taskManager?.replicas === 6 ? true : undefined,
      );
      const hold = parseHold(deployment().metadata.annotations?.[HOLD_ANNOTATION] ?? '');
      expect(hold.ok && hold.hold).toMatchObject({
        replicas: 6,
        from: 4,
        by: 'grafana:alice',
        reason: 'e2e: drain the backlog',
      });
      expect(
        kube
          .events(NS)
          .some((e) => e.message?.includes('grafana:alice') && e.message.includes('from 4 to 6')),
      ).toBe(true);
      // What the gateway asked of Kubernetes: reviews, the FlinkDeployment, an Event. Never a pod.
      const asked = kube
        .requests()
        .slice(before)
        .filter((r) => r.user === GATEWAY_SA.username);
      expect(asked.length).toBeGreaterThan(0);
      const expected = new Set(['tokenreviews', 'subjectaccessreviews', 'flinkdeployments', 'events']);
      expect(asked.filter((r) => !expected.has(r.resource))).toEqual([]);
      expect(kube.requests().filter((r) => r.user === GATEWAY_SA.username && r.resource === 'pods')).toEqual(
        [],
      );
      expect(errors).toEqual([]);
      await page.close();
    }, 60_000);

    it('a person Kubernetes does not allow sees the refusal before and after the click, and nothing changes', async () => {
      const replicas = deployment().spec?.taskManager?.replicas;
      const holdBefore = deployment().metadata.annotations?.[HOLD_ANNOTATION];
      const { page, errors, access } = await panelAs(server, 'bob', 'Editor');
      // Before the click: the gateway's answer for bob, next to the button.
      expect(await access.textContent()).toBe(
        `You (grafana:bob) may not scale this job: that needs ${PERMISSION}.`,
      );
      const button = page.getByTestId('fas-scale-button');
      expect(await button.getAttribute('data-allowed')).toBe('false');
      // After the click: the dialog says so, what N would do is still there, and it cannot send.
      await button.click();
      const refusal = page.getByTestId('fas-scale-dialog-access');
      await refusal.waitFor();
      expect(await refusal.textContent()).toContain(
        `You (grafana:bob) may not scale this job: that needs ${PERMISSION}.`,
      );
      await page.getByTestId('fas-scale-reason').fill('e2e: bob tries');
      expect(await page.getByTestId('fas-scale-confirm').getAttribute('aria-disabled')).toBe('true');
      await page.screenshot({ path: join(shots, 'scale-dialog-refused.png') });
      const posts = proxied.filter((c) => c.method === 'POST').length;
      await page.getByTestId('fas-scale-confirm').click({ force: true });
      expect(proxied.filter((c) => c.method === 'POST').length).toBe(posts);

      // A POST sent anyway (a stale page, or one forging alice's identity headers) is refused by the
      // gateway for bob, naming the permission: Grafana replaced the browser's X-Grafana-User/X-Grafana-Id.
      const forged = await postFromPage(page, { 'X-Grafana-User': 'alice', 'X-Grafana-Id': 'forged.by.bob' });
      expect(forged.status).toBe(403);
      expect(JSON.parse(forged.body)).toMatchObject({
        error: { status: 403, reason: 'forbidden', permission: PERMISSION },
      });
      expect(JSON.parse(forged.body).error.message).toContain('grafana:bob may not scale');
      const call = proxied.at(-1);
      expect(call?.headers['X-Grafana-User']).toBe('bob');
      expect(claims(call?.headers['X-Grafana-Id'])).toMatchObject({ username: 'bob' });
      expect(deployment().spec?.taskManager?.replicas).toBe(replicas);
      expect(deployment().metadata.annotations?.[HOLD_ANNOTATION]).toBe(holdBefore);
      expect(errors).toEqual([]);
      await page.close();
    }, 60_000);

    it('a viewer may ask but not scale: the panel says why, and Grafana refuses the POST before the gateway', async () => {
      const { page, access } = await panelAs(server, 'alice', 'Viewer');
      expect(await access.textContent()).toBe(
        'Scaling through Grafana needs the Editor role (you are Viewer). The gateway knows you as grafana:alice.',
      );
      const seen = proxied.length;
      const refused = await postFromPage(page, {});
      expect(refused).toEqual({
        status: 403,
        body: JSON.stringify({ message: 'plugin proxy route access denied' }),
      });
      expect(proxied.length).toBe(seen);
      await page.close();
    }, 60_000);
  },
);
