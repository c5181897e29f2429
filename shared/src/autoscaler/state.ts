/**
 * The autoscaler's state that must survive a restart of the sidecar or the JobManager, its schema, and
 * its (de)serialisation for a Kubernetes annotation.
 */
import { z } from 'zod';

const time = z.number().finite().nonnegative();
const count = z.int().nonnegative();

export const rescaleRecordSchema = z.object({
  time,
  from: count,
  to: count,
  trigger: z.enum(['policy', 'manual']),
  reasons: z.array(z.string()).max(20),
  /** Who asked, for a manual scale. */
  user: z.string().max(256).optional(),
  /** Why, in the words of whoever asked. */
  note: z.string().max(1024).optional(),
});
export type RescaleRecord = z.infer<typeof rescaleRecordSchema>;

export const autoscalerStateSchema = z.object({
  version: z.literal(1),
  /** The last rescale, and when the job was seen RUNNING at its new size (cooldown starts then). */
  rescale: z
    .object({
      time,
      from: count,
      to: count,
      settledAt: time.optional(),
      /** Set when the job never reached the new size within the rescale timeout. */
      incomplete: z.boolean().optional(),
    })
    .optional(),
  /** When the job was first seen not RUNNING during the last rescale (its downtime began). */
  downSince: time.optional(),
  /** The downtime of the latest rescale that was measured (not RUNNING until RUNNING at its size), seconds. */
  restartSeconds: z.number().finite().nonnegative().optional(),
  /**
   * Option S: a policy scale-up was sized to drain a backlog; settle once it has drained. drainedAt: since
   * when the backlog has stayed drained (mode 2 weighs the settle's saving over that time).
   */
  settle: z.object({ time, drainedAt: time.optional() }).optional(),
  /** A manual hold: the policy does not act until then. */
  hold: z.object({ until: time, user: z.string().max(256), note: z.string().max(1024) }).optional(),
  /** A policy scale-up whose throughput gain is still to be measured. */
  pendingEffectiveness: z
    .object({
      sourceId: z.string(),
      throughputBefore: z.number().finite().nonnegative(),
      expectedGain: z.number().finite().nonnegative(),
      /** The workers the scale-up started from (absent in state written before it was kept). */
      from: z.number().int().positive().optional(),
    })
    .optional(),
  /**
   * Scale-ups are blocked since `time`, until the input rate rises above `inputRate` by 10 %: beyond
   * `workers`, the size the ineffective scale-up started from (up to which scaling had helped), and
   * altogether when `workers` is absent (state written before it was kept).
   */
  block: z
    .object({
      time,
      sourceId: z.string(),
      inputRate: z.number().finite().nonnegative(),
      gain: z.number().finite(),
      expectedGain: z.number().finite(),
      workers: z.number().int().positive().optional(),
      /** Option effectiveness 2: since when the input rate has stayed above the release level. */
      riseSince: time.optional(),
    })
    .optional(),
  /** The running scale-down streak: since when, and the desired counts seen. */
  scaleDown: z
    .object({
      since: time,
      seen: z.array(z.object({ time, desired: count })).max(10_000),
    })
    .optional(),
  /** The latest rescales, newest last. */
  history: z.array(rescaleRecordSchema).max(100),
});
export type AutoscalerState = z.infer<typeof autoscalerStateSchema>;

/** How many rescales the history keeps. */
export const HISTORY_LENGTH = 20;

export function initialState(): AutoscalerState {
  return { version: 1, history: [] };
}

/** Serialises state for an annotation value. */
export function serializeState(state: AutoscalerState): string {
  return JSON.stringify(state);
}

export type StateParse = { ok: true; state: AutoscalerState } | { ok: false; message: string };

/** Parses state from an annotation value; a bad value gives a message and no state. */
export function parseState(text: string): StateParse {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: `state is not JSON: ${(error as Error).message}` };
  }
  const parsed = autoscalerStateSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return {
      ok: false,
      message: `state is invalid at ${first?.path.join('.') || '(root)'}: ${first?.message}`,
    };
  }
  return { ok: true, state: parsed.data };
}
