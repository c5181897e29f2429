/**
 * The dashboards of the chart (charts/flink-autoscaler/dashboards/, the one source) and their copies in
 * provisioning/: the job dashboard runs exactly the panel's documented queries with the builder's options,
 * and both pick jobs by the sidecar's namespace and flinkdeployment labels.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PANEL_QUERIES } from '../src/data/queries';
import { FLEET_QUERIES, LISTED_QUERY, LISTED_REGEX, PICKS_PER_NAMESPACE } from '../src/fleet/queries';
import { plugin } from '../src/module';

const root = resolve(import.meta.dirname, '..');
const source = resolve(root, '../charts/flink-autoscaler/dashboards');
const read = (dir: string, name: string) => readFileSync(join(dir, name), 'utf8');

interface Dashboard {
  uid: string;
  templating: {
    list: {
      name: string;
      type: string;
      query: unknown;
      definition?: string;
      regex?: string;
      refresh?: number;
      includeAll?: boolean;
      multi?: boolean;
      current?: unknown;
    }[];
  };
  panels: {
    type: string;
    targets: Record<string, unknown>[];
    options?: Record<string, unknown>;
    transformations?: { id: string; options: { renameByName?: Record<string, string> } }[];
  }[];
}

describe('the dashboards', () => {
  it('are copied unchanged into provisioning/', () => {
    const names = readdirSync(source).filter((n) => n.endsWith('.json'));
    expect(names.sort()).toEqual(['flink-autoscaler-fleet.json', 'flink-autoscaler-job.json']);
    for (const name of names)
      expect(read(join(root, 'provisioning/dashboards'), name), name).toBe(read(source, name));
  });

  it('show one job with the panel, its documented queries and the builder’s options', () => {
    const d = JSON.parse(read(source, 'flink-autoscaler-job.json')) as Dashboard;
    const panel = d.panels[0];
    expect(panel?.type).toBe('fas-flinkautoscaler-panel');
    expect(panel?.targets.map((t) => [t['refId'], t['expr'], t['legendFormat']])).toEqual(
      PANEL_QUERIES.map((q) => [q.refId, q.expr, q.legendFormat]),
    );
    expect(panel?.options).toEqual(plugin.defaults);
    const vars = Object.fromEntries(d.templating.list.map((v) => [v.name, v]));
    expect(vars['datasource']).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(vars['namespace']?.definition).toBe('label_values(flink_autoscaler_workers, namespace)');
    expect(vars['flinkdeployment']?.definition).toBe(
      'label_values(flink_autoscaler_workers{namespace="$namespace"}, flinkdeployment)',
    );
  });

  it('show the fleet with the panel’s fleet view and its documented queries, every job in a collapsed table', () => {
    const d = JSON.parse(read(source, 'flink-autoscaler-fleet.json')) as Dashboard;
    const [fleet, row] = d.panels as (Dashboard['panels'][number] & { panels?: Dashboard['panels'] })[];
    expect(fleet?.type).toBe('fas-flinkautoscaler-panel');
    expect(fleet?.options).toEqual({ view: 'fleet' });
    expect(fleet?.targets.map((t) => [t['refId'], t['expr']])).toEqual(
      FLEET_QUERIES.map((q) => [q.refId, q.expr]),
    );
    // The lists' workers over the range (sparklines); the rest at the range's end, once.
    expect(fleet?.targets.map((t) => [t['range'], t['instant']])).toEqual(
      FLEET_QUERIES.map((q) => [q.range, !q.range]),
    );
    expect(d.templating.list.map((v) => v.name)).toEqual(['datasource', 'namespace', 'top', 'listed']);
    const vars = Object.fromEntries(d.templating.list.map((v) => [v.name, v]));
    // The jobs the lists show, picked again with the time range, all of them in $listed.
    expect(vars['listed']).toMatchObject({
      type: 'query',
      definition: LISTED_QUERY,
      query: { query: LISTED_QUERY },
      regex: LISTED_REGEX,
      refresh: 2,
      multi: true,
      includeAll: true,
      current: { value: '$__all' },
    });
    // topk among the rules' per-namespace candidates is topk among all only up to their number.
    const tops = String(vars['top']?.query).split(',').map(Number);
    expect(Math.max(...tops)).toBeLessThanOrEqual(PICKS_PER_NAMESPACE);
    // The table of every job stays, in a row Grafana queries only when it is opened.
    expect(row).toMatchObject({ type: 'row', collapsed: true });
    const table = row?.panels?.[0];
    expect(table?.type).toBe('table');
    const exprs = table?.targets.map((t) => String(t['expr'])) ?? [];
    for (const metric of [
      'flink_autoscaler_workers',
      'flink_autoscaler_desired_workers',
      'flink_autoscaler_decision',
    ])
      expect(
        exprs.some((e) => e.includes(`${metric}{`)),
        metric,
      ).toBe(true);
  });
});
