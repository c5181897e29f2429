/**
 * The ValidatingAdmissionPolicy's CEL, evaluated (needs the devDependency @marcbachmann/cel-js): requests a
 * job service account makes as the API server would present them (object, oldObject, request with the
 * bound token's pod claim), allowed or refused with the policy's own message. Variables are evaluated in
 * order, each only when it can be (as the API server evaluates them lazily).
 */
import { evaluate } from '@marcbachmann/cel-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureHelm } from './helm.js';
import { at, one, render } from './render.js';

beforeAll(() => {
  ensureHelm();
}, 300_000);

interface Named {
  name: string;
  expression: string;
}
interface Validation {
  expression: string;
  message?: string;
  messageExpression?: string;
}
interface PolicySpec {
  matchConditions: Named[];
  variables: Named[];
  validations: Validation[];
}

const SA = 'system:serviceaccount:flink-jobs:flink';
const OWN_POD = 'orders-7d9f8c6b5-abcde';
let spec: PolicySpec;
beforeAll(() => {
  spec = at<PolicySpec>(one(render({ values: ['jobs-values.yaml'] }), 'ValidatingAdmissionPolicy'), 'spec');
});

interface Request {
  user?: string;
  pod?: string;
  operation?: 'CREATE' | 'UPDATE' | 'DELETE';
  subResource?: string;
  name?: string;
  object?: unknown;
  oldObject?: unknown;
}

/** 'not matched', 'allowed', or the messages of the validations that refuse. */
function admit(r: Request): string | string[] {
  const request = {
    operation: r.operation ?? 'UPDATE',
    subResource: r.subResource ?? '',
    name: r.name ?? 'orders',
    namespace: 'flink-jobs',
    userInfo: {
      username: r.user ?? SA,
      ...(r.pod ? { extra: { 'authentication.kubernetes.io/pod-name': [r.pod] } } : {}),
    },
  };
  const context = { request, object: r.object ?? null, oldObject: r.oldObject ?? null };
  if (!spec.matchConditions.every((c) => evaluate(c.expression, context) === true)) return 'not matched';
  const variables: Record<string, unknown> = {};
  for (const v of spec.variables) {
    try {
      variables[v.name] = evaluate(v.expression, { ...context, variables });
    } catch {
      // Not evaluable for this request (e.g. object is null for a DELETE): only a guarded validation reads it.
    }
  }
  const refused: string[] = [];
  for (const v of spec.validations) {
    const ok = evaluate(v.expression, { ...context, variables });
    expect(typeof ok, v.expression).toBe('boolean');
    if (ok !== true)
      refused.push(v.message ?? String(evaluate(v.messageExpression as string, { ...context, variables })));
  }
  return refused.length === 0 ? 'allowed' : refused;
}

const deployment = () => ({
  apiVersion: 'flink.apache.org/v1beta1',
  kind: 'FlinkDeployment',
  metadata: {
    name: 'orders',
    namespace: 'flink-jobs',
    resourceVersion: '5',
    labels: { app: 'orders', 'flink-autoscaler.io/enabled': 'true' },
    annotations: {
      'flink-autoscaler.io/max-workers': '10',
      'kubectl.kubernetes.io/last-applied-configuration': '{}',
    },
    finalizers: ['flinkdeployments.flink.apache.org/finalizer'],
  },
  spec: {
    image: 'flink:1.20',
    flinkVersion: 'v1_20',
    flinkConfiguration: { 'taskmanager.numberOfTaskSlots': '2' },
    jobManager: { resource: { cpu: 1, memory: '2048m' } },
    taskManager: { replicas: 2, resource: { cpu: 1, memory: '2048m' } },
    job: { jarURI: 'local:///opt/flink/job.jar', parallelism: 4 },
  },
});
type Deployment = ReturnType<typeof deployment>;
const update = (change: (d: Deployment) => void, extra: Request = {}) => {
  const object = deployment();
  change(object);
  object.metadata.resourceVersion = '6';
  return admit({ ...extra, object, oldObject: deployment() });
};
const scale = (replicas: number) => ({ kind: 'Scale', metadata: { name: 'orders' }, spec: { replicas } });

describe('the job service account may', () => {
  it.each<[string, (d: Deployment) => void]>([
    ['change the TaskManager replicas', (d) => void (d.spec.taskManager.replicas = 5)],
    [
      'write the state annotation',
      (d) => void ((d.metadata.annotations as Record<string, string>)['flink-autoscaler.io/state'] = '{}'),
    ],
    [
      'remove one of our annotations',
      (d) =>
        void delete (d.metadata.annotations as Record<string, string>)['flink-autoscaler.io/max-workers'],
    ],
    ['write nothing new (a no-op update)', () => undefined],
  ])('%s', (_name, change) => {
    expect(update(change)).toBe('allowed');
    expect(update(change, { pod: OWN_POD })).toBe('allowed');
  });

  it("scale its own FlinkDeployment's scale subresource, and any when its token names no pod", () => {
    expect(admit({ subResource: 'scale', pod: OWN_POD, object: scale(4), oldObject: scale(2) })).toBe(
      'allowed',
    );
    expect(admit({ subResource: 'scale', object: scale(4), oldObject: scale(2) })).toBe('allowed');
  });
});

describe('the job service account may not', () => {
  const SPEC = "a job service account may change only spec.taskManager.replicas of a FlinkDeployment's spec";
  it.each<[string, (d: Deployment) => void, string]>([
    ['change the image', (d) => void (d.spec.image = 'evil:latest'), SPEC],
    ['change the TaskManager resources', (d) => void (d.spec.taskManager.resource.cpu = 8), SPEC],
    [
      'add a TaskManager pod template',
      (d) => void ((d.spec.taskManager as Record<string, unknown>)['podTemplate'] = {}),
      SPEC,
    ],
    ['add a spec field', (d) => void ((d.spec as Record<string, unknown>)['podTemplate'] = {}), SPEC],
    ['remove a spec field', (d) => void delete (d.spec as Record<string, unknown>)['job'], SPEC],
    [
      'change the Flink configuration',
      (d) => void ((d.spec.flinkConfiguration as Record<string, string>)['a'] = 'b'),
      SPEC,
    ],
    [
      'turn its autoscaling label off',
      (d) => void (d.metadata.labels['flink-autoscaler.io/enabled'] = 'false'),
      "a job service account may not change a FlinkDeployment's labels",
    ],
    [
      'remove the labels',
      (d) => void delete (d.metadata as Record<string, unknown>)['labels'],
      "a job service account may not change a FlinkDeployment's labels",
    ],
    [
      'change another annotation',
      (d) => void (d.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'] = 'x'),
      'a job service account may change only flink-autoscaler.io/ annotations of a FlinkDeployment',
    ],
    [
      'add another annotation',
      (d) => void ((d.metadata.annotations as Record<string, string>)['example.com/x'] = 'y'),
      'a job service account may change only flink-autoscaler.io/ annotations of a FlinkDeployment',
    ],
    [
      'remove a finalizer',
      (d) => void (d.metadata.finalizers = []),
      "a job service account may not change a FlinkDeployment's finalizers or owners",
    ],
  ])('%s', (_name, change, message) => {
    expect(update(change)).toEqual([message]);
  });

  it('touch another FlinkDeployment when its token names its pod (a prefix of the name is not enough)', () => {
    for (const pod of ['orders-v2-7d9f8c6b5-abcde', 'ordersx-7d9f8c6b5-abcde', 'payments-7d9f8c6b5-abcde']) {
      const message = `the pod ${pod} may change only its own FlinkDeployment, not flink-jobs/orders`;
      expect(update((d) => void (d.spec.taskManager.replicas = 5), { pod })).toEqual([message]);
      expect(admit({ subResource: 'scale', pod, object: scale(4), oldObject: scale(2) })).toEqual([message]);
    }
  });

  it('create, delete or write the status of a FlinkDeployment', () => {
    expect(admit({ operation: 'CREATE', object: deployment() })).toEqual([
      'a job service account may not create FlinkDeployments',
    ]);
    expect(admit({ operation: 'DELETE', oldObject: deployment() })).toEqual([
      'a job service account may not delete FlinkDeployments',
    ]);
    expect(admit({ subResource: 'status', object: deployment(), oldObject: deployment() })).toEqual([
      "a job service account may not write a FlinkDeployment's status",
    ]);
  });
});

it('leaves everyone else alone (the gateway, a person, a service account not listed)', () => {
  for (const user of [
    'system:serviceaccount:flink-autoscaler:fa-flink-autoscaler-gateway',
    'alice',
    'system:serviceaccount:flink-jobs:default',
  ])
    expect(update((d) => void (d.spec.image = 'x'), { user })).toBe('not matched');
});
