/**
 * The gateway's only channel to a job: its FlinkDeployment. Read it, judge a manual scale against it (the
 * policy's bounds from its annotations on the base policy, which is the sidecar's: the same policy flags,
 * passed by the chart to both; no rescale in progress per its state annotation;
 * `paused` does not block a person and is reported), project its status for the panel, and write a
 * scale as ONE merge patch: `metadata.resourceVersion` (the precondition), `spec.taskManager.replicas`
 * and the hold annotation.
 */
import {
  RESCALE_TIMEOUT_MS,
  workerBounds,
  type PolicyConfig,
  type RescaleRecord,
} from '@flink-autoscaler/shared';
import type { KubeConnection } from '../kube/connection.js';
import {
  modeOf,
  policyOf,
  specReplicas,
  stateOf,
  type FlinkDeployment,
  type Mode,
} from '../kube/deployment.js';
import { HOLD_ANNOTATION, holdOf, pausedOf, serializeHold, type Hold } from '../kube/manual-hold.js';
import { HttpError } from '../http/errors.js';

const API = '/apis/flink.apache.org/v1beta1';

export function deploymentPath(namespace: string, name: string): string {
  return `${API}/namespaces/${encodeURIComponent(namespace)}/flinkdeployments/${encodeURIComponent(name)}`;
}

export async function readDeployment(
  connection: Pick<KubeConnection, 'json'>,
  namespace: string,
  name: string,
): Promise<FlinkDeployment> {
  return connection.json<FlinkDeployment>({
    method: 'GET',
    path: deploymentPath(namespace, name),
    what: `read flinkdeployment ${namespace}/${name}`,
  });
}

/**
 * The replica bounds of the job's policy: its annotations on `base` (the policy flags the sidecar runs with),
 * capped by max parallelism.
 */
export function boundsOf(deployment: FlinkDeployment, base: PolicyConfig): { min: number; max: number } {
  const { min, max } = workerBounds(policyOf(deployment, base).config);
  return { min, max };
}

/** The rescale the autoscaler started and has not seen settle (within its timeout), if any. */
export function rescaleInProgress(
  deployment: FlinkDeployment,
  now: number,
): { from: number; to: number; since: string } | undefined {
  const read = stateOf(deployment);
  const rescale = read.ok ? read.state?.rescale : undefined;
  if (rescale === undefined || rescale.settledAt !== undefined) return undefined;
  if (now - rescale.time >= RESCALE_TIMEOUT_MS) return undefined;
  return { from: rescale.from, to: rescale.to, since: new Date(rescale.time).toISOString() };
}

/** Why this scale may not be written now (an HttpError), or nothing. */
export function judgeScale(
  deployment: FlinkDeployment,
  replicas: number,
  now: number,
  base: PolicyConfig,
): void {
  const { min, max } = boundsOf(deployment, base);
  if (replicas < min || replicas > max) {
    throw new HttpError(
      422,
      'out-of-bounds',
      `replicas must be from ${min} to ${max} for this job (its policy's bounds: the flink-autoscaler.io/ ` +
        `annotations on the autoscaler's policy settings, with max parallelism); ${replicas} is outside`,
    );
  }
  const busy = rescaleInProgress(deployment, now);
  if (busy !== undefined) {
    throw new HttpError(
      409,
      'conflict',
      `the autoscaler is rescaling this job from ${busy.from} to ${busy.to} (since ${busy.since}): ` +
        'try again when the job runs at its new size',
    );
  }
}

/** ONE merge patch: the precondition, the replicas and the hold. */
export async function writeScale(
  connection: Pick<KubeConnection, 'json'>,
  deployment: FlinkDeployment,
  hold: Hold,
): Promise<FlinkDeployment> {
  const namespace = deployment.metadata.namespace ?? '';
  const name = deployment.metadata.name;
  return connection.json<FlinkDeployment>({
    method: 'PATCH',
    path: deploymentPath(namespace, name),
    query: { fieldManager: 'flink-autoscaler-gateway' },
    contentType: 'application/merge-patch+json',
    body: {
      metadata: {
        resourceVersion: deployment.metadata.resourceVersion,
        annotations: { [HOLD_ANNOTATION]: serializeHold(hold) },
      },
      spec: { taskManager: { replicas: hold.replicas } },
    },
    what: `scale flinkdeployment ${namespace}/${name} to ${hold.replicas}`,
  });
}

export interface JobStatus {
  replicas: number | null;
  runningReplicas: number | null;
  mode: Mode;
  paused: boolean;
  hold: Hold | null;
  holdError?: string;
  lifecycleState: string | null;
  jobState: string | null;
  lastScalings: Array<Omit<RescaleRecord, 'time'> & { time: string }>;
}

/** What the panel shows, read-only from the FlinkDeployment (no secret: no flinkConfiguration). */
export function statusOf(deployment: FlinkDeployment): JobStatus {
  const hold = holdOf(deployment);
  const state = stateOf(deployment);
  const history = state.ok ? (state.state?.history ?? []) : [];
  const running = (deployment.status as { taskManager?: { replicas?: number } } | undefined)?.taskManager
    ?.replicas;
  return {
    replicas: specReplicas(deployment) ?? null,
    runningReplicas: running ?? null,
    mode: modeOf(deployment),
    paused: pausedOf(deployment),
    hold: hold.ok ? (hold.hold ?? null) : null,
    ...(hold.ok ? {} : { holdError: hold.message }),
    lifecycleState: deployment.status?.lifecycleState ?? null,
    jobState: deployment.status?.jobStatus?.state ?? null,
    lastScalings: history
      .slice(-10)
      .reverse()
      .map((record) => ({ ...record, time: new Date(record.time).toISOString() })),
  };
}
