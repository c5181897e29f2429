/**
 * The injection decision for one pod CREATE, pure: inject (with the JSON Patch that adds the sidecar and
 * the status annotation, built against whatever the pod already has), or skip with a reason. It never
 * blocks: every answer allows the pod.
 */
import type { OperatorDefaultsReading } from '../kube/operator-defaults.js';
import { serviceAccountMount, sidecarContainer } from './container.js';
import type { AdmissionReview, JsonPatchOperation, Pod } from './review.js';
import { podSchema } from './review.js';
import {
  INJECTED_LABEL,
  INJECT_ANNOTATION,
  SIDECAR_CONTAINER,
  STATUS_ANNOTATION,
  type SidecarSettings,
} from './settings.js';

export type SkipReason =
  | 'not-a-pod-create'
  | 'not-requested'
  | 'already-injected'
  | 'not-a-jobmanager'
  | 'bad-annotation'
  | 'no-deployment-name'
  | 'no-service-account-token'
  | 'bad-pod';

export type Admission =
  | { outcome: 'injected'; deployment: string; patch: JsonPatchOperation[] }
  | {
      outcome: 'skipped';
      reason: SkipReason;
      message: string;
      /** A person should act on it: record an Event and warn. */
      notable: boolean;
      deployment?: string;
    };

/** A JSON Pointer segment: `~` → `~0`, `/` → `~1` (RFC 6901). */
export function pointerSegment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * The skips a person should act on (the pod asked for the sidecar and did not get it): each gets a warning, an
 * Event `SidecarNotInjected<Reason>` and the chart's alert FlinkAutoscalerSidecarNotInjected.
 */
export const NOTABLE_SKIPS: ReadonlySet<SkipReason> = new Set<SkipReason>([
  'bad-annotation',
  'not-a-jobmanager',
  'no-deployment-name',
  'no-service-account-token',
  'bad-pod',
]);

function skip(reason: SkipReason, message: string, deployment?: string): Admission {
  const notable = NOTABLE_SKIPS.has(reason);
  return { outcome: 'skipped', reason, message, notable, ...(deployment ? { deployment } : {}) };
}

/** The JSON Patch that adds the sidecar and marks the pod (status annotation, injected label). */
export function injectionPatch(pod: Pod, container: Record<string, unknown>, native: boolean, mark: string) {
  const patch: JsonPatchOperation[] = [];
  if (pod.metadata?.annotations === undefined) {
    patch.push({ op: 'add', path: '/metadata/annotations', value: { [STATUS_ANNOTATION]: mark } });
  } else {
    patch.push({
      op: 'add',
      path: `/metadata/annotations/${pointerSegment(STATUS_ANNOTATION)}`,
      value: mark,
    });
  }
  if (!native) patch.push({ op: 'add', path: '/spec/containers/-', value: container });
  else if (pod.spec?.initContainers === undefined) {
    patch.push({ op: 'add', path: '/spec/initContainers', value: [container] });
  } else patch.push({ op: 'add', path: '/spec/initContainers/-', value: container });
  if (pod.metadata?.labels === undefined) {
    patch.push({ op: 'add', path: '/metadata/labels', value: { [INJECTED_LABEL]: 'true' } });
  } else {
    patch.push({ op: 'add', path: `/metadata/labels/${pointerSegment(INJECTED_LABEL)}`, value: 'true' });
  }
  return patch;
}

/**
 * `operatorDefaults` (with `--flink-operator-config`): what a sidecar in a namespace is told of the operator's
 * default autoscaler keys (injector/operator-config.ts); it goes into the sidecar's arguments.
 */
export function admit(
  request: AdmissionReview['request'],
  settings: SidecarSettings,
  operatorDefaults?: (namespace: string) => OperatorDefaultsReading,
): Admission {
  const { kind, operation } = request;
  if (kind.group !== '' || kind.kind !== 'Pod' || operation !== 'CREATE') {
    return skip('not-a-pod-create', `only pod CREATE is handled, got ${operation} of ${kind.kind}`);
  }
  const parsed = podSchema.safeParse(request.object);
  if (!parsed.success || parsed.data.spec === undefined) {
    const problem = parsed.success ? 'spec is missing' : parsed.error.issues[0]?.message;
    return skip('bad-pod', `the pod cannot be read: ${problem}`);
  }
  const pod = parsed.data;
  const spec = parsed.data.spec;
  const labels = pod.metadata?.labels ?? {};
  const annotations = pod.metadata?.annotations ?? {};
  const deployment = labels.app;
  const wanted = annotations[INJECT_ANNOTATION];
  if (wanted === undefined || wanted === 'false') {
    return skip('not-requested', `no ${INJECT_ANNOTATION}: "true" annotation`, deployment);
  }
  if (wanted !== 'true') {
    return skip(
      'bad-annotation',
      `${INJECT_ANNOTATION} must be "true" or "false", got ${JSON.stringify(wanted)}: the sidecar was not added`,
      deployment,
    );
  }
  const containers = [...spec.containers, ...(spec.initContainers ?? [])];
  if (annotations[STATUS_ANNOTATION] !== undefined || containers.some((c) => c.name === SIDECAR_CONTAINER)) {
    return skip('already-injected', 'the pod already has the sidecar', deployment);
  }
  if (labels.component !== 'jobmanager') {
    return skip(
      'not-a-jobmanager',
      `the sidecar goes into JobManager pods (label component: jobmanager), this pod's component is ${JSON.stringify(labels.component ?? null)}`,
      deployment,
    );
  }
  if (deployment === undefined || deployment === '') {
    return skip(
      'no-deployment-name',
      'the pod has no app label naming its FlinkDeployment (the Flink operator sets it): the sidecar was not added',
    );
  }
  if (spec.automountServiceAccountToken === false) {
    return skip(
      'no-service-account-token',
      'the pod sets automountServiceAccountToken: false, so the sidecar could not reach the Kubernetes API: ' +
        'the sidecar was not added',
      deployment,
    );
  }
  const token = serviceAccountMount(pod);
  if (token === undefined) {
    return skip(
      'no-service-account-token',
      'the pod has no service account token mounted, so the sidecar could not reach the Kubernetes API: ' +
        'the sidecar was not added',
      deployment,
    );
  }
  const namespace = request.namespace ?? pod.metadata?.namespace ?? '';
  const extraArgs = operatorDefaults
    ? ['--flink-operator-defaults', JSON.stringify(operatorDefaults(namespace))]
    : [];
  const container = sidecarContainer(settings, pod, deployment, token, extraArgs);
  return {
    outcome: 'injected',
    deployment,
    patch: injectionPatch(pod, container, settings.nativeSidecar, settings.image),
  };
}
