/**
 * The alerts (files/alert-rules.yaml): shipped unchanged as a second PrometheusRule, checked by Debian's
 * promtool (`check rules`, and `test rules` on jobs that should and should not alert: JobManager HA with one
 * sidecar up, a Lease nobody holds, failed scale writes, a job behind at its limit and one behind that may
 * still grow, no trusted window, a guard on an active and on an advising job).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { NOTABLE_SKIPS } from '../../sidecar/src/injector/admit.js';
import { CHART } from './helm.js';
import { NAMESPACE, RELEASE, ofKind, one, render } from './render.js';

const RULES_FILE = join(CHART, 'files', 'alert-rules.yaml');
const WITH_RULES = ['monitoring.coreos.com/v1', 'monitoring.coreos.com/v1/PrometheusRule'];
const rules = parse(readFileSync(RULES_FILE, 'utf8')) as {
  groups: {
    name: string;
    rules: {
      alert: string;
      expr: string;
      labels: { severity: string };
      annotations: Record<string, string>;
    }[];
  }[];
};

/**
 * An alert's annotations with its `{{ $labels.x }}` filled in, and `{{ $value | humanize }}` with `value` (what
 * promtool renders for these labels and this value).
 */
function annotationsOf(
  alert: string,
  labels: Record<string, string>,
  value?: string,
): Record<string, string> {
  const rule = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === alert);
  if (!rule) throw new Error(`no alert ${alert}`);
  return Object.fromEntries(
    Object.entries(rule.annotations).map(([key, text]) => {
      const filled = text.replace(/\{\{ \$labels\.([a-z_]+) \}\}/g, (_, name: string) => labels[name] ?? '');
      return [key, value === undefined ? filled : filled.replace('{{ $value | humanize }}', value)];
    }),
  );
}

/** An expected alert: its labels (severity included) and its annotations filled in from the rule file. */
function expected(alert: string, labels: Record<string, string>, value?: string) {
  return { exp_labels: labels, exp_annotations: annotationsOf(alert, labels, value) };
}

const job = (name: string, pod = 'jm-0') => `namespace="ns", flinkdeployment="${name}", pod="${pod}"`;
const series = (metric: string, labels: string, values: string) => ({
  series: `${metric}{${labels}}`,
  values,
});
/** A healthy sidecar's series for `minutes` + 1 samples a minute apart. */
const healthy = (name: string, minutes: number, pod = 'jm-0') => [
  series('flink_autoscaler_up', job(name, pod), `1x${minutes}`),
  series('flink_autoscaler_leader', job(name, pod), `1x${minutes}`),
];

/** Runs promtool test rules on the alert file with these series and expectations; returns its output. */
function promtoolTest(inputSeries: unknown[], alertTests: unknown[]): { code: number; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fa-alert-rules-'));
  const file = join(dir, 'test.yaml');
  writeFileSync(
    file,
    stringify({
      rule_files: [RULES_FILE],
      evaluation_interval: '1m',
      tests: [{ interval: '1m', input_series: inputSeries, alert_rule_test: alertTests }],
    }),
  );
  const run = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
  return { code: run.status ?? -1, out: `${run.stdout}${run.stderr}` };
}

const alertsAt = (alertname: string, evalTime: string, expAlerts: unknown[]) => ({
  eval_time: evalTime,
  alertname,
  exp_alerts: expAlerts,
});

describe('the alerts PrometheusRule', () => {
  it('carries files/alert-rules.yaml unchanged (its {{ $labels }} templates included), labelled', () => {
    const objects = render({
      apiVersions: WITH_RULES,
      set: ['monitoring.prometheusRule.labels.release=kps'],
    });
    const rule = one(objects, 'PrometheusRule', `${RELEASE}-flink-autoscaler-alerts`);
    expect(rule.metadata).toMatchObject({
      namespace: NAMESPACE,
      labels: { release: 'kps', 'app.kubernetes.io/component': 'alert-rules' },
    });
    expect(rule['spec']).toEqual(rules);
    expect(JSON.stringify(rule['spec'])).toContain('{{ $labels.flinkdeployment }}');
  });

  it('is left out on request (the fleet rules stay), and without the Prometheus Operator', () => {
    const objects = render({ apiVersions: WITH_RULES, set: ['monitoring.prometheusRule.alerts=false'] });
    expect(ofKind(objects, 'PrometheusRule').map((o) => o.metadata.name)).toEqual([
      `${RELEASE}-flink-autoscaler-fleet`,
    ]);
    expect(ofKind(render({ apiVersions: [] }), 'PrometheusRule')).toEqual([]);
  });

  it('every alert has a severity, a summary and a description', () => {
    const names = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(names).toEqual([
      'FlinkAutoscalerDown',
      'FlinkAutoscalerNoLeader',
      'FlinkAutoscalerScalingFailed',
      'FlinkAutoscalerCannotKeepUp',
      'FlinkAutoscalerNoTrustedData',
      'FlinkAutoscalerGuarded',
      'FlinkAutoscalerSidecarNotInjected',
      'FlinkAutoscalerInjectorCertificateRejected',
    ]);
    for (const r of rules.groups.flatMap((g) => g.rules)) {
      expect(['warning', 'info'], r.alert).toContain(r.labels.severity);
    }
    expect(execFileSync('promtool', ['check', 'rules', RULES_FILE], { encoding: 'utf8' })).toContain(
      'SUCCESS: 8 rules found',
    );
  });

  it("SidecarNotInjected reads exactly the injector's notable skips", () => {
    const rule = rules.groups
      .flatMap((g) => g.rules)
      .find((r) => r.alert === 'FlinkAutoscalerSidecarNotInjected');
    const reasons = /reason=~"([^"]+)"/.exec(rule?.expr ?? '')?.[1]?.split('|');
    expect(reasons?.sort()).toEqual([...NOTABLE_SKIPS].sort());
  });

  it("fire for the injector's pods left without the sidecar and its refused certificates (promtool test rules)", () => {
    const admissions = (outcome: string, reason: string, values: string) =>
      series(
        'flink_autoscaler_injector_admissions_total',
        `pod="injector-0", outcome="${outcome}", reason="${reason}"`,
        values,
      );
    const reloads = (result: string, values: string) =>
      series(
        'flink_autoscaler_injector_certificate_reloads_total',
        `pod="injector-0", result="${result}"`,
        values,
      );
    const result = promtoolTest(
      [
        admissions('injected', 'injected', '0 1 2 3 4 5'),
        admissions('skipped', 'not-requested', '0 5 10 15 20 25'),
        admissions('skipped', 'bad-annotation', '0 0 0 1 1 1'),
        admissions('skipped', 'no-service-account-token', '0 0 0 0 0 0'),
        reloads('loaded', '0 1 1 1 1 1'),
        reloads('rejected', '0 0 0 0 1 1'),
      ],
      [
        alertsAt('FlinkAutoscalerSidecarNotInjected', '2m', []),
        alertsAt('FlinkAutoscalerSidecarNotInjected', '4m', [
          expected(
            'FlinkAutoscalerSidecarNotInjected',
            { reason: 'bad-annotation', severity: 'warning' },
            '1',
          ),
        ]),
        alertsAt('FlinkAutoscalerInjectorCertificateRejected', '3m', []),
        alertsAt('FlinkAutoscalerInjectorCertificateRejected', '5m', [
          expected('FlinkAutoscalerInjectorCertificateRejected', { severity: 'warning' }),
        ]),
      ],
    );
    expect(result.out).toContain('SUCCESS');
    expect(result.code, result.out).toBe(0);
  });

  it('fire for the jobs that need a person, and not for the others (promtool test rules)', () => {
    const down = { namespace: 'ns', flinkdeployment: 'down', severity: 'warning' };
    const result = promtoolTest(
      [
        // down: its only sidecar not up for 15 minutes
        series('flink_autoscaler_up', job('down'), '0x15'),
        // ha: JobManager HA, the standby's sidecar down, the leader's up: the job is autoscaled
        ...healthy('ha', 15),
        series('flink_autoscaler_up', job('ha', 'jm-1'), '0x15'),
        series('flink_autoscaler_leader', job('ha', 'jm-1'), '0x15'),
        // leaderless: up, but no sidecar holds the Lease
        series('flink_autoscaler_up', job('leaderless'), '1x15'),
        series('flink_autoscaler_leader', job('leaderless'), '0x15'),
        // failing: two scale writes failed at minutes 3 and 4
        ...healthy('failing', 15),
        series('flink_autoscaler_errors_total', `${job('failing')}, stage="scale"`, '0 0 0 1 2 2 2 2'),
        // capped: behind (300 s over 120 s) and limited by max workers for 20 minutes
        ...healthy('capped', 20),
        series('flink_autoscaler_backlog_time_seconds', job('capped'), '300x20'),
        series('flink_autoscaler_scale_up_backlog_time_threshold_seconds', job('capped'), '120x20'),
        series(
          'flink_autoscaler_decision_reason',
          `${job('capped')}, reason="limited-by-max-workers"`,
          '1x20',
        ),
        // growing: behind, but nothing limits it (the policy scales it): no alert
        ...healthy('growing', 20),
        series('flink_autoscaler_backlog_time_seconds', job('growing'), '300x20'),
        series('flink_autoscaler_scale_up_backlog_time_threshold_seconds', job('growing'), '120x20'),
        series('flink_autoscaler_decision_reason', `${job('growing')}, reason="backlog-time-high"`, '1x20'),
        // blind: samples dropped for 20 minutes (the window never fills)
        ...healthy('blind', 20),
        series('flink_autoscaler_gate', `${job('blind')}, gate="window-not-full"`, '1x20'),
        // guarded: labelled to scale, guarded for 40 minutes; advising: guarded too, but in advisor mode
        ...healthy('guarded', 40),
        series('flink_autoscaler_mode', `${job('guarded')}, mode="active"`, '1x40'),
        series('flink_autoscaler_guard', `${job('guarded')}, guard="not-reactive"`, '1x40'),
        series('flink_autoscaler_guard', `${job('guarded')}, guard="native-mode"`, '0x40'),
        ...healthy('advising', 40),
        series('flink_autoscaler_mode', `${job('advising')}, mode="advisor"`, '1x40'),
        series('flink_autoscaler_guard', `${job('advising')}, guard="not-reactive"`, '1x40'),
      ],
      [
        alertsAt('FlinkAutoscalerDown', '9m', []),
        alertsAt('FlinkAutoscalerDown', '12m', [expected('FlinkAutoscalerDown', down)]),
        alertsAt('FlinkAutoscalerNoLeader', '12m', [
          expected('FlinkAutoscalerNoLeader', {
            namespace: 'ns',
            flinkdeployment: 'leaderless',
            severity: 'warning',
          }),
        ]),
        alertsAt('FlinkAutoscalerScalingFailed', '5m', [
          {
            exp_labels: { namespace: 'ns', flinkdeployment: 'failing', severity: 'warning' },
            exp_annotations: {
              summary: 'Scaling ns/failing failed in the last 15 minutes.',
              description:
                'The sidecar could not scale the job (2 failures in 15 minutes): its ScalingFailed or ' +
                "ScalingUnconfirmed Events say why (a refused scale, another writer's state, an API server " +
                'that did not answer). kubectl get events --field-selector involvedObject.name=failing',
            },
          },
        ]),
        alertsAt('FlinkAutoscalerScalingFailed', '2m', []),
        alertsAt('FlinkAutoscalerCannotKeepUp', '16m', [
          expected('FlinkAutoscalerCannotKeepUp', {
            namespace: 'ns',
            flinkdeployment: 'capped',
            reason: 'limited-by-max-workers',
            severity: 'warning',
          }),
        ]),
        alertsAt('FlinkAutoscalerNoTrustedData', '16m', [
          expected('FlinkAutoscalerNoTrustedData', {
            namespace: 'ns',
            flinkdeployment: 'blind',
            severity: 'warning',
          }),
        ]),
        alertsAt('FlinkAutoscalerGuarded', '20m', []),
        alertsAt('FlinkAutoscalerGuarded', '35m', [
          expected('FlinkAutoscalerGuarded', {
            namespace: 'ns',
            flinkdeployment: 'guarded',
            guard: 'not-reactive',
            severity: 'info',
          }),
        ]),
      ],
    );
    expect(result.out).toContain('SUCCESS');
    expect(result.code, result.out).toBe(0);
  });
});
