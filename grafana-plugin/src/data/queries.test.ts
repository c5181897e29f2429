import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PANEL_QUERIES, seriesKeyOf } from './queries';

// the exporter and the series it registers per source (sources.ts) and per recent scaling (recent-scalings.ts)
const exporter = ['exporter.ts', 'sources.ts', 'recent-scalings.ts']
  .map((file) => readFileSync(resolve(import.meta.dirname, '../../../sidecar/src/metrics', file), 'utf8'))
  .join('\n');

describe('the documented queries', () => {
  it('read only series the sidecar exports, for the job of the dashboard variables', () => {
    for (const q of PANEL_QUERIES) {
      const name = q.metric.replace(/^flink_autoscaler_/, '');
      const exported =
        new RegExp(`gauge\\(\\s*'${name}'`).test(exporter) ||
        exporter.includes(`name: 'flink_autoscaler_${name}'`);
      expect(exported, q.metric).toBe(true);
      expect(q.expr).toBe(`${q.metric}{namespace="$namespace", flinkdeployment="$flinkdeployment"}`);
    }
    expect(new Set(PANEL_QUERIES.map((q) => q.refId)).size).toBe(PANEL_QUERIES.length);
  });

  it('name a field by its metric first and by its refId when the metric name is gone', () => {
    expect(seriesKeyOf('flink_autoscaler_cpu_utilization_ratio', 'A')).toBe('cpu');
    expect(seriesKeyOf(undefined, 'backlogTime')).toBe('backlogTime');
    expect(seriesKeyOf('up', 'B')).toBeUndefined();
  });
});
