/**
 * The JSON of GET /api/v1/status: what the loop last saw, decided and did, in one object. Pure: the loop hands
 * in a snapshot of its state (StatusView) and gets the report back; the shape is the one the panel and the
 * CLI read.
 */
import type { AutoscalerState, Evaluation, PolicyConfig } from '@flink-autoscaler/shared';
import type { Mode } from '../kube/deployment.js';
import type { Guard } from './guards.js';
import type { StartFailure } from './health.js';
import type { SourceReading } from './source-report.js';

/** What the status report reads of the loop. */
export interface StatusView {
  now: number;
  namespace: string | undefined;
  name: string | undefined;
  up: boolean;
  live: { live: boolean; reason: string };
  ready: { ready: boolean; reason: string };
  startFailure: StartFailure | undefined;
  notReadyReason: string | undefined;
  lastCycleAt: number | undefined;
  leader: { leader: boolean; identity: string | null; holder: string | null };
  watching: { watching: boolean; error?: string } | undefined;
  mode: Mode;
  paused: boolean;
  jobState: string | undefined;
  evaluation: Evaluation | undefined;
  /** The config in force (the last evaluation's, else the sidecar's). */
  config: PolicyConfig;
  bounds: { min: number; max: number };
  sidecarGates: readonly string[];
  guards: readonly Guard[];
  state: AutoscalerState | undefined;
  droppedSamples: ReadonlyMap<string, number>;
  sources: readonly SourceReading[];
  warnings: readonly string[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Why the sidecar is not ready, as the report says it: the start failure in full, else the reason code. */
function notReady(view: StatusView) {
  const failure = view.startFailure;
  if (failure) {
    return {
      reason: failure.reason,
      message: failure.message,
      since: iso(failure.since),
      attempts: failure.attempts,
    };
  }
  if (view.notReadyReason === undefined) return null;
  return { reason: view.notReadyReason, message: view.ready.reason };
}

/** The status report of one sidecar. */
export function statusReport(view: StatusView) {
  const e = view.evaluation;
  const c = view.config;
  const hold = view.state?.hold;
  return {
    flinkdeployment: { namespace: view.namespace, name: view.name },
    up: view.up,
    notReady: notReady(view),
    live: view.live,
    lastCycleAt: view.lastCycleAt === undefined ? null : iso(view.lastCycleAt),
    leader: view.leader,
    watch: view.watching ?? null,
    mode: view.mode,
    paused: view.paused,
    jobState: view.jobState ?? null,
    signals: e?.signals ?? null,
    thresholds: {
      scaleUp: c.scaleUp,
      scaleDown: c.scaleDown,
      targetCpu: c.targetCpu,
      bounds: view.bounds,
    },
    decision: e?.decision ?? null,
    gates: [...(e?.gates ?? []), ...view.sidecarGates],
    guards: view.guards,
    action: e ? { action: e.action, targetWorkers: e.targetWorkers } : null,
    hold:
      hold && view.now < hold.until
        ? { until: iso(hold.until), by: hold.user || null, reason: hold.note || null }
        : null,
    lastScalings: view.state?.history ?? [],
    droppedSamples: Object.fromEntries(view.droppedSamples),
    sources: view.sources.map((r) => ({ ...r, time: iso(r.time) })),
    warnings: view.warnings,
  };
}
