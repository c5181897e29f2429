/**
 * The MutatingWebhookConfiguration: which pods and namespaces the API server sends (its selectors and
 * match condition evaluated here on Flink's own JobManager labels), how it fails, and its TLS in each mode
 * together with the injector's flags, Service and certificate.
 */
import { describe, expect, it } from 'vitest';
import {
  NAMESPACE,
  RELEASE,
  at,
  containerOf,
  flag,
  helm,
  one,
  ofKind,
  render,
  templateArgs,
  type K8sObject,
} from './render.js';

type Labels = Record<string, string>;
interface Expression {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}
interface Selector {
  matchLabels?: Labels;
  matchExpressions?: Expression[];
}
interface Webhook {
  name: string;
  admissionReviewVersions: string[];
  clientConfig: {
    service: { name: string; namespace: string; path: string; port: number };
    caBundle?: string;
  };
  failurePolicy: string;
  sideEffects: string;
  timeoutSeconds: number;
  reinvocationPolicy: string;
  rules: {
    operations: string[];
    apiGroups: string[];
    apiVersions: string[];
    resources: string[];
    scope: string;
  }[];
  namespaceSelector: Selector;
  objectSelector: Selector;
  matchConditions?: { name: string; expression: string }[];
}

/** A label selector as the API server evaluates it. */
function selects(selector: Selector, labels: Labels): boolean {
  const ok = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return (
    ok &&
    (selector.matchExpressions ?? []).every((e) => {
      const has = e.key in labels;
      const value = labels[e.key] as string;
      if (e.operator === 'In') return has && (e.values ?? []).includes(value);
      if (e.operator === 'NotIn') return !has || !(e.values ?? []).includes(value);
      return e.operator === 'Exists' ? has : !has;
    })
  );
}

const webhookOf = (objects: K8sObject[]) =>
  at<Webhook[]>(one(objects, 'MutatingWebhookConfiguration'), 'webhooks');
const nsLabels = (name: string, extra: Labels = {}): Labels => ({
  'kubernetes.io/metadata.name': name,
  ...extra,
});
const JOBMANAGER: Labels = { app: 'clickstream', component: 'jobmanager', type: 'flink-native-kubernetes' };
const STANDALONE_JM: Labels = { ...JOBMANAGER, type: 'flink-standalone-kubernetes' };
const TASKMANAGER: Labels = { app: 'clickstream', component: 'taskmanager', type: 'flink-native-kubernetes' };
const INJECTOR = `${RELEASE}-flink-autoscaler-injector`;

describe('the webhook with the defaults', () => {
  const objects = render({});
  const hooks = webhookOf(objects);
  const hook = hooks[0] as Webhook;

  it('is one webhook on pod CREATE, admission v1, never blocking, short, without side effects on dry run', () => {
    expect(hooks).toHaveLength(1);
    expect(hook.name.split('.').length).toBeGreaterThanOrEqual(3);
    expect(hook.admissionReviewVersions).toEqual(['v1']);
    expect(hook.rules).toEqual([
      {
        operations: ['CREATE'],
        apiGroups: [''],
        apiVersions: ['v1'],
        resources: ['pods'],
        scope: 'Namespaced',
      },
    ]);
    expect(hook.failurePolicy).toBe('Ignore');
    expect(hook.sideEffects).toBe('NoneOnDryRun');
    expect(hook.timeoutSeconds).toBeLessThanOrEqual(10);
    expect(hook.reinvocationPolicy).toBe('Never');
  });

  it('sees Flink JobManager pods (native and standalone) and no other pod', () => {
    expect(selects(hook.objectSelector, JOBMANAGER)).toBe(true);
    expect(selects(hook.objectSelector, STANDALONE_JM)).toBe(true);
    expect(selects(hook.objectSelector, TASKMANAGER)).toBe(false);
    expect(selects(hook.objectSelector, { app: 'web' })).toBe(false);
    expect(selects(hook.objectSelector, { component: 'jobmanager' })).toBe(false);
  });

  it('leaves out its own namespace, kube-system and namespaces labelled disabled; any other is in', () => {
    expect(selects(hook.namespaceSelector, nsLabels(NAMESPACE))).toBe(false);
    expect(selects(hook.namespaceSelector, nsLabels('kube-system'))).toBe(false);
    expect(
      selects(hook.namespaceSelector, nsLabels('jobs', { 'flink-autoscaler.io/webhook': 'disabled' })),
    ).toBe(false);
    expect(selects(hook.namespaceSelector, nsLabels('flink-jobs'))).toBe(true);
  });

  it('is called only for pods annotated flink-autoscaler.io/inject: "true" (CEL match condition)', () => {
    const expression = hook.matchConditions?.[0]?.expression ?? '';
    expect(hook.matchConditions).toHaveLength(1);
    expect(expression).toContain("object.metadata.annotations['flink-autoscaler.io/inject'] == 'true'");
    expect(expression).toMatch(/^has\(object\.metadata\.annotations\) &&/);
  });

  it('calls the injector Service on its HTTPS port at /mutate', () => {
    const service = one(objects, 'Service', INJECTOR);
    expect(hook.clientConfig.service).toEqual({
      name: INJECTOR,
      namespace: NAMESPACE,
      path: '/mutate',
      port: 443,
    });
    const port = at<{ port: number; targetPort: string }[]>(service, 'spec', 'ports').find(
      (p) => p.port === 443,
    );
    expect(port?.targetPort).toBe('https');
    const injector = containerOf(one(objects, 'Deployment', INJECTOR), 'injector');
    expect(injector.ports?.find((p) => p.name === 'https')?.containerPort).toBe(8443);
    expect(flag(injector.args ?? [], '--listen')).toBe('0.0.0.0:8443');
    expect(flag(injector.args ?? [], '--metrics-listen')).toBe('0.0.0.0:9090');
  });

  it('runs 2 injectors with a PodDisruptionBudget', () => {
    expect(at(one(objects, 'Deployment', INJECTOR), 'spec', 'replicas')).toBe(2);
    expect(at(one(objects, 'PodDisruptionBudget', INJECTOR), 'spec', 'minAvailable')).toBe(1);
  });

  it('has no match condition on clusters older than 1.30', () => {
    expect(webhookOf(render({ kubeVersion: '1.29.4' }))[0]?.matchConditions).toBeUndefined();
  });
});

describe('the webhook limited to job namespaces and a namespace label (ci/jobs-values.yaml)', () => {
  const hook = webhookOf(render({ values: ['jobs-values.yaml'] }))[0] as Webhook;
  it('selects only listed namespaces that carry the label', () => {
    expect(selects(hook.namespaceSelector, nsLabels('flink-jobs', { team: 'data' }))).toBe(true);
    expect(selects(hook.namespaceSelector, nsLabels('analytics', { team: 'data' }))).toBe(true);
    expect(selects(hook.namespaceSelector, nsLabels('flink-jobs'))).toBe(false);
    expect(selects(hook.namespaceSelector, nsLabels('other', { team: 'data' }))).toBe(false);
  });

  it('refuses onlyJobNamespaces without job namespaces', () => {
    const result = helm(templateArgs({ set: ['webhook.onlyJobNamespaces=true'] }));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('webhook.onlyJobNamespaces needs at least one entry in jobNamespaces');
  });
});

describe('TLS', () => {
  it('cert-manager: a CA chain, a serving certificate for the Service names, the CA injected', () => {
    const objects = render({ set: ['tls.mode=certManager'] });
    const cert = one(objects, 'Certificate', INJECTOR);
    const dnsNames = at<string[]>(cert, 'spec', 'dnsNames');
    expect(dnsNames).toContain(`${INJECTOR}.${NAMESPACE}.svc`);
    expect(dnsNames).toContain(`${INJECTOR}.${NAMESPACE}.svc.cluster.local`);
    const secretName = at<string>(cert, 'spec', 'secretName');
    const deployment = one(objects, 'Deployment', INJECTOR);
    const volumes = at<{ name: string; secret: { secretName: string } }[]>(
      deployment,
      'spec',
      'template',
      'spec',
      'volumes',
    );
    expect(volumes).toEqual([{ name: 'tls', secret: { secretName } }]);
    const args = containerOf(deployment, 'injector').args ?? [];
    expect(flag(args, '--tls-cert')).toBe('/tls/tls.crt');
    expect(flag(args, '--tls-key')).toBe('/tls/tls.key');
    expect(flag(args, '--self-managed-tls')).toBeUndefined();
    const webhook = one(objects, 'MutatingWebhookConfiguration');
    expect(webhook.metadata.annotations?.['cert-manager.io/inject-ca-from']).toBe(`${NAMESPACE}/${INJECTOR}`);
    const issuer = at<{ name: string; kind: string }>(cert, 'spec', 'issuerRef');
    expect(at(one(objects, 'Issuer', issuer.name), 'spec', 'ca', 'secretName')).toBe(`${INJECTOR}-ca`);
    expect(at(one(objects, 'Certificate', `${INJECTOR}-ca`), 'spec', 'isCA')).toBe(true);
  });

  it('cert-manager with a given issuer: only the serving certificates (injector, gateway), from that issuer', () => {
    const objects = render({
      set: [
        'tls.mode=certManager',
        'gateway.tls.mode=certManager',
        'tls.certManager.issuerRef.name=corp-ca',
        'tls.certManager.issuerRef.kind=ClusterIssuer',
        'gateway.tls.certManager.issuerRef.name=corp-ca',
        'gateway.tls.certManager.issuerRef.kind=ClusterIssuer',
      ],
    });
    expect(ofKind(objects, 'Issuer')).toEqual([]);
    expect(
      ofKind(objects, 'Certificate')
        .map((c) => c.metadata.name)
        .sort(),
    ).toEqual([`${RELEASE}-flink-autoscaler-gateway`, INJECTOR]);
    for (const certificate of ofKind(objects, 'Certificate'))
      expect(at(certificate, 'spec', 'issuerRef')).toEqual({ name: 'corp-ca', kind: 'ClusterIssuer' });
  });

  it('a user-supplied Secret: mounted, its CA in the webhook, no cert-manager object', () => {
    const objects = render({ values: ['secret-tls-values.yaml'] });
    expect([...ofKind(objects, 'Certificate'), ...ofKind(objects, 'Issuer')]).toEqual([]);
    const hook = webhookOf(objects)[0] as Webhook;
    expect(Buffer.from(hook.clientConfig.caBundle ?? '', 'base64').toString()).toContain('BEGIN CERTIFICATE');
    expect(one(objects, 'MutatingWebhookConfiguration').metadata.annotations).toBeUndefined();
    const volumes = at<{ secret: { secretName: string } }[]>(
      one(objects, 'Deployment', INJECTOR),
      'spec',
      'template',
      'spec',
      'volumes',
    );
    expect(volumes[0]?.secret.secretName).toBe('my-injector-tls');
  });

  it.each([
    ['tls.secret.caBundle=Zm9v', 'tls.secret.name'],
    ['tls.secret.name=x', 'tls.secret.caBundle'],
  ])('a Secret without everything it needs fails with a message (%s)', (set, missing) => {
    const result = helm(templateArgs({ set: ['tls.mode=secret', set] }));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(missing);
  });

  it('self-managed: the injector is told its webhook, Service and Secret, and mounts nothing', () => {
    const objects = render({ values: ['self-managed-values.yaml'] });
    expect([...ofKind(objects, 'Certificate'), ...ofKind(objects, 'Issuer')]).toEqual([]);
    const deployment = one(objects, 'Deployment', INJECTOR);
    const injector = containerOf(deployment, 'injector');
    const args = injector.args ?? [];
    expect(flag(args, '--self-managed-tls')).toBe(true);
    expect(flag(args, '--webhook-config')).toBe(one(objects, 'MutatingWebhookConfiguration').metadata.name);
    expect(flag(args, '--service')).toBe(one(objects, 'Service', INJECTOR).metadata.name);
    expect(flag(args, '--tls-secret')).toBe(`${INJECTOR}-tls`);
    expect(flag(args, '--tls-cert')).toBeUndefined();
    expect(injector['volumeMounts']).toBeUndefined();
    expect(at(injector, 'env', 0)).toEqual({
      name: 'POD_NAMESPACE',
      valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
    });
    const hook = webhookOf(objects)[0] as Webhook;
    expect(hook.clientConfig.caBundle).toBeUndefined();
    expect(hook.failurePolicy).toBe('Fail');
    expect(hook.matchConditions).toBeUndefined();
  });
});
