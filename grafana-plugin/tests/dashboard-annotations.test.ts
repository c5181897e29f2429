/**
 * The job dashboard's Scalings annotation (both copies are the same file, dashboards.test.ts): Grafana's
 * Prometheus annotation on the sidecar's recent scalings, the series value (Unix seconds × 1000) as the time,
 * title, text and tags from labels the sidecar always sets (a missing label would show as its own name). Its
 * PromQL against a real Prometheus: test/e2e/scaling-annotations.test.ts.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PANEL_QUERIES } from '../src/data/queries';

const root = resolve(import.meta.dirname, '..');
const recentScalings = readFileSync(resolve(root, '../sidecar/src/metrics/recent-scalings.ts'), 'utf8');

interface Annotation {
  name: string;
  datasource: { type: string; uid: string };
  enable: boolean;
  target: { expr: string; interval?: string; range?: boolean };
  useValueForTime?: boolean;
  titleFormat?: string;
  textFormat?: string;
  tagKeys?: string;
}

function scalingsAnnotation(): Annotation {
  const d = JSON.parse(
    readFileSync(resolve(root, '../charts/flink-autoscaler/dashboards/flink-autoscaler-job.json'), 'utf8'),
  ) as { annotations: { list: Annotation[] } };
  const found = d.annotations.list.filter((a) => a.name === 'Scalings');
  expect(found).toHaveLength(1);
  return found[0] as Annotation;
}

/** The labels the sidecar gives every recent-scaling series (its LABELS list). */
function exportedLabels(): string[] {
  const list = /const LABELS = \[([^\]]*)\] as const/.exec(recentScalings)?.[1] ?? '';
  return [...list.matchAll(/'(\w+)'/g)].map((m) => m[1] as string);
}

describe('the job dashboard’s Scalings annotation', () => {
  it('is on by default, from the dashboard’s Prometheus, on the recent scalings in milliseconds as the time', () => {
    const a = scalingsAnnotation();
    const recent = PANEL_QUERIES.find((q) => q.refId === 'recentScalings');
    expect(a.enable).toBe(true);
    expect(a.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
    expect(a.target.expr).toBe(`${recent?.expr} * 1000`);
    expect(a.target.range).toBe(true);
    expect(a.useValueForTime).toBe(true);
  });

  it('says who, from what to what and why only with labels every recent-scaling series has', () => {
    const a = scalingsAnnotation();
    const labels = exportedLabels();
    expect(labels).toEqual(['direction', 'trigger', 'by', 'from', 'to', 'reasons']);
    const used = [a.titleFormat, a.textFormat]
      .flatMap((f) => [...(f ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]))
      .concat((a.tagKeys ?? '').split(','));
    expect(used).toEqual(expect.arrayContaining(['by', 'from', 'to', 'reasons', 'trigger']));
    for (const label of used) expect(labels, label).toContain(label);
  });
});
