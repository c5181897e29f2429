/**
 * A week of one job as Prometheus would hand it to the panel (one frame per series, labels as the sidecar
 * exports them), for the screenshots: a daily cycle with noise, the policy scaling up each morning and down
 * each night (flink_autoscaler_scalings_total rising, the recent scalings with their reasons), and one scale
 * by hand (grafana:alice) on the last day. Plain arrays, so page.evaluate can carry them to
 * `fasHost.framesFrom`.
 */
import type { Page } from 'playwright-core';
import { PANEL_QUERIES } from '../../src/data/queries.js';

export interface FrameSpec {
  refId: string;
  labels: Record<string, string>;
  times: number[];
  values: number[];
}

const JOB = { namespace: 'streaming', flinkdeployment: 'clickstream' };
const DAY_MS = 86_400_000;

function metricOf(refId: string): string {
  const query = PANEL_QUERIES.find((q) => q.refId === refId);
  if (!query) throw new Error(`no panel query ${refId}`);
  return query.metric;
}

/** `days` days up to `end` (Unix ms) at `stepMs`. */
export function weekOfJob(end: number, stepMs = 300_000, days = 7): FrameSpec[] {
  const points = Math.floor((days * DAY_MS) / stepMs);
  const times = Array.from({ length: points }, (_, i) => end - (points - 1 - i) * stepMs);
  let seed = 42;
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.1;
  const day = (t: number) => Math.sin((2 * Math.PI * (t % DAY_MS)) / DAY_MS);
  // By hand on the last day: 6 workers at noon for four hours, whatever the policy says.
  const manualAt = end - DAY_MS / 2;
  const manual = (t: number) => t >= manualAt && t < manualAt + 4 * 3_600_000;
  const workers = times.map((t) => (manual(t) ? 6 : day(t) > 0.3 ? 8 : 4));
  const input = times.map((t) => 4000 * (1 + 0.6 * day(t) + noise()));
  // The backlog grows while input is above what the workers read and drains with their spare capacity.
  const backlog: number[] = [];
  const throughput: number[] = [];
  for (let i = 0; i < points; i++) {
    const capacity = workers[i]! * 1000;
    const prev = backlog[i - 1] ?? 0;
    const read = Math.min(capacity, input[i]! + prev / (stepMs / 1000));
    throughput.push(read);
    backlog.push(Math.max(0, prev + (input[i]! - read) * (stepMs / 1000)));
  }
  const series: Record<string, number[]> = {
    workers,
    desired: times.map((t, i) => (day(t) > 0.25 ? 8 : workers[i]!)),
    throughput,
    backlog,
    backlogGrowth: input.map((v, i) => v - throughput[i]!),
    backlogTime: backlog.map((b, i) => b / (throughput[i] || 1)),
    cpu: throughput.map((v, i) => Math.min(1, v / (workers[i]! * 1000)) * 0.95),
    scaleUpBacklogTime: times.map(() => 120),
    scaleDownBacklogTime: times.map(() => 10),
    scaleUpCpu: times.map(() => 0.9),
    scaleDownCpu: times.map(() => 0.7),
    targetCpu: times.map(() => 0.8),
    minWorkers: times.map(() => 1),
    maxWorkers: times.map(() => 20),
  };
  const frames: FrameSpec[] = Object.entries(series).map(([refId, values]) => ({
    refId,
    labels: { __name__: metricOf(refId), ...JOB },
    times,
    values,
  }));
  const action = (i: number) => (series['desired']![i]! > workers[i]! ? 'scale-up' : 'none');
  for (const name of ['scale-up', 'scale-down', 'none']) {
    frames.push({
      refId: 'decision',
      labels: { __name__: metricOf('decision'), ...JOB, action: name },
      times,
      values: times.map((_, i) => (action(i) === name ? 1 : 0)),
    });
  }
  frames.push({
    refId: 'mode',
    labels: { __name__: metricOf('mode'), ...JOB, mode: 'active' },
    times,
    values: times.map(() => 1),
  });

  // Each change of the worker count is a scaling: the counter per direction and trigger rises, and the
  // sidecar's recent scalings name the last ones (time as the value, who and why as labels).
  const counters = new Map<string, number[]>();
  const recent: FrameSpec[] = [];
  for (let i = 1; i < points; i++) {
    const [from, to] = [workers[i - 1]!, workers[i]!];
    if (from === to) continue;
    const direction = to > from ? 'up' : 'down';
    const trigger = manual(times[i]!) || manual(times[i - 1]!) ? 'manual' : 'policy';
    const key = `${direction} ${trigger}`;
    if (!counters.has(key)) counters.set(key, []);
    counters.get(key)!.push(i);
    recent.push({
      refId: 'recentScalings',
      labels: {
        __name__: metricOf('recentScalings'),
        ...JOB,
        direction,
        trigger,
        by: trigger === 'manual' ? 'grafana:alice' : 'flink-autoscaler',
        from: String(from),
        to: String(to),
        reasons: trigger === 'manual' ? 'manual' : direction === 'up' ? 'backlog-time-high' : 'cpu-low',
      },
      times: times.slice(i),
      values: times.slice(i).map(() => times[i]! / 1000),
    });
  }
  for (const [key, rises] of counters) {
    const [direction, trigger] = key.split(' ');
    let n = 0;
    frames.push({
      refId: 'scalings',
      labels: { __name__: metricOf('scalings'), ...JOB, direction: direction!, trigger: trigger! },
      times,
      values: times.map((_, i) => {
        while (n < rises.length && rises[n]! <= i) n++;
        return n;
      }),
    });
  }
  // The sidecar keeps the last few.
  return [...frames, ...recent.slice(-6)];
}

/** The end of the screenshots' week (a Monday evening), so that every run draws the same picture. */
export const WEEK_END = Date.UTC(2026, 5, 8, 18);

/** What the page's fasHost takes to draw the week (render's request, less the page's own parts). */
export function weekRequest(theme: 'dark' | 'light', width: number, height: number, end = WEEK_END) {
  return {
    moduleUrl: '/public/plugins/fas-flinkautoscaler-panel/module.js',
    prometheusPath: '',
    queries: [],
    variables: JOB,
    from: end - 7 * DAY_MS,
    to: end,
    step: 300,
    // No gateway behind the screenshots' page: the button's access line would only say so.
    options: { scaleEnabled: false },
    width,
    height,
    theme,
  };
}

/** Draws the week afresh (unmounted first) in a host page. */
export async function drawWeek(page: Page, theme: 'dark' | 'light', width: number, height: number) {
  const frames = weekOfJob(WEEK_END);
  await page.evaluate(
    ([request, list]) => {
      const host = (
        globalThis as unknown as {
          fasHost: {
            unmount(): void;
            framesFrom(l: FrameSpec[]): unknown;
            render(r: unknown, frames: unknown): Promise<unknown>;
          };
        }
      ).fasHost;
      host.unmount();
      return host.render(request, host.framesFrom(list));
    },
    [weekRequest(theme, width, height), frames] as const,
  );
}
