import { DEFAULT_CONFIG, initialState, serializeState } from '@flink-autoscaler/shared';
import { describe, expect, it } from 'vitest';
import {
  ENABLED_LABEL,
  STATE_ANNOTATION,
  modeOf,
  policyOf,
  specReplicas,
  stateOf,
  unstableBecause,
  type FlinkDeployment,
} from '../src/kube/deployment.js';

function deployment(
  extra: Partial<FlinkDeployment> = {},
  status: FlinkDeployment['status'] = {},
): FlinkDeployment {
  return {
    metadata: {
      name: 'clickstream',
      namespace: 'streaming',
      generation: 3,
      labels: {},
      annotations: {},
      ...extra.metadata,
    },
    spec: { taskManager: { replicas: 4 } },
    status: {
      lifecycleState: 'STABLE',
      observedGeneration: 3,
      reconciliationStatus: { state: 'DEPLOYED' },
      jobStatus: { state: 'RUNNING' },
      ...status,
    },
  };
}

describe('reading the FlinkDeployment', () => {
  it('acts only with the label flink-autoscaler.io/enabled: "true"', () => {
    expect(modeOf(deployment())).toBe('advisor');
    expect(modeOf(deployment({ metadata: { name: 'x', labels: { [ENABLED_LABEL]: 'true' } } }))).toBe(
      'active',
    );
    expect(modeOf(deployment({ metadata: { name: 'x', labels: { [ENABLED_LABEL]: 'yes' } } }))).toBe(
      'advisor',
    );
  });

  it('is stable when STABLE or DEPLOYED, reconciled, at its generation and RUNNING', () => {
    expect(unstableBecause(deployment())).toBeUndefined();
    expect(unstableBecause(deployment({}, { lifecycleState: 'DEPLOYED' }))).toBeUndefined();
    expect(unstableBecause(deployment({}, { lifecycleState: 'UPGRADING' }))).toBe(
      'lifecycle state is UPGRADING',
    );
    expect(unstableBecause(deployment({}, { reconciliationStatus: { state: 'UPGRADING' } }))).toBe(
      'reconciliation state is UPGRADING',
    );
    expect(unstableBecause(deployment({}, { observedGeneration: 2 }))).toMatch(
      /not reconciled generation 3 yet \(observed 2\)/,
    );
    expect(unstableBecause(deployment({}, { jobStatus: { state: 'RESTARTING' } }))).toBe(
      'the operator reports the job RESTARTING',
    );
    expect(unstableBecause({ metadata: { name: 'x' } })).toBe('the FlinkDeployment has no status yet');
  });

  it('reads the replicas, the policy annotations and the state', () => {
    const d = deployment({
      metadata: {
        name: 'x',
        annotations: {
          'flink-autoscaler.io/max-workers': '40',
          'flink-autoscaler.io/min-workers': 'two',
          [STATE_ANNOTATION]: serializeState({
            ...initialState(),
            hold: { until: 5, user: 'ann', note: 'test' },
          }),
        },
      },
    });
    expect(specReplicas(d)).toBe(4);
    const policy = policyOf(d, DEFAULT_CONFIG);
    expect(policy.config.maxWorkers).toBe(40);
    expect(policy.issues.map((i) => i.path)).toEqual(['flink-autoscaler.io/min-workers']);
    expect(stateOf(d)).toEqual({
      ok: true,
      state: { version: 1, history: [], hold: { until: 5, user: 'ann', note: 'test' } },
    });
  });

  it('reports a bad state annotation instead of trusting it', () => {
    const d = deployment({ metadata: { name: 'x', annotations: { [STATE_ANNOTATION]: '{"version":2}' } } });
    const read = stateOf(d);
    expect(read.ok).toBe(false);
    expect(stateOf(deployment())).toEqual({ ok: true, state: undefined });
  });
});
