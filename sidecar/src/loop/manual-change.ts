/**
 * What a new version of the FlinkDeployment says about manual scaling, for the control loop: a replica change
 * the sidecar did not make (the gateway, `kubectl scale`, GitOps) and the hold it brings, and a hold annotation
 * that names the current replica count. Pure: no I/O.
 */
import { holdOf, holdTime } from '../kube/manual-hold.js';
import { specReplicas, type FlinkDeployment } from '../kube/deployment.js';

/** A hold in force: until when (Unix ms), who and why (empty when nobody is named). */
export interface ActiveHold {
  until: number;
  by: string;
  reason: string;
}

/** A replica change the sidecar did not make. */
export interface ManualChange {
  from: number;
  to: number;
  /** The hold it brings: from a hold annotation naming `to`, else `manualHoldSeconds` from now. */
  hold: ActiveHold;
  /** Whether a hold annotation named the new count (then `by` and `reason` are the writer's). */
  annotated: boolean;
}

/**
 * The `flink-autoscaler.io/hold` annotation when it is valid, names the replica count the FlinkDeployment asks
 * for now, and has not ended; otherwise undefined (a hold for another count is over: someone scaled since).
 */
export function annotatedHold(deployment: FlinkDeployment, now: number): ActiveHold | undefined {
  const read = holdOf(deployment);
  if (!read.ok || read.hold === undefined) return undefined;
  const replicas = specReplicas(deployment);
  const until = holdTime(read.hold.until);
  if (replicas !== read.hold.replicas || !Number.isFinite(until) || until <= now) return undefined;
  return { until, by: read.hold.by, reason: read.hold.reason };
}

/**
 * The manual change between the count the sidecar knew (`previous`) and this version, or undefined when the
 * count did not change or changed to one of `own` (a rescale the sidecar itself asked for).
 */
export function manualChangeOf(
  previous: number | undefined,
  deployment: FlinkDeployment,
  own: readonly number[],
  now: number,
  manualHoldSeconds: number,
): ManualChange | undefined {
  const to = specReplicas(deployment);
  if (previous === undefined || to === undefined || to === previous || own.includes(to)) return undefined;
  const named = annotatedHold(deployment, now);
  return {
    from: previous,
    to,
    hold: named ?? { until: now + manualHoldSeconds * 1000, by: '', reason: '' },
    annotated: named !== undefined,
  };
}
