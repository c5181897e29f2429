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
import {
  FLEET_QUERIES,
  LISTED_QUERY,
  LIST_KEYS,
  PICKS_PER_NAMESPACE,
  RULE_INTERVAL_SECONDS,
  RULES,
} from '../../grafana-plugin/src/fleet/queries.js';
import { CHART } from './helm.js';
import { NAMESPACE, RELEASE, ofKind, one, render } from './render.js';

const RULES_FILE = join(CHART, 'files', 'fleet-rules.yaml');
const WITH_RULES = ['monitoring.coreos.com/v1', 'monitoring.coreos.com/v1/PrometheusRule'];

interface RuleFile {
  groups: {
    name: string;
    interval: string;
    rules: { record: string; expr: string; labels?: Record<string, string> }[];
  }[];
}
const rules = parse(readFileSync(RULES_FILE, 'utf8')) as RuleFile;

describe('the PrometheusRule of the fleet view', () => {
  it('carries files/fleet-rules.yaml unchanged, labelled, when the cluster serves PrometheusRule', () => {
    const rule = one(
      render({ apiVersions: WITH_RULES, set: ['monitoring.prometheusRule.labels.release=kps'] }),
      'PrometheusRule',
      `${RELEASE}-flink-autoscaler-fleet`,
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
        render({
          apiVersions: WITH_RULES,
          set: ['monitoring.prometheusRule.enabled=false', 'monitoring.prometheusRule.alerts=false'],
        }),
        'PrometheusRule',
      ),
    ).toEqual([]);
  });

  it('records every series the panel reads, at the interval its worker-hours divide by', () => {
    const [group] = rules.groups;
    expect(group?.interval).toBe(`${RULE_INTERVAL_SECONDS / 60}m`);
    const recorded = [...new Set(group?.rules.map((r) => r.record))].sort();
    expect(recorded).toEqual(Object.values(RULES).sort());
    const read = new Set(
      [...FLEET_QUERIES.map((q) => q.expr), LISTED_QUERY].flatMap((e) =>
        [...e.matchAll(/[a-z_]+:[a-z_]+:[a-z]+/g)].map((m) => m[0]),
      ),
    );
    expect([...read].sort()).toEqual(Object.values(RULES).sort());
    // Each list's picks and counts, one rule per list (label list), the picks capped as the panel assumes.
    for (const record of [RULES.picks, RULES.namespaceCandidates]) {
      const lists = group?.rules.filter((r) => r.record === record) ?? [];
      expect(lists.map((r) => r.labels?.['list'])).toEqual([...LIST_KEYS]);
      if (record === RULES.picks)
        for (const r of lists)
          expect(r.expr).toMatch(new RegExp(`^topk by \\(namespace\\) \\(${PICKS_PER_NAMESPACE}, `));
    }
    // promtool backfills rules that read only the sidecar's series.
    for (const r of group?.rules ?? []) expect(r.expr, r.record).not.toMatch(/[a-z_]+:[a-z_]+:[a-z]+/);
  });

  it('pass promtool check rules and its unit test on a few jobs', () => {
    expect(execFileSync('promtool', ['check', 'rules', RULES_FILE], { encoding: 'utf8' })).toContain(
      'SUCCESS: 12 rules found',
    );
    const dir = mkdtempSync(join(tmpdir(), 'fa-fleet-rules-'));
    const job = (name: string, pod = 'jm-0', ns = 'ns') =>
      `namespace="${ns}", flinkdeployment="${name}", pod="${pod}"`;
    // A namespace with more candidates than the rules keep: big-k is k + 1 workers off its desired size.
    const BIG = PICKS_PER_NAMESPACE + 2;
    const big = Array.from({ length: BIG }, (_, k) => k);
    const list = (name: string) => `list="${name}"`;
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
            // Guarded before it has a desired size (its window not full).
            { series: `flink_autoscaler_workers{${job('c')}}`, values: '2 2 2' },
            { series: `flink_autoscaler_guard{${job('c')}, guard="operator-autoscaler"}`, values: '1 1 1' },
            ...big.flatMap((k) => [
              { series: `flink_autoscaler_workers{${job(`big-${k}`, 'jm-0', 'big')}}`, values: '1 1 1' },
              {
                series: `flink_autoscaler_desired_workers{${job(`big-${k}`, 'jm-0', 'big')}}`,
                values: `${k + 2} ${k + 2} ${k + 2}`,
              },
            ]),
          ],
          promql_expr_test: [
            {
              expr: `${RULES.workers}{namespace="ns"}`,
              eval_time: '2m',
              exp_samples: [
                { labels: `${RULES.workers}{namespace="ns", flinkdeployment="a"}`, value: 6 },
                { labels: `${RULES.workers}{namespace="ns", flinkdeployment="b"}`, value: 10 },
                { labels: `${RULES.workers}{namespace="ns", flinkdeployment="c"}`, value: 2 },
              ],
            },
            // Each list's picks: |desired - workers|, c guarded at 0 (no desired size yet); in big only the
            // furthest PICKS_PER_NAMESPACE.
            {
              expr: `${RULES.picks}{namespace="ns"}`,
              eval_time: '2m',
              exp_samples: [
                ...['a', 'b'].map((j) => ({
                  labels: `${RULES.picks}{namespace="ns", flinkdeployment="${j}", ${list('offSize')}}`,
                  value: 3,
                })),
                { labels: `${RULES.picks}{namespace="ns", flinkdeployment="b", ${list('held')}}`, value: 3 },
                {
                  labels: `${RULES.picks}{namespace="ns", flinkdeployment="b", ${list('guarded')}}`,
                  value: 3,
                },
                {
                  labels: `${RULES.picks}{namespace="ns", flinkdeployment="c", ${list('guarded')}}`,
                  value: 0,
                },
              ],
            },
            {
              expr: `${RULES.picks}{namespace="big"}`,
              eval_time: '2m',
              exp_samples: big.slice(BIG - PICKS_PER_NAMESPACE).map((k) => ({
                labels: `${RULES.picks}{namespace="big", flinkdeployment="big-${k}", ${list('offSize')}}`,
                value: k + 1,
              })),
            },
            {
              expr: RULES.namespaceJobs,
              eval_time: '2m',
              exp_samples: [
                { labels: `${RULES.namespaceJobs}{namespace="big"}`, value: BIG },
                { labels: `${RULES.namespaceJobs}{namespace="ns"}`, value: 3 },
              ],
            },
            {
              expr: RULES.namespaceCandidates,
              eval_time: '2m',
              exp_samples: [
                { labels: `${RULES.namespaceCandidates}{namespace="big", ${list('offSize')}}`, value: BIG },
                { labels: `${RULES.namespaceCandidates}{namespace="ns", ${list('offSize')}}`, value: 2 },
                { labels: `${RULES.namespaceCandidates}{namespace="ns", ${list('held')}}`, value: 1 },
                { labels: `${RULES.namespaceCandidates}{namespace="ns", ${list('guarded')}}`, value: 2 },
              ],
            },
            {
              expr: `${RULES.namespaceWorkers}{namespace="ns"}`,
              eval_time: '2m',
              exp_samples: [{ labels: `${RULES.namespaceWorkers}{namespace="ns"}`, value: 18 }],
            },
            {
              expr: `${RULES.toDesired}{namespace="ns"}`,
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
                {
                  labels: `${RULES.guard}{namespace="ns", flinkdeployment="c", guard="operator-autoscaler"}`,
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
