/**
 * The named policy variants of the evidence (docs/policy.md): overrides of the stateful autoscaler's options,
 * each as measured in the tables there. `scripts/policy-evidence.ts` tabulates them, `scripts/policy-per-run.ts`
 * compares two of them run by run.
 */
import {
  mergeOverrides as merge,
  PREVIOUS_PROFILE,
  SEED_PROFILE,
  type PolicyOverrides,
} from '@flink-autoscaler/shared';

/** Every option of issue 14 off: policy.md's behaviour. */
export const SEED: PolicyOverrides = SEED_PROFILE;

/**
 * The sidecar's defaults before the profile switch. The `default+…` variants below were measured on top of
 * these and keep that meaning, so the tables of docs/policy.md made with them stay reproducible; `previous`
 * is this profile, `default` today's.
 */
export const PREVIOUS: PolicyOverrides = PREVIOUS_PROFILE;

export const VARIANTS: Record<string, PolicyOverrides> = {
  seed: SEED,
  P: merge(SEED, { partitionBound: 1 }),
  A: merge(SEED, { scaleUp: { sizeOnDrain: 1 } }),
  C: merge(SEED, { scaleDown: { cleanWindows: 1 } }),
  S: merge(SEED, { scaleDown: { settleAfterCatchUp: 1 } }),
  S2: merge(SEED, { scaleDown: { settleAfterCatchUp: 2 } }),
  R: merge(SEED, { restartAware: 1 }),
  R2: merge(SEED, { restartAware: 2 }),
  R3: merge(SEED, { restartAware: 3 }),
  R4: merge(SEED, { restartAware: 4 }),
  B: merge(SEED, { scaleUp: { duringCooldown: 1 } }),
  T: merge(SEED, { followTrend: 1 }),
  E0: merge(SEED, { effectiveness: 0 }),
  E2: merge(SEED, { effectiveness: 2 }),
  // The previous defaults with A, and with A and S (docs/policy.md).
  'default+A': merge(PREVIOUS, { scaleUp: { sizeOnDrain: 1 } }),
  'default+AS': merge(PREVIOUS, { scaleUp: { sizeOnDrain: 1 }, scaleDown: { settleAfterCatchUp: 1 } }),
  // A, C, T and R at 3 with and without S: the two candidate profiles (docs/policy.md, "Two candidate
  // profiles").
  'default+ACTR3': merge(PREVIOUS, {
    restartAware: 3,
    followTrend: 1,
    scaleUp: { sizeOnDrain: 1 },
    scaleDown: { cleanWindows: 1 },
  }),
  'default+ACSTR3': merge(PREVIOUS, {
    restartAware: 3,
    followTrend: 1,
    scaleUp: { sizeOnDrain: 1 },
    scaleDown: { cleanWindows: 1, settleAfterCatchUp: 1 },
  }),
  // ACSTR3 with R at 4 and B: what ACSTR3 lost on 8 GiB sawtooth and week came from a scale-down that could not
  // absorb its restart and from the cooldown holding a job that fell further behind (docs/policy.md).
  'default+ABCSTR4': merge(PREVIOUS, {
    restartAware: 4,
    followTrend: 1,
    scaleUp: { sizeOnDrain: 1, duringCooldown: 1 },
    scaleDown: { cleanWindows: 1, settleAfterCatchUp: 1 },
  }),
  'default+ABCTR4': merge(PREVIOUS, {
    restartAware: 4,
    followTrend: 1,
    scaleUp: { sizeOnDrain: 1, duringCooldown: 1 },
    scaleDown: { cleanWindows: 1 },
  }),
  // Today's defaults with S at 2: a settle that does not yet pay for its restart waits instead of giving up.
  'default+S2': { scaleDown: { settleAfterCatchUp: 2 } },
  // Today's defaults with A at 2: a draining backlog drawn on only when a rescale gets it under the threshold
  // sooner, its restart included.
  'default+A2': { scaleUp: { sizeOnDrain: 2 } },
  // and with R at 3: no floor under a scale-down for its restart's arrivals (A at 2 does not draw on them).
  'default+A2R3': { scaleUp: { sizeOnDrain: 2 }, restartAware: 3 },
  // Today's defaults with W off (the defaults before it), and with k = 2 and 4 (docs/policy.md, "W"); and a
  // shorter stabilization for every job instead, tried before W.
  'default+W0': { scaleDown: { breakEvenRestarts: 0 } },
  'default+W2': { scaleDown: { breakEvenRestarts: 2 } },
  'default+W4': { scaleDown: { breakEvenRestarts: 4 } },
  'default+stab180': { scaleDown: { stabilizationSeconds: 180 } },
  'default+stab120': { scaleDown: { stabilizationSeconds: 120 } },
  // Today's defaults with F: a job saturated and falling behind on its last samples is decided on them.
  'default+F': { scaleUp: { fastTrigger: 1 } },
  // A 2, R 3 and F together: the profile the README recommends per job for long restarts (docs/policy.md).
  'default+A2R3F': { scaleUp: { sizeOnDrain: 2, fastTrigger: 1 }, restartAware: 3 },
  previous: PREVIOUS,
  // Today's defaults (since 2453a91 the same as default+ABCSTR4).
  default: {},
};

/** The overrides of a named variant, or a clear error naming the known ones. */
export function variant(name: string): PolicyOverrides {
  const overrides = VARIANTS[name];
  if (!overrides) throw new Error(`no variant ${name}; known: ${Object.keys(VARIANTS).join(', ')}`);
  return overrides;
}
