/**
 * Benchmark: the fleet view over 40,000 jobs in a real Prometheus (Debian's), in Chromium. An hour of every
 * job's sidecar series at 1 min is generated (test/e2e/grafana-fleet-history.ts: about 22.7 M samples in a
 * promtool-made TSDB block), the chart's recording rules backfilled by promtool, and the built panel
 * (grafana-plugin/dist, `view: fleet`) rendered by the plugin harness with the fleet dashboard's queries
 * through a stand-in of Grafana's data source proxy. Before each render the dashboard variable `listed` is
 * resolved by its query through that proxy, as Grafana does before the panel queries, and its time counts.
 * Prints the figures, lists the PromQL sent (captured at the proxy), records the machine's load average, and
 * writes fleet-panel.json and fleet-panel.md beside this file.
 * Target: first render (variable and queries answered, the view drawn) at most 1 s.
 *
 * Usage: tsx test/bench/fleet-panel.ts [--jobs 40000] [--data DIR]
 *   --data keeps the generated Prometheus data in DIR and reuses it when DIR/shape.json matches.
 * Needs a build of the plugin (cd grafana-plugin && tsx scripts/build.ts --no-zip).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { format } from 'prettier';
import { FLEET_QUERIES } from '../../grafana-plugin/src/fleet/queries.js';
import { launchChromium, openHostPage } from '../../grafana-plugin/tests/harness/browser.js';
import { buildHostBundle } from '../../grafana-plugin/tests/harness/host-bundle.js';
import {
  prefixProxy,
  startHostServer,
  type Handler,
} from '../../grafana-plugin/tests/harness/host-server.js';
import { PANEL_DIST } from '../../grafana-plugin/tests/harness/paths.js';
import {
  openFleetPrometheus,
  startFleetPrometheus,
  type FleetPrometheus,
  type FleetShape,
} from '../e2e/grafana-fleet-history.js';
import { expandVariables, resolveListed, type FleetVariables } from '../e2e/grafana-fleet-variables.js';
import { LISTED_QUERY } from '../../grafana-plugin/src/fleet/queries.js';

const here = dirname(fileURLToPath(import.meta.url));
const PANEL_ID = 'fas-flinkautoscaler-panel';
const PROXY = '/api/datasources/proxy/uid/prometheus';
const TARGET_MS = 1000;
const RUNS = 7;
const SIZE = { width: 1400, height: 900 };
/** Points per sparkline: the fleet dashboard's maxDataPoints. */
const POINTS = 60;

const { values: args } = parseArgs({
  options: { jobs: { type: 'string', default: '40000' }, data: { type: 'string' } },
});
const jobs = Number(args.jobs);
const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

const dataDir = args.data;
if (dataDir) mkdirSync(dataDir, { recursive: true });
const kept = dataDir ? join(dataDir, 'shape.json') : undefined;
const saved =
  kept && existsSync(kept) && existsSync(join(dataDir as string, 'data'))
    ? (JSON.parse(readFileSync(kept, 'utf8')) as FleetShape & {
        samples: number;
        seconds: FleetPrometheus['seconds'];
      })
    : undefined;
const reuse = saved?.jobs === jobs;
const end = Math.floor(Date.now() / 1000 / 60) * 60 - 3600;
const shape: FleetShape = reuse && saved ? saved : { jobs, start: end - 3600, end };
let prom = reuse
  ? await openFleetPrometheus(dataDir as string, shape, log)
  : await startFleetPrometheus(shape, log, dataDir);
if (reuse && saved) {
  // The figures of the run that generated the data.
  prom = { ...prom, samples: saved.samples, seconds: { ...saved.seconds, start: prom.seconds.start } };
} else if (kept)
  writeFileSync(kept, JSON.stringify({ ...shape, samples: prom.samples, seconds: prom.seconds }));
const rangeSeconds = shape.end - shape.start;
const step = Math.max(60, Math.ceil(rangeSeconds / POINTS));
const base = { namespace: '.+', top: '10', __range: `${rangeSeconds}s` };
const loadBefore = loadavg();
log(`load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);

// What the page sends, as Grafana's data source proxy would see it.
const sent: string[] = [];
const record: Handler = async (req) => {
  const url = new URL(req.url ?? '/', 'http://host');
  if (url.pathname.startsWith(PROXY)) sent.push(url.searchParams.get('query') ?? '');
  return false;
};
const hostJs = await buildHostBundle(mkdtempSync(join(tmpdir(), 'fa-fleet-bench-')));
const host = await startHostServer({
  hostJs,
  plugins: { [PANEL_ID]: PANEL_DIST },
  handlers: [record, prefixProxy(PROXY, () => prom.url)],
});
const browser = await launchChromium();
const alone: { refId: string; ms: number; series: number }[] = [];
let variables: FleetVariables | undefined;
const runs: {
  variableMs: number;
  queryMs: number;
  renderMs: number;
  frameMs: number;
  totalMs: number;
  rows: number;
}[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    // A fresh page each time: the module loaded, React mounted, nothing cached in the page.
    const { page, errors } = await openHostPage(browser, host.url, 'Viewer', SIZE);
    sent.length = 0;
    // Grafana resolves `listed` (through its data source proxy) before the panel's queries.
    const v0 = performance.now();
    const resolved = await resolveListed(`${host.url}${PROXY}`, base, shape.end);
    const variableMs = performance.now() - v0;
    const r = (await page.evaluate(
      (request) =>
        (
          globalThis as unknown as {
            fasHost: { render(x: unknown): Promise<{ queryMs: number; renderMs: number; frameMs: number }> };
          }
        ).fasHost.render(request),
      {
        moduleUrl: `/public/plugins/${PANEL_ID}/module.js`,
        prometheusPath: PROXY,
        queries: FLEET_QUERIES.map((q) => ({ refId: q.refId, expr: q.expr })),
        variables: resolved,
        from: shape.start * 1000,
        to: shape.end * 1000,
        step,
        options: { view: 'fleet' },
        ...SIZE,
        theme: 'dark',
      },
    )) as { queryMs: number; renderMs: number; frameMs: number };
    const rows = await page.getByTestId('fas-fleet-row').count();
    if (rows === 0 || errors.length > 0)
      throw new Error(`the view shows no rows or the page failed: ${errors.join('; ')}`);
    runs.push({ variableMs, ...r, totalMs: variableMs + r.queryMs + r.frameMs, rows });
    log(
      `run ${i + 1}: variable ${variableMs.toFixed(0)} ms, queries ${r.queryMs.toFixed(0)} ms, render ${r.renderMs.toFixed(1)} ms, ` +
        `to the next frame ${r.frameMs.toFixed(1)} ms, ${rows} rows`,
    );
    if (i === RUNS - 1) await page.screenshot({ path: join(here, 'fleet-panel.png') });
    await page.close();
  }
  // Each query alone, as Prometheus answers it (warm: after one untimed pass), after the pages: their first
  // render is the first time Prometheus answers these queries.
  for (const pass of [0, 1]) {
    let t = performance.now();
    variables = await resolveListed(prom.url, base, shape.end);
    if (pass === 1)
      alone.push({
        refId: 'listed (variable)',
        ms: performance.now() - t,
        series: variables.listed.split('|').length,
      });
    for (const q of FLEET_QUERIES) {
      const expr = expandVariables(q.expr, variables);
      const params = new URLSearchParams({
        query: expr,
        start: String(shape.start),
        end: String(shape.end),
        step: String(step),
      });
      t = performance.now();
      const body = (await (await fetch(`${prom.url}/api/v1/query_range?${params}`)).json()) as {
        status: string;
        error?: string;
        data?: { result: unknown[] };
      };
      const ms = performance.now() - t;
      if (body.status !== 'success') throw new Error(`${q.refId}: ${body.error}`);
      if (pass === 1) alone.push({ refId: q.refId, ms, series: body.data?.result.length ?? 0 });
    }
  }
  for (const a of alone) log(`query ${a.refId}: ${a.ms.toFixed(0)} ms, ${a.series} series`);
} finally {
  await browser.close();
  await host.close();
  await prom.stop();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const first = runs[0] as (typeof runs)[number];
const rest = runs.slice(1);
const result = {
  jobs,
  samples: prom.samples,
  rangeSeconds,
  stepSeconds: step,
  setupSeconds: prom.seconds,
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model ?? 'unknown',
    loadAverageBefore: loadBefore,
    loadAverageAfter: loadavg(),
  },
  targetMs: TARGET_MS,
  first,
  medianLater: {
    variableMs: median(rest.map((r) => r.variableMs)),
    queryMs: median(rest.map((r) => r.queryMs)),
    renderMs: median(rest.map((r) => r.renderMs)),
    frameMs: median(rest.map((r) => r.frameMs)),
    totalMs: median(rest.map((r) => r.totalMs)),
  },
  runs,
  queriesAlone: alone,
  listedQuery: LISTED_QUERY,
  promqlSent: [...sent],
};
// Formatted as the repository's format check wants it.
writeFileSync(
  join(here, 'fleet-panel.json'),
  await format(JSON.stringify(result, null, 2), { parser: 'json' }),
);

const ms = (v: number) => `${v.toFixed(v < 10 ? 1 : 0)} ms`;
const md = [
  '# Fleet view: first render over 40,000 jobs',
  '',
  `Written by \`tsx test/bench/fleet-panel.ts\` (${new Date().toISOString().slice(0, 10)}); figures in fleet-panel.json.`,
  `${jobs.toLocaleString('en')} jobs, an hour of their sidecar series at 1 min (${prom.samples.toLocaleString('en')} samples, ` +
    'test/e2e/grafana-fleet-history.ts) in a promtool-made TSDB block, the chart’s recording rules backfilled by ' +
    'promtool, served by Debian’s Prometheus; the built panel (`view: fleet`) in Debian’s Chromium through the plugin ' +
    `harness, ${SIZE.width}×${SIZE.height}, the fleet dashboard’s queries over the hour at a ${step} s step ` +
    `(${POINTS} points per sparkline), top 10 per list, all namespaces. Machine: ${result.machine.cpus} cores ` +
    `(${result.machine.model}), shared with other work: load average (1, 5, 15 min) ` +
    `${loadBefore.map((l) => l.toFixed(2)).join(', ')} before, ` +
    `${result.machine.loadAverageAfter.map((l) => l.toFixed(2)).join(', ')} after.`,
  '',
  `Target: first render at most ${TARGET_MS} ms (the variable \`listed\` resolved, then the page's queries ` +
    'answered, the view drawn to the next frame).',
  '',
  '| | variable `listed` | queries (parallel, from the page) | render (React commit + layout) | to the next frame | total |',
  '|---|---:|---:|---:|---:|---:|',
  `| first page (Prometheus just started: the first time it answers these queries) | ${ms(first.variableMs)} | ${ms(first.queryMs)} | ${ms(first.renderMs)} | ${ms(first.frameMs)} | ${ms(first.totalMs)} |`,
  `| median of the next ${rest.length} (fresh page each) | ${ms(result.medianLater.variableMs)} | ${ms(result.medianLater.queryMs)} | ${ms(result.medianLater.renderMs)} | ${ms(result.medianLater.frameMs)} | ${ms(result.medianLater.totalMs)} |`,
  '',
  'Each query alone (sequential, warm):',
  '',
  '| refId | ms | series |',
  '|---|---:|---:|',
  ...alone.map((a) => `| ${a.refId} | ${ms(a.ms)} | ${a.series} |`),
  '',
  `Setup (not part of the render): history written in ${prom.seconds.write.toFixed(0)} s, blocks in ` +
    `${prom.seconds.blocks.toFixed(0)} s, rules backfilled in ${prom.seconds.rules.toFixed(0)} s.`,
  '',
  'The PromQL sent for a render, the variable `listed` first (Grafana’s `$namespace`, `$top`, `$__range` ' +
    'and `$listed` filled in):',
  '',
  ...sent.map((q) => `- \`${q}\``),
  '',
];
writeFileSync(join(here, 'fleet-panel.md'), md.join('\n'));
log(
  `first render ${ms(first.totalMs)} (queries ${ms(first.queryMs)}), median after ${ms(result.medianLater.totalMs)}; ` +
    `target ${TARGET_MS} ms ${first.totalMs <= TARGET_MS ? 'met' : 'NOT met'}`,
);
