/**
 * The fleet view's recording rules (files/fleet-rules.yaml): shipped unchanged as the chart's PrometheusRule
 * when the cluster serves it, checked by Debian's promtool (`check rules`, and `test rules` on a few jobs:
 * two sidecars of one job, holds from gates and the advisor mode, guards at 0 and 1), and in step with the
 * panel's queries (the rule names they read, the interval the worker-hours divide by).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FLEET_QUERIES, RULE_INTERVAL_SECONDS, RULES } from '../../grafana-plugin/src/fleet/queries.js';
import { CHART } from './helm.js';
import { NAMESPACE, RELEASE, ofKind, one, render } from './render.js';

const RULES_FILE = join(CHART, 'files', 'fleet-rules.yaml');
const WITH_RULES = ['monitoring.coreos.com/v1', 'monitoring.coreos.com/v1/PrometheusRule'];

interface RuleFile {
  groups: { name: string; interval: string; rules: { record: string; expr: string }[] }[];
}
const rules = parse(readFileSync(RULES_FILE, 'utf8')) as RuleFile;

describe('the PrometheusRule of the fleet view', () => {
  it('carries files/fleet-rules.yaml unchanged, labelled, when the cluster serves PrometheusRule', () => {
    const rule = one(
      render({ apiVersions: WITH_RULES, set: ['monitoring.prometheusRule.labels.release=kps'] }),
      'PrometheusRule',
    );
    expect(rule.metadata).toMatchObject({
      name: `${RELEASE}-flink-autoscaler-fleet`,
      namespace: NAMESPACE,
      labels: { release: 'kps', 'app.kubernetes.io/component': 'fleet-rules' },
    });
    expect(rule['spec']).toEqual(rules);
  });

  it('is left out without the Prometheus Operator and on request', () => {
    expect(ofKind(render({ apiVersions: [] }), 'PrometheusRule')).toEqual([]);
    expect(
      ofKind(
        render({ apiVersions: WITH_RULES, set: ['monitoring.prometheusRule.enabled=false'] }),
        'PrometheusRule',
      ),
    ).toEqual([]);
  });

  it('records every series the panel reads, at the interval its worker-hours divide by', () => {
    const [group] = rules.groups;
    expect(group?.interval).toBe(`${RULE_INTERVAL_SECONDS / 60}m`);
    const recorded = group?.rules.map((r) => r.record).sort();
    expect(recorded).toEqual(Object.values(RULES).sort());
    const read = new Set(
      FLEET_QUERIES.flatMap((q) => [...q.expr.matchAll(/[a-z_]+:[a-z_]+:[a-z]+/g)].map((m) => m[0])),
    );
    expect([...read].sort()).toEqual(Object.values(RULES).sort());
    // promtool backfills rules that read only the sidecar's series.
    for (const r of group?.rules ?? []) expect(r.expr, r.record).not.toMatch(/[a-z_]+:[a-z_]+:[a-z]+/);
  });

  it('pass promtool check rules and its unit test on a few jobs', () => {
    expect(execFileSync('promtool', ['check', 'rules', RULES_FILE], { encoding: 'utf8' })).toContain(
      'SUCCESS: 5 rules found',
    );
    const dir = mkdtempSync(join(tmpdir(), 'fa-fleet-rules-'));
    const job = (name: string, pod = 'jm-0') => `namespace="ns", flinkdeployment="${name}", pod="${pod}"`;
    const test = {
      rule_files: [RULES_FILE],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            // JobManager HA: two sidecars of one job, the standby a step behind.
            { series: `flink_autoscaler_workers{${job('a')}}`, values: '4 4 6' },
            { series: `flink_autoscaler_workers{${job('a', 'jm-1')}}`, values: '4 4 4' },
            { series: `flink_autoscaler_desired_workers{${job('a')}}`, values: '4 9 9' },
            { series: `flink_autoscaler_desired_workers{${job('a', 'jm-1')}}`, values: '4 9 9' },
            { series: `flink_autoscaler_workers{${job('b')}}`, values: '10 10 10' },
            { series: `flink_autoscaler_desired_workers{${job('b')}}`, values: '10 7 7' },
            { series: `flink_autoscaler_gate{${job('b')}, gate="paused"}`, values: '1 1 1' },
            { series: `flink_autoscaler_gate{${job('b')}, gate="cooldown"}`, values: '1 1 1' },
            { series: `flink_autoscaler_mode{${job('b')}, mode="advisor"}`, values: '1 1 1' },
            { series: `flink_autoscaler_mode{${job('a')}, mode="active"}`, values: '1 1 1' },
            { series: `flink_autoscaler_guard{${job('b')}, guard="native-mode"}`, values: '1 1 1' },
            { series: `flink_autoscaler_guard{${job('b')}, guard="not-reactive"}`, values: '0 0 0' },
          ],
          promql_expr_test: [
            {
              expr: RULES.workers,
              eval_time: '2m',
              exp_samples: [
                { labels: `${RULES.workers}{namespace="ns", flinkdeployment="a"}`, value: 6 },
                { labels: `${RULES.workers}{namespace="ns", flinkdeployment="b"}`, value: 10 },
              ],
            },
            {
              expr: RULES.namespaceWorkers,
              eval_time: '2m',
              exp_samples: [{ labels: `${RULES.namespaceWorkers}{namespace="ns"}`, value: 16 }],
            },
            {
              expr: RULES.toDesired,
              eval_time: '1m',
              exp_samples: [
                { labels: `${RULES.toDesired}{namespace="ns", flinkdeployment="a"}`, value: 5 },
                { labels: `${RULES.toDesired}{namespace="ns", flinkdeployment="b"}`, value: -3 },
              ],
            },
            {
              expr: RULES.hold,
              eval_time: '2m',
              exp_samples: [
                { labels: `${RULES.hold}{namespace="ns", flinkdeployment="b", hold="advisor"}`, value: 1 },
                { labels: `${RULES.hold}{namespace="ns", flinkdeployment="b", hold="paused"}`, value: 1 },
              ],
            },
            {
              expr: RULES.guard,
              eval_time: '2m',
              exp_samples: [
                {
                  labels: `${RULES.guard}{namespace="ns", flinkdeployment="b", guard="native-mode"}`,
                  value: 1,
                },
              ],
            },
          ],
        },
      ],
    };
    const file = join(dir, 'fleet-rules.test.yaml');
    writeFileSync(file, JSON.stringify(test));
    const run = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    expect(run.stdout + run.stderr).toContain('SUCCESS');
    expect(run.status, run.stdout + run.stderr).toBe(0);
  });
});
