/**
 * The fleet view against a real Prometheus holding thousands of jobs' series: an hour of generated sidecar
 * series (grafana-fleet-history.ts: a promtool-made TSDB block, the chart's recording rules backfilled by
 * promtool, Debian's Prometheus serving both). The fleet dashboard's queries (grafana-plugin/src/fleet/
 * queries.ts) must pick, at the end of the range, the jobs the generator says are furthest from their desired
 * size, held that would scale, and guarded (picked by the rules per namespace, then by the panel among those),
 * count every list, and add the worker-hours up; the lists' range queries read only the jobs of the variable
 * `listed`, resolved by its query as Grafana does. The built panel then shows them in Chromium (the plugin
 * harness), each row linking to its job's dashboard.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLEET_QUERIES, LIST_KEYS, RULES, type ListKey } from '../../grafana-plugin/src/fleet/queries.js';
import { launchChromium, openHostPage } from '../../grafana-plugin/tests/harness/browser.js';
import { buildHostBundle } from '../../grafana-plugin/tests/harness/host-bundle.js';
import {
  prefixProxy,
  startHostServer,
  type HostServer,
} from '../../grafana-plugin/tests/harness/host-server.js';
import { PANEL_DIST } from '../../grafana-plugin/tests/harness/paths.js';
import { expandVariables, resolveListed, type FleetVariables } from './grafana-fleet-variables.js';
import {
  SCRAPE,
  job,
  startFleetPrometheus,
  toDesiredAt,
  workersAt,
  type FleetPrometheus,
  type FleetShape,
} from './grafana-fleet-history.js';

const JOBS = 2000;
const TOP = 10;
const END = Math.floor(Date.now() / 1000 / 60) * 60 - 3600;
const shape: FleetShape = { jobs: JOBS, start: END - 3600, end: END };
const STEP = 60;
const BASE = { namespace: 'team-.*', top: String(TOP), __range: `${shape.end - shape.start}s` };
const PANEL_ID = 'fas-flinkautoscaler-panel';

let prom: FleetPrometheus;
let variables: FleetVariables;

interface PromSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

async function rangeQuery(expr: string): Promise<PromSeries[]> {
  const params = new URLSearchParams({
    query: expandVariables(expr, variables),
    start: String(shape.start),
    end: String(shape.end),
    step: String(STEP),
  });
  const body = (await (await fetch(`${prom.url}/api/v1/query_range?${params}`)).json()) as {
    status: string;
    error?: string;
    data: { result: PromSeries[] };
  };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return body.data.result;
}

const answer = (refId: string) => {
  const q = FLEET_QUERIES.find((f) => f.refId === refId);
  if (!q) throw new Error(`no query ${refId}`);
  return rangeQuery(q.expr);
};
const lastValue = (s: PromSeries) => Number(s.values.at(-1)?.[1]);
const indexOf = (name: string) => Number(name.replace('job-', ''));
const all = Array.from({ length: JOBS }, (_, k) => k);
const gapAtEnd = (k: number) => toDesiredAt(k, shape.end, shape);
const held = (k: number) => job(k).paused || job(k).manualHold || job(k).advisor;

/** What each list must hold (its candidates), by the generator, not by Prometheus. */
const CANDIDATES: Record<ListKey, number[]> = {
  offSize: all.filter((k) => gapAtEnd(k) !== 0),
  held: all.filter((k) => gapAtEnd(k) !== 0 && held(k)),
  guarded: all.filter((k) => job(k).guards.length > 0),
};

beforeAll(async () => {
  prom = await startFleetPrometheus(shape, (line) => process.stderr.write(`fleet: ${line}\n`));
  variables = await resolveListed(prom.url, BASE, shape.end);
}, 240_000);

afterAll(async () => {
  await prom?.stop();
});

describe(`the fleet view's queries over ${JOBS} jobs in Prometheus`, () => {
  it('has jobs in every list, and jobs that were off their size only earlier (picked at the end, not per step)', () => {
    for (const key of LIST_KEYS) expect(CANDIDATES[key].length, key).toBeGreaterThan(TOP);
    const earlier = all.filter((k) => toDesiredAt(k, shape.start, shape) !== 0 && gapAtEnd(k) === 0);
    expect(earlier.length).toBeGreaterThan(100);
  });

  for (const key of LIST_KEYS) {
    it(`${key}: the ${TOP} jobs furthest from their desired size at the end, with their workers over the hour`, async () => {
      const result = await answer(key);
      const workers = result.filter((s) => s.metric['series'] === 'workers');
      const toDesired = result.filter((s) => s.metric['series'] === 'toDesired');
      expect(workers).toHaveLength(TOP);
      expect(toDesired.map((s) => s.metric['flinkdeployment']).sort()).toEqual(
        workers.map((s) => s.metric['flinkdeployment']).sort(),
      );
      const picked = workers.map((s) => indexOf(s.metric['flinkdeployment'] as string));
      for (const k of picked) expect(CANDIDATES[key], `job-${k}`).toContain(k);
      // The furthest: ties may go either way, the distances may not.
      const distance = (k: number) => Math.abs(gapAtEnd(k));
      const best = CANDIDATES[key].map(distance).sort((a, b) => b - a);
      expect(picked.map(distance).sort((a, b) => b - a)).toEqual(best.slice(0, TOP));
      for (const s of toDesired) {
        const k = indexOf(s.metric['flinkdeployment'] as string);
        expect(lastValue(s), `job-${k}`).toBe(gapAtEnd(k));
        expect(s.metric['namespace']).toBe(job(k).namespace);
      }
      // The same jobs at every step: a sparkline over the whole hour, its steps where the generator has them.
      for (const s of workers) {
        const k = indexOf(s.metric['flinkdeployment'] as string);
        expect(s.values.length, `job-${k}`).toBeGreaterThanOrEqual((shape.end - shape.start) / STEP - 1);
        for (const [t, v] of s.values) {
          const raw = shape.start + Math.floor((t - shape.start) / SCRAPE) * SCRAPE;
          // A recorded sample is at most a minute old: at a change, it may still hold the raw value before.
          expect([workersAt(k, raw, shape), workersAt(k, raw - SCRAPE, shape)], `job-${k} at ${t}`).toContain(
            Number(v),
          );
        }
        expect(Number(s.values.at(-1)?.[1])).toBe(workersAt(k, shape.end, shape));
      }
    });
  }

  it('names what holds each job listed: paused, manual hold, advisor, its guards', async () => {
    const result = await answer('holds');
    const listed = new Set<number>();
    for (const key of LIST_KEYS)
      for (const s of await answer(key)) listed.add(indexOf(s.metric['flinkdeployment'] as string));
    const seen = new Map<number, string[]>();
    for (const s of result) {
      const k = indexOf(s.metric['flinkdeployment'] as string);
      expect(listed.has(k), `job-${k} is listed`).toBe(true);
      expect(lastValue(s)).toBe(1);
      seen.set(k, [...(seen.get(k) ?? []), s.metric['hold'] ?? `guard:${s.metric['guard']}`]);
    }
    for (const k of listed) {
      const j = job(k);
      const expected = [
        ...(j.advisor ? ['advisor'] : []),
        ...(j.manualHold ? ['manual-hold'] : []),
        ...(j.paused ? ['paused'] : []),
        ...j.guards.map((g) => `guard:${g}`),
      ].sort();
      expect((seen.get(k) ?? []).sort(), `job-${k}`).toEqual(expected);
    }
  });

  it('counts every job and every list before topk', async () => {
    const totals = Object.fromEntries((await answer('totals')).map((s) => [s.metric['total'], lastValue(s)]));
    expect(totals).toEqual({
      jobs: JOBS,
      offSize: CANDIDATES.offSize.length,
      held: CANDIDATES.held.length,
      guarded: CANDIDATES.guarded.length,
    });
  });

  it('lists in $listed exactly the jobs the lists pick', async () => {
    const picked = new Set<string>();
    for (const key of LIST_KEYS)
      for (const s of await answer(key)) picked.add(s.metric['flinkdeployment'] as string);
    expect(variables.listed.slice(1, -1).split('|').sort()).toEqual([...picked].sort());
    expect(picked.size).toBeGreaterThan(TOP);
  });

  it('adds up worker-hours used, and at a fixed size: each namespace at its peak for as long as it reported', async () => {
    // The rules' evaluation times as Prometheus holds them (the range the query reads, at its end): promtool
    // aligns them as Prometheus does (a per-group offset in the minute, from the rule file's path), but
    // backfills per 2-hour block and ends each block a second early, so an evaluation in the last second
    // before a block boundary is never written. The sums must be over the evaluations that exist.
    const params = new URLSearchParams({
      query: `${RULES.namespaceWorkers}{namespace="${job(0).namespace}"}[${shape.end - shape.start}s]`,
      time: String(shape.end),
    });
    const body = (await (await fetch(`${prom.url}/api/v1/query?${params}`)).json()) as {
      data: { result: { values: [number, string][] }[] };
    };
    const evals = (body.data.result[0]?.values ?? []).map(([t]) => t);
    expect(evals.at(-1)).toBeGreaterThan(shape.end - 60);
    expect(evals[0]).toBeLessThan(shape.start + 60);
    // One a minute, but for at most the one lost at a block boundary.
    expect(evals.length).toBeGreaterThanOrEqual((shape.end - shape.start) / 60 - 1);
    for (let i = 1; i < evals.length; i++) expect([60, 120]).toContain(Math.round(evals[i]! - evals[i - 1]!));
    const perNamespace = new Map<string, number[]>();
    for (const k of all) {
      const sums = perNamespace.get(job(k).namespace) ?? evals.map(() => 0);
      evals.forEach((t, i) => {
        sums[i] =
          (sums[i] ?? 0) + workersAt(k, shape.start + Math.floor((t - shape.start) / SCRAPE) * SCRAPE, shape);
      });
      perNamespace.set(job(k).namespace, sums);
    }
    let fixed = 0;
    let used = 0;
    for (const sums of perNamespace.values()) {
      fixed += Math.max(...sums) * sums.length;
      used += sums.reduce((a, b) => a + b, 0);
    }
    const hours = Object.fromEntries((await answer('hours')).map((s) => [s.metric['hours'], lastValue(s)]));
    expect(hours['fixed']).toBeCloseTo(fixed / 60, 6);
    expect(hours['used']).toBeCloseTo(used / 60, 6);
    expect(hours['fixed']).toBeGreaterThan(hours['used'] as number);
    process.stderr.write(
      `fleet: ${JOBS} jobs, ${evals.length} recorded minutes: ${(used / 60).toFixed(1)} worker-hours used, ` +
        `${(fixed / 60).toFixed(1)} at each namespace's peak\n`,
    );
  });
});

describe('the fleet view in Chromium, fed by that Prometheus', () => {
  let browser: Browser;
  let host: HostServer;

  beforeAll(async () => {
    const hostJs = await buildHostBundle(mkdtempSync(join(tmpdir(), 'fa-fleet-host-')));
    host = await startHostServer({
      hostJs,
      plugins: { [PANEL_ID]: PANEL_DIST },
      handlers: [prefixProxy('/api/datasources/proxy/uid/prometheus', () => prom.url)],
    });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
  });

  it('shows each list’s jobs furthest first, in words, linked to their dashboards, under the headline', async () => {
    const { page, errors } = await openHostPage(browser, host.url, 'Viewer', { width: 1400, height: 900 });
    const request = {
      moduleUrl: `/public/plugins/${PANEL_ID}/module.js`,
      prometheusPath: '/api/datasources/proxy/uid/prometheus',
      queries: FLEET_QUERIES.map((q) => ({ refId: q.refId, expr: q.expr })),
      variables,
      from: shape.start * 1000,
      to: shape.end * 1000,
      step: STEP,
      options: { view: 'fleet' },
      width: 1400,
      height: 900,
      theme: 'dark' as const,
    };
    await page.evaluate(
      (r) =>
        (globalThis as unknown as { fasHost: { render(x: typeof r): Promise<unknown> } }).fasHost.render(r),
      request,
    );
    const offSize = page.getByTestId('fas-fleet-list-offSize').getByTestId('fas-fleet-row');
    expect(await offSize.count()).toBe(TOP);
    const names = await offSize.locator('a').allTextContents();
    const distances = names.map((n) => Math.abs(gapAtEnd(indexOf(n.split('/')[1] as string))));
    expect(distances).toEqual([...distances].sort((a, b) => b - a));
    const first = indexOf(names[0]?.split('/')[1] as string);
    const w = workersAt(first, shape.end, shape);
    const d = gapAtEnd(first);
    expect(await offSize.first().getByTestId('fas-fleet-decision').textContent()).toBe(
      `${d > 0 ? 'Scale up' : 'Scale down'}: ${w} → ${w + d} workers`,
    );
    const href = new URL((await offSize.first().locator('a').getAttribute('href')) ?? '', host.url);
    expect(href.pathname).toBe('/d/flink-autoscaler-job');
    expect(href.searchParams.get('var-flinkdeployment')).toBe(`job-${first}`);
    expect(href.searchParams.get('var-namespace')).toBe(job(first).namespace);
    // Grafana's Sparkline drew on its canvas.
    expect(await offSize.first().getByTestId('fas-fleet-sparkline').locator('canvas').count()).toBe(1);
    const totals = await page.getByTestId('fas-fleet-totals').textContent();
    expect(totals).toContain(
      `${JOBS.toLocaleString('en')} jobs · ${CANDIDATES.offSize.length.toLocaleString('en')} off`,
    );
    expect(await page.getByTestId('fas-fleet-saved').textContent()).toMatch(/^[\d,]+ worker-hours saved$/);
    expect(
      await page.getByTestId('fas-fleet-list-held').getByTestId('fas-fleet-hold').count(),
    ).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  }, 60_000);
});
