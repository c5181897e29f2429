import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SidecarMetrics } from '../src/metrics/exporter.js';
import { KEPT } from '../src/metrics/recent-scalings.js';

const T0 = Date.UTC(2026, 0, 1);
const NAME = 'flink_autoscaler_recent_scaling_timestamp_seconds';

function metrics() {
  return new SidecarMetrics({ namespace: 'streaming', flinkdeployment: 'clickstream' });
}

/** The recent-scaling series of the exposition: labels (without the job's) and value. */
async function recent(m: SidecarMetrics): Promise<{ labels: Record<string, string>; value: number }[]> {
  const text = await m.text();
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${NAME}{`)) continue;
    const match = /^[^{]+\{(.*)\} (\S+)$/.exec(line);
    if (!match) throw new Error(`unreadable line ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)) labels[k as string] = v as string;
    delete labels['namespace'];
    delete labels['flinkdeployment'];
    out.push({ labels, value: Number(match[2]) });
  }
  return out;
}

describe('the recent scalings series', () => {
  it('says who scaled, from what to what and why, with the time as its value', async () => {
    const m = metrics();
    m.recordScaling('up', 'policy', T0, { from: 4, to: 9, reasons: ['backlog-time-high', 'cpu-high'] });
    m.recordScaling('down', 'manual', T0 + 60_000, {
      from: 9,
      to: 6,
      by: 'grafana:alice',
      reasons: ['manual'],
    });
    m.recordScaling('up', 'manual', T0 + 120_000, { from: 6, to: 7, by: '', reasons: ['manual'] });
    expect(await recent(m)).toEqual([
      {
        labels: {
          direction: 'up',
          trigger: 'policy',
          by: 'flink-autoscaler',
          from: '4',
          to: '9',
          reasons: 'backlog-time-high,cpu-high',
        },
        value: T0 / 1000,
      },
      {
        labels: {
          direction: 'down',
          trigger: 'manual',
          by: 'grafana:alice',
          from: '9',
          to: '6',
          reasons: 'manual',
        },
        value: T0 / 1000 + 60,
      },
      {
        labels: { direction: 'up', trigger: 'manual', by: 'unknown', from: '6', to: '7', reasons: 'manual' },
        value: T0 / 1000 + 120,
      },
    ]);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: await m.text(), encoding: 'utf8' });
    if (check.error)
      throw new Error(`promtool (Debian package prometheus) must be installed: ${check.error.message}`);
    expect(check.status).toBe(0);
  });

  it(`keeps only the last ${KEPT}; the same scaling again moves to the newest place with its new time`, async () => {
    const m = metrics();
    for (let i = 0; i < 5; i++) {
      m.recordScaling('up', 'policy', T0 + i * 60_000, { from: i + 1, to: i + 2, reasons: ['cpu-high'] });
    }
    expect((await recent(m)).map((s) => s.labels['from'])).toEqual(['3', '4', '5']);
    // 3 → 4 again, later: still three series, and 3 → 4 carries the new time; 4 → 5 is now the oldest
    m.recordScaling('up', 'policy', T0 + 600_000, { from: 3, to: 4, reasons: ['cpu-high'] });
    m.recordScaling('up', 'policy', T0 + 660_000, { from: 10, to: 11, reasons: ['cpu-high'] });
    const after = await recent(m);
    expect(after.map((s) => [s.labels['from'], s.value])).toEqual(
      expect.arrayContaining([
        ['3', T0 / 1000 + 600],
        ['5', T0 / 1000 + 240],
        ['10', T0 / 1000 + 660],
      ]),
    );
    expect(after).toHaveLength(KEPT);
  });

  it('is not exported before the first scaling, and a scaling without details only counts', async () => {
    const m = metrics();
    m.recordScaling('up', 'policy', T0);
    expect(await recent(m)).toEqual([]);
    expect(await m.text()).toMatch(/flink_autoscaler_scalings_total\{direction="up",trigger="policy"/);
  });
});
