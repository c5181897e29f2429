/**
 * Reads what the sidecar needs from its FlinkDeployment object: the opt-in label (active or advisor
 * mode), the status gates (lifecycle, job state, reconciliation, observed generation), the replica count,
 * the per-job policy annotations and the persisted autoscaler state. Pure: no I/O.
 */
import {
  ANNOTATION_PREFIX,
  applyAnnotations,
  parseState,
  type AnnotationOverrides,
  type AutoscalerState,
  type PolicyConfig,
} from '@flink-autoscaler/shared';

/** The label that lets the sidecar act; without it, it only advises. */
export const ENABLED_LABEL = `${ANNOTATION_PREFIX}enabled`;
/** The annotation that keeps the autoscaler's state across restarts. */
export const STATE_ANNOTATION = `${ANNOTATION_PREFIX}state`;

/** The parts of a FlinkDeployment the sidecar reads (the rest passes through untouched). */
export interface FlinkDeployment {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: { taskManager?: { replicas?: number }; [key: string]: unknown };
  status?: {
    lifecycleState?: string;
    observedGeneration?: number;
    jobManagerDeploymentStatus?: string;
    jobStatus?: { state?: string };
    reconciliationStatus?: { state?: string };
    taskManager?: { replicas?: number };
  };
}

export type Mode = 'active' | 'advisor';

export function modeOf(deployment: FlinkDeployment): Mode {
  return deployment.metadata.labels?.[ENABLED_LABEL] === 'true' ? 'active' : 'advisor';
}

/** Why the FlinkDeployment is not stable enough to scale, or undefined when it is. */
export function unstableBecause(deployment: FlinkDeployment): string | undefined {
  const status = deployment.status;
  if (!status) return 'the FlinkDeployment has no status yet';
  const lifecycle = status.lifecycleState;
  if (lifecycle !== 'STABLE' && lifecycle !== 'DEPLOYED')
    return `lifecycle state is ${lifecycle ?? 'unknown'}`;
  const reconciliation = status.reconciliationStatus?.state;
  if (reconciliation !== 'DEPLOYED') return `reconciliation state is ${reconciliation ?? 'unknown'}`;
  const generation = deployment.metadata.generation;
  if (generation !== undefined && status.observedGeneration !== generation) {
    return `the operator has not reconciled generation ${generation} yet (observed ${status.observedGeneration ?? 'none'})`;
  }
  const job = status.jobStatus?.state;
  if (job !== undefined && job !== 'RUNNING') return `the operator reports the job ${job}`;
  return undefined;
}

/** The replica count asked for in the spec (what the scale subresource reads and writes). */
export function specReplicas(deployment: FlinkDeployment): number | undefined {
  return deployment.spec?.taskManager?.replicas;
}

/** The policy in force for this job: the base config with its valid `flink-autoscaler.io/<option>` annotations. */
export function policyOf(deployment: FlinkDeployment, base: PolicyConfig): AnnotationOverrides {
  return applyAnnotations(deployment.metadata.annotations, base);
}

export type StateRead = { ok: true; state: AutoscalerState | undefined } | { ok: false; message: string };

/** The persisted autoscaler state, if any; a bad annotation is reported, not trusted. */
export function stateOf(deployment: FlinkDeployment): StateRead {
  const text = deployment.metadata.annotations?.[STATE_ANNOTATION];
  if (text === undefined) return { ok: true, state: undefined };
  const parsed = parseState(text);
  return parsed.ok ? { ok: true, state: parsed.state } : { ok: false, message: parsed.message };
}
