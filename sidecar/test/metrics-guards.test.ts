/** Issue 13: flink_autoscaler_guard{guard}, one series per guard the sidecar knows, 1 while it holds. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { GUARD_IDS } from '../src/loop/guards.js';
import { SidecarMetrics } from '../src/metrics/exporter.js';

const LABELS = 'namespace="streaming",flinkdeployment="clickstream"';

describe('flink_autoscaler_guard', () => {
  it('is 1 for each guard that holds and 0 for the others, and follows a change', async () => {
    const m = new SidecarMetrics({ namespace: 'streaming', flinkdeployment: 'clickstream' });
    expect(await m.text()).not.toContain('flink_autoscaler_guard{');
    m.setGuards(GUARD_IDS, ['operator-autoscaler']);
    let text = await m.text();
    expect(text).toContain(`flink_autoscaler_guard{guard="operator-autoscaler",${LABELS}} 1`);
    expect(text).toContain(`flink_autoscaler_guard{guard="native-mode",${LABELS}} 0`);
    expect(text).toContain(`flink_autoscaler_guard{guard="not-reactive",${LABELS}} 0`);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.error, 'promtool (Debian package prometheus) must be installed').toBeUndefined();
    expect(check.status, check.stdout + check.stderr).toBe(0);
    m.setGuards(GUARD_IDS, []);
    text = await m.text();
    expect(text).toContain(`flink_autoscaler_guard{guard="operator-autoscaler",${LABELS}} 0`);
    expect(text).not.toMatch(/^flink_autoscaler_guard\{[^}]*\} 1$/m);
  });
});
