/**
 * The sidecar's health, from what its loop last saw: live (/healthz: a cycle completed within the liveness
 * period), ready (/readyz: the FlinkDeployment read, Flink answering) and the reason code of /metrics'
 * not_ready series. Pure: the loop hands in a snapshot and the time.
 */

/** Why the sidecar could not start: the FlinkDeployment could not be read (kept across retries). */
export interface StartFailure {
  /** The reason code, `flinkdeployment-<failure>` (kube/client.ts KubeError). */
  reason: string;
  message: string;
  since: number;
  attempts: number;
}

/** What the health rules read of the loop. */
export interface HealthView {
  now: number;
  /** When the sidecar was made (liveness counts from here until the first cycle). */
  createdAt: number;
  lastCycleAt: number | undefined;
  livenessMs: number;
  startFailure: StartFailure | undefined;
  /** The FlinkDeployment has been read. */
  deploymentRead: boolean;
  /** The watch saw it deleted. */
  gone: boolean;
  /** Flink has been asked at least once; and whether it answered with a job state, and why not. */
  flinkAsked: boolean;
  flinkReached: boolean;
  flinkDropMessage?: string | undefined;
}

/** /healthz fails when no cycle completed for this long: 10 intervals, at least 300 s. */
export function defaultLivenessSeconds(intervalSeconds: number): number {
  return Math.max(300, 10 * intervalSeconds);
}

/** Whether a cycle completed within the liveness period (from the start until the first one). */
export function liveness(view: HealthView): { live: boolean; reason: string } {
  const since = view.lastCycleAt ?? view.createdAt;
  const seconds = Math.round((view.now - since) / 1000);
  if (view.now - since <= view.livenessMs) return { live: true, reason: 'ok' };
  const limit = Math.round(view.livenessMs / 1000);
  if (view.lastCycleAt !== undefined)
    return { live: false, reason: `no evaluation cycle completed for ${seconds} s (limit ${limit} s)` };
  const why = view.startFailure ? `: ${view.startFailure.message}` : '';
  return {
    live: false,
    reason: `no evaluation cycle completed in ${seconds} s since the start (limit ${limit} s)${why}`,
  };
}

/** The reason code for /metrics' not_ready series, undefined when ready. */
export function notReadyReason(view: HealthView): string | undefined {
  if (view.startFailure) return view.startFailure.reason;
  if (!view.deploymentRead) return 'starting';
  if (view.gone) return 'flinkdeployment-gone';
  if (!view.flinkAsked) return 'flink-not-asked';
  if (!view.flinkReached) return 'flink-unreachable';
  return undefined;
}

/** /readyz: ready once the FlinkDeployment is read and Flink answers; otherwise why not, in words. */
export function readiness(view: HealthView): { ready: boolean; reason: string } {
  if (view.startFailure) {
    return {
      ready: false,
      reason: `cannot read the FlinkDeployment (${view.startFailure.attempts} attempts): ${view.startFailure.message}`,
    };
  }
  if (!view.deploymentRead) return { ready: false, reason: 'the FlinkDeployment has not been read yet' };
  if (view.gone) return { ready: false, reason: 'the FlinkDeployment was deleted' };
  if (!view.flinkAsked) return { ready: false, reason: 'Flink has not been asked yet' };
  return view.flinkReached
    ? { ready: true, reason: 'ok' }
    : { ready: false, reason: `Flink not reachable: ${view.flinkDropMessage ?? 'no answer'}` };
}
