/**
 * The panel's signal charts (Grafana's uPlot through @grafana/ui) in a real browser: the built
 * grafana-plugin/dist/module.js taken by SystemJS in Debian's Chromium with React and @grafana/* from the
 * host page (grafana-plugin/tests/harness), rendered as Grafana renders a panel, with the props Grafana gives:
 * the panel's event bus (recorded here) and onChangeTimeRange (recorded here). Six hours of a job at 15 s
 * with a scale-up by a person and a scale-down by the policy. It proves what a Grafana user does with a time
 * series: hover for a tooltip, the crosshair published on the event bus and shared by the other charts,
 * drag to zoom (the dashboard's time range changes), the legend, the threshold labels clear of the y axis,
 * and a marker at each scaling on every chart whose tooltip says from, to, who and why.
 * Screenshots go to .test-results/grafana-panel-charts/.
 */
import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PANEL_QUERIES, type SeriesKey } from '../../grafana-plugin/src/data/queries.js';
import { launchChromium, openHostPage } from '../../grafana-plugin/tests/harness/browser.js';
import { buildHostBundle } from '../../grafana-plugin/tests/harness/host-bundle.js';
import { startHostServer, type HostServer } from '../../grafana-plugin/tests/harness/host-server.js';
import { PANEL_DIST } from '../../grafana-plugin/tests/harness/paths.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const out = join(root, '.test-results/grafana-panel-charts');
const PANEL_ID = 'fas-flinkautoscaler-panel';
const STEP = 15_000;
const POINTS = (6 * 3600 * 1000) / STEP;
const END = Date.UTC(2026, 5, 8, 12, 0, 0);
const FROM = END - (POINTS - 1) * STEP;
/** alice scales 4 → 8 by hand at 2 h; the policy scales 8 → 6 at 4 h (low CPU, backlog gone). */
const MANUAL_AT = FROM + 2 * 3600 * 1000;
const POLICY_AT = FROM + 4 * 3600 * 1000;
const CHARTS = ['backlogTime', 'cpu', 'backlog', 'backlogGrowth', 'throughput', 'workers'];
const SIZE = { width: 1200, height: 700 };

interface FrameSpec {
  refId: string;
  labels: Record<string, string>;
  times: number[];
  values: number[];
}

function frames(): FrameSpec[] {
  const times = Array.from({ length: POINTS }, (_, i) => FROM + i * STEP);
  const job = { namespace: 'streaming', flinkdeployment: 'clickstream' };
  const workers = times.map((t) => (t < MANUAL_AT ? 4 : t < POLICY_AT ? 8 : 6));
  const wave = (i: number) => Math.sin((2 * Math.PI * i) / 480);
  const throughput = times.map((_, i) => 4000 + 1500 * wave(i));
  const series: Partial<Record<SeriesKey, number[]>> = {
    workers,
    desired: workers,
    throughput,
    backlog: times.map((_, i) => Math.max(0, 200_000 * wave(i))),
    backlogGrowth: times.map((_, i) => 300 * Math.cos((2 * Math.PI * i) / 480)),
    backlogTime: times.map((_, i) => Math.max(0, 50 * wave(i))),
    cpu: times.map((_, i) => 0.6 + 0.3 * wave(i)),
    scaleUpBacklogTime: times.map(() => 120),
    scaleDownBacklogTime: times.map(() => 10),
    scaleUpCpu: times.map(() => 0.9),
    scaleDownCpu: times.map(() => 0.7),
  };
  const list: FrameSpec[] = Object.entries(series).map(([refId, values]) => ({
    refId,
    labels: { __name__: PANEL_QUERIES.find((q) => q.refId === refId)?.metric ?? refId, ...job },
    times,
    values,
  }));
  const decision = (action: string) => times.map(() => (action === 'none' ? 1 : 0));
  for (const action of ['scale-up', 'scale-down', 'none']) {
    list.push({
      refId: 'decision',
      labels: { __name__: 'flink_autoscaler_decision', ...job, action },
      times,
      values: decision(action),
    });
  }
  list.push({
    refId: 'mode',
    labels: { __name__: 'flink_autoscaler_mode', ...job, mode: 'active' },
    times,
    values: times.map(() => 1),
  });
  // The sidecar's recent scalings: one series each, its value the time of the scaling (Unix seconds).
  const recent = (at: number, labels: Record<string, string>) => ({
    refId: 'recentScalings',
    labels: { __name__: 'flink_autoscaler_recent_scaling_timestamp_seconds', ...job, ...labels },
    times: times.filter((t) => t >= at),
    values: times.filter((t) => t >= at).map(() => at / 1000),
  });
  list.push(
    recent(MANUAL_AT, { direction: 'up', trigger: 'manual', by: 'grafana:alice', from: '4', to: '8' }),
    recent(POLICY_AT, {
      direction: 'down',
      trigger: 'policy',
      by: 'flink-autoscaler',
      from: '8',
      to: '6',
      reasons: 'cpu-low',
    }),
  );
  return list;
}

/**
 * Renders the panel as Grafana does, with the host page's React and @grafana/* (SystemJS), and records
 * what it publishes on its event bus and each onChangeTimeRange call in window.fasCharts.
 */
async function renderPanel(page: Page, theme: 'dark' | 'light', list = frames()): Promise<void> {
  await page.evaluate(
    async ([list, r]) => {
      type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
      const g = globalThis as unknown as Any;
      const S = g['System'] as { import(id: string): Promise<Any> };
      const [React, ReactDOM, client, data, ui, plugin] = await Promise.all([
        S.import('react'),
        S.import('react-dom'),
        S.import('react-dom/client'),
        S.import('@grafana/data'),
        S.import('@grafana/ui'),
        S.import(r.moduleUrl),
      ]);
      const recorded = (g['fasCharts'] ??= { events: [], timeRanges: [] }) as Any;
      recorded['events'] = [];
      recorded['timeRanges'] = [];
      const eventBus = new data['EventBusSrv']();
      eventBus.subscribe(data['DataHoverEvent'], (e: Any) =>
        recorded['events'].push({ type: e.type, time: e.payload?.point?.time ?? null }),
      );
      eventBus.subscribe(data['DataHoverClearEvent'], (e: Any) =>
        recorded['events'].push({ type: e.type, time: null }),
      );
      const timeRange = {
        from: data['dateTime'](r.from),
        to: data['dateTime'](r.to),
        raw: { from: 'now-6h', to: 'now' },
      };
      const themeObj = data['createTheme']({ colors: { mode: r.theme } });
      const doc = g['document'] as Any;
      doc['body'].style.background = themeObj.colors.background.canvas;
      doc['body'].style.fontFamily = themeObj.typography.fontFamily;
      const panel = plugin['plugin'];
      const props = {
        id: 7,
        title: 'Flink autoscaler',
        data: { state: data['LoadingState'].Done, series: g['fasHost'].framesFrom(list), timeRange },
        timeRange,
        timeZone: 'utc',
        options: { ...panel.defaults },
        fieldConfig: { defaults: {}, overrides: [] },
        transparent: false,
        width: r.width,
        height: r.height,
        renderCounter: 0,
        eventBus,
        replaceVariables: (s: string) => s,
        onOptionsChange: () => undefined,
        onFieldConfigChange: () => undefined,
        onChangeTimeRange: (range: { from: number; to: number }) =>
          recorded['timeRanges'].push({ from: range.from, to: range.to }),
      };
      const container = doc['getElementById']('panel') as Any;
      container.style.width = `${r.width}px`;
      container.style.height = `${r.height}px`;
      (g['fasChartsRoot'] as Any | undefined)?.unmount();
      const root = client['createRoot'](container);
      g['fasChartsRoot'] = root;
      ReactDOM['flushSync'](() =>
        root.render(
          React['createElement'](
            ui['ThemeContext'].Provider,
            { value: themeObj },
            React['createElement'](panel.panel, props),
          ),
        ),
      );
    },
    [
      list,
      { moduleUrl: `/public/plugins/${PANEL_ID}/module.js`, from: FROM, to: END, theme, ...SIZE },
    ] as const,
  );
  for (const id of CHARTS) await page.locator(`[data-testid="fas-chart-${id}"] .u-over`).waitFor();
  await page.getByTestId('fas-scaling-marker').first().waitFor();
}

interface Recorded {
  events: { type: string; time: number | null }[];
  timeRanges: { from: number; to: number }[];
}
const recorded = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { fasCharts: Recorded }).fasCharts);

/** The plot area (uPlot's .u-over) of a chart, in page px. */
async function plotBox(page: Page, chart: string) {
  const box = await page.locator(`[data-testid="fas-chart-${chart}"] .u-over`).boundingBox();
  if (!box) throw new Error(`${chart}: no plot area`);
  return box;
}

let host: HostServer;
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  mkdirSync(out, { recursive: true });
  host = await startHostServer({
    hostJs: await buildHostBundle(mkdtempSync(join(tmpdir(), 'fa-charts-'))),
    plugins: { [PANEL_ID]: PANEL_DIST },
  });
  browser = await launchChromium();
  ({ page, errors } = await openHostPage(browser, host.url, 'Editor', {
    width: SIZE.width + 40,
    height: SIZE.height + 200,
  }));
  await renderPanel(page, 'dark');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await host?.close();
});

describe("the panel's charts in Chromium, as Grafana's own", () => {
  it('gets uPlot’s stylesheet from the host page, as from Grafana’s bundle: the overlay lies on the canvas', async () => {
    const applied = await page.evaluate(() => {
      type El = { getBoundingClientRect(): { left: number; top: number; width: number; height: number } };
      const g = globalThis as unknown as {
        document: {
          styleSheets: Iterable<{ href: string | null; cssRules: { length: number } }>;
          querySelector(s: string): El | null;
        };
        getComputedStyle(e: El): { position: string };
      };
      const sheet = [...g.document.styleSheets].find((x) => x.href?.endsWith('/public/build/uplot.css'));
      const over = g.document.querySelector('[data-testid="fas-chart-workers"] .u-over');
      const canvas = g.document.querySelector('[data-testid="fas-chart-workers"] .uplot canvas');
      return {
        rules: sheet?.cssRules.length ?? 0,
        position: over === null ? null : g.getComputedStyle(over).position,
        // uPlot's CSS puts the overlay over the plotting area of the canvas (without it, under the canvas).
        overlayOnCanvas:
          over !== null &&
          canvas !== null &&
          over.getBoundingClientRect().top <
            canvas.getBoundingClientRect().top + canvas.getBoundingClientRect().height,
      };
    });
    expect(applied.rules).toBeGreaterThan(10);
    expect(applied.position).toBe('absolute');
    expect(applied.overlayOnCanvas).toBe(true);
  });

  it('shows the time and every line’s value in a tooltip on hover', async () => {
    const box = await plotBox(page, 'workers');
    // 3 h into the range: 8 workers, alice's scale-up before, the policy's scale-down after.
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const tooltip = page.getByTestId('fas-chart-tooltip');
    await tooltip.waitFor();
    const text = (await tooltip.textContent()) ?? '';
    expect(text).toMatch(/2026-06-08 0[89]:\d\d:\d\d/);
    expect(text).toContain('workers8');
    expect(text).toContain('desired8');
    const shot = join(out, 'charts-hover-tooltip-dark.png');
    await page.screenshot({ path: shot });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
  });

  it('publishes the crosshair on the panel’s event bus, and the other charts follow it', async () => {
    const box = await plotBox(page, 'cpu');
    await page.evaluate(() => {
      (globalThis as unknown as { fasCharts: Recorded }).fasCharts.events = [];
    });
    const x = box.x + box.width * 0.25;
    await page.mouse.move(x, box.y + box.height / 2);
    await page.waitForFunction(
      () => (globalThis as unknown as { fasCharts: Recorded }).fasCharts.events.length > 0,
    );
    const hover = (await recorded(page)).events.find((e) => e.type === 'data-hover');
    // The time under the pointer, a quarter into the range (one step of tolerance per pixel).
    const expected = FROM + (END - FROM) * 0.25;
    expect(hover?.time).toBeGreaterThan(expected - (END - FROM) / box.width - STEP);
    expect(hover?.time).toBeLessThan(expected + (END - FROM) / box.width + STEP);
    // The throughput chart's crosshair stands at the same time in its own plot (its y axis is wider or
    // narrower, so the same share of its width).
    const other = await plotBox(page, 'throughput');
    const cursor = await page
      .locator('[data-testid="fas-chart-throughput"] .u-cursor-x')
      .evaluate((el) => el.getBoundingClientRect().left);
    expect(Math.abs(cursor - other.x - ((x - box.x) / box.width) * other.width)).toBeLessThanOrEqual(2);
    // Leaving the chart clears it for the dashboard.
    await page.mouse.move(5, SIZE.height + 150);
    await page.waitForFunction(() =>
      (globalThis as unknown as { fasCharts: Recorded }).fasCharts.events.some(
        (e) => e.type === 'data-hover-clear',
      ),
    );
  });

  it('zooms the dashboard’s time range with a drag', async () => {
    const box = await plotBox(page, 'backlog');
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.2, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, y, { steps: 8 });
    await page.mouse.up();
    await page.waitForFunction(
      () => (globalThis as unknown as { fasCharts: Recorded }).fasCharts.timeRanges.length > 0,
    );
    const [range] = (await recorded(page)).timeRanges;
    const span = END - FROM;
    const px = span / box.width;
    expect(range!.from).toBeGreaterThan(FROM + span * 0.2 - 2 * px);
    expect(range!.from).toBeLessThan(FROM + span * 0.2 + 2 * px);
    expect(range!.to).toBeGreaterThan(FROM + span * 0.5 - 2 * px);
    expect(range!.to).toBeLessThan(FROM + span * 0.5 + 2 * px);
  });

  it('labels the lines in a legend: workers against desired', async () => {
    const legend = page.locator('[data-testid="fas-chart-workers"] [data-testid="fas-chart-legend"]');
    for (const name of ['workers', 'desired']) {
      const label = legend
        .getByRole('button', { name: new RegExp(name) })
        .or(legend.getByText(name, { exact: true }));
      const box = await label.first().boundingBox();
      expect(box?.width, name).toBeGreaterThan(10);
      expect(await label.first().isVisible(), name).toBe(true);
      // Readable on the page: its colour stands out from the background (it was the browser's black
      // button text on the dark theme).
      const contrast = await label.first().evaluate((el) => {
        const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
        const lum = (c: string) => {
          const [r, g, b] = rgb(c).map((v) => {
            const s = v / 255;
            return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
          });
          return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
        };
        // The page's globals (tsconfig.test.json has no DOM lib).
        const w = globalThis as unknown as {
          getComputedStyle(e: unknown): { color: string; backgroundColor: string };
          document: { body: unknown };
        };
        const [a, b] = [
          lum(w.getComputedStyle(el).color),
          lum(w.getComputedStyle(w.document.body).backgroundColor),
        ];
        return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      });
      expect(contrast, name).toBeGreaterThan(3);
    }
    expect(
      await page.locator('[data-testid="fas-chart-cpu"] [data-testid="fas-chart-legend"]').textContent(),
    ).toBe('CPU');
  });

  it('labels the thresholds inside the plot, clear of the y axis and of each other', async () => {
    for (const chart of ['backlogTime', 'cpu']) {
      const plot = await plotBox(page, chart);
      const labels = await page
        .locator(`[data-testid="fas-chart-${chart}"] [data-testid="fas-threshold"]`)
        .evaluateAll((els) =>
          els.map((e) => {
            const r = e.getBoundingClientRect();
            return { text: e.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom };
          }),
        );
      expect(labels.length, chart).toBe(2);
      for (const l of labels) {
        expect(l.left, `${chart} ${l.text}`).toBeGreaterThanOrEqual(plot.x);
        expect(l.right, `${chart} ${l.text}`).toBeLessThanOrEqual(plot.x + plot.width + 0.5);
        expect(l.top, `${chart} ${l.text}`).toBeGreaterThanOrEqual(plot.y - 0.5);
      }
      const [a, b] = labels;
      expect(a!.bottom <= b!.top || b!.bottom <= a!.top, `${chart}: labels overlap`).toBe(true);
    }
  });

  it('marks each scaling on every chart, and says from, to, who and why on hover', async () => {
    for (const chart of CHARTS) {
      const plot = await plotBox(page, chart);
      const xs = await page
        .locator(`[data-testid="fas-chart-${chart}"] [data-testid="fas-scaling-marker"]`)
        .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-time'))));
      expect(xs, chart).toEqual([MANUAL_AT, POLICY_AT]);
      const at = await page
        .locator(`[data-testid="fas-chart-${chart}"] [data-testid="fas-scaling-marker"]`)
        .first()
        .boundingBox();
      // At its time on the plot's x axis (a third into the range).
      expect(Math.abs(at!.x + at!.width / 2 - (plot.x + plot.width / 3)), chart).toBeLessThanOrEqual(2);
    }
    const markers = page.locator('[data-testid="fas-chart-cpu"] [data-testid="fas-scaling-marker"]');
    await markers.first().hover();
    const tooltip = page.getByTestId('fas-scaling-tooltip');
    await tooltip.waitFor();
    expect(await tooltip.textContent()).toContain('Scaled up 4 → 8 by grafana:alice (manual)');
    await markers.nth(1).hover();
    await page.waitForFunction(() =>
      (
        globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }
      ).document
        .querySelector('[data-testid="fas-scaling-tooltip"]')
        ?.textContent.startsWith('Scaled down 8 → 6 by the policy'),
    );
    // The reasons in words, with the figures then.
    expect(await tooltip.textContent()).toMatch(/CPU 60 % is below 70 %/);
    const shot = join(out, 'charts-marker-tooltip-dark.png');
    await page.screenshot({ path: shot });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
  });

  it('renders in the light theme too, without page errors', async () => {
    await page.mouse.move(5, SIZE.height + 150);
    await renderPanel(page, 'light');
    const shot = join(out, 'charts-light.png');
    await page.screenshot({ path: shot });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    expect(errors).toEqual([]);
  });

  it('draws scalings a few pixels apart as one marker with their count, listed newest first on hover', async () => {
    // Two more scalings by the policy 1 and 2 minutes after its 8 → 6 (about a pixel a minute here).
    const job = { namespace: 'streaming', flinkdeployment: 'clickstream' };
    const times = Array.from({ length: POINTS }, (_, i) => FROM + i * STEP);
    const more = [1, 2].map((k) => {
      const at = POLICY_AT + k * 60_000;
      return {
        refId: 'recentScalings',
        labels: {
          __name__: 'flink_autoscaler_recent_scaling_timestamp_seconds',
          ...job,
          ...{
            direction: 'down',
            trigger: 'policy',
            by: 'flink-autoscaler',
            from: `${6 - k + 1}`,
            to: `${6 - k}`,
          },
          reasons: 'cpu-low',
        },
        times: times.filter((t) => t >= at),
        values: times.filter((t) => t >= at).map(() => at / 1000),
      };
    });
    await page.mouse.move(5, SIZE.height + 150);
    await renderPanel(page, 'dark', [...frames(), ...more]);
    const markers = page.locator('[data-testid="fas-chart-cpu"] [data-testid="fas-scaling-marker"]');
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }
        ).document.querySelectorAll('[data-testid="fas-chart-cpu"] [data-testid="fas-scaling-marker"]')
          .length === 2,
    );
    expect(await markers.nth(1).getAttribute('data-count')).toBe('3');
    await markers.nth(1).hover();
    const tooltip = page.getByTestId('fas-scaling-tooltip');
    await tooltip.waitFor();
    const text = (await tooltip.textContent()) ?? '';
    expect(text).toMatch(/^3 scalings/);
    const order = ['Scaled down 5 → 4', 'Scaled down 6 → 5', 'Scaled down 8 → 6'].map((t) => text.indexOf(t));
    expect(order.every((at) => at > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const shot = join(out, 'charts-marker-group-dark.png');
    await page.screenshot({ path: shot });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    expect(errors).toEqual([]);
  });
});
