/**
 * The FlinkDeployment is the only channel for manual scaling. Two annotations stop the policy:
 *
 * - `flink-autoscaler.io/paused: "true"`: set by a person (kubectl annotate, GitOps); the policy does not act
 *   until it is removed or set to anything else.
 * - `flink-autoscaler.io/hold`: written by the gateway in the same write as the new replica count (one merge
 *   patch with a resourceVersion precondition): who scaled, to what, why, when, and until when the policy
 *   holds. A person may write one with kubectl too.
 *
 * A replica change the sidecar did not make and that no hold names (`kubectl scale`, GitOps) is a manual scale
 * as well: the sidecar holds the policy for `manualHoldSeconds`. Pure: no I/O.
 */
import { ANNOTATION_PREFIX } from '@flink-autoscaler/shared';
import { z } from 'zod';

export const PAUSED_ANNOTATION = `${ANNOTATION_PREFIX}paused`;
export const HOLD_ANNOTATION = `${ANNOTATION_PREFIX}hold`;

/** RFC 3339 times, as Kubernetes writes them (`2026-12-04T17:00:00Z`, fractions allowed). */
const time = z.iso.datetime({ offset: true });

export const holdSchema = z.strictObject({
  /** The replica count the person asked for. */
  replicas: z.int().nonnegative(),
  /** The count before, when the writer knew it. */
  from: z.int().nonnegative().optional(),
  /** Who: the Kubernetes user the gateway authorized (e.g. `grafana:alice`), or whoever wrote the hold. */
  by: z.string().min(1).max(256),
  /** Why, in their words. */
  reason: z.string().max(1024),
  /** When it was written. */
  at: time,
  /** The policy does not act before this time. */
  until: time,
});
export type Hold = z.infer<typeof holdSchema>;

export type HoldRead = { ok: true; hold: Hold | undefined } | { ok: false; message: string };

interface Annotated {
  metadata: { annotations?: Record<string, string> };
}

/** Whether the FlinkDeployment is paused (`flink-autoscaler.io/paused: "true"`, exactly). */
export function pausedOf(deployment: Annotated): boolean {
  return deployment.metadata.annotations?.[PAUSED_ANNOTATION] === 'true';
}

/** Parses a hold annotation's value; a bad one gives a message and no hold (never trusted). */
export function parseHold(text: string): HoldRead {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `${HOLD_ANNOTATION} is not JSON: ${(error as Error).message}` };
  }
  const parsed = holdSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return {
      ok: false,
      message: `${HOLD_ANNOTATION} is invalid at ${first?.path.join('.') || '(root)'}: ${first?.message}`,
    };
  }
  return { ok: true, hold: parsed.data };
}

/** The hold annotation of a FlinkDeployment, if any. */
export function holdOf(deployment: Annotated): HoldRead {
  const text = deployment.metadata.annotations?.[HOLD_ANNOTATION];
  return text === undefined ? { ok: true, hold: undefined } : parseHold(text);
}

/** The annotation value for a hold (validated: a bad hold is a programming error). */
export function serializeHold(hold: Hold): string {
  return JSON.stringify(holdSchema.parse(hold));
}

/** Unix ms of an RFC 3339 time. */
export function holdTime(text: string): number {
  return Date.parse(text);
}
