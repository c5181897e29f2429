/**
 * Named sets of policy options (issue 14) that the benchmark's evidence and the tests refer to: what the
 * defaults switched from, and policy.md's own behaviour.
 */
import type { PolicyOverrides } from './schema.js';

/** Every option of issue 14 off: policy.md's behaviour (the `seed` profile). */
export const SEED_PROFILE: PolicyOverrides = {
  partitionBound: 0,
  restartAware: 0,
  followTrend: 0,
  effectiveness: 1,
  scaleUp: { sizeOnDrain: 0, duringCooldown: 0, fastTrigger: 0 },
  scaleDown: { cleanWindows: 0, settleAfterCatchUp: 0, breakEvenRestarts: 0 },
};

/**
 * The sidecar's defaults before issue 14's profile switch (commit 2453a91): the seed profile with P and E 2
 * on. Every option that changes how many workers a scale-up or scale-down asks for is off.
 */
export const PREVIOUS_PROFILE: PolicyOverrides = {
  ...SEED_PROFILE,
  partitionBound: 1,
  effectiveness: 2,
};

/** `b` over `a`, the nested scaleUp and scaleDown options merged key by key: a profile with a few changes. */
export function mergeOverrides(a: PolicyOverrides, b: PolicyOverrides): PolicyOverrides {
  return {
    ...a,
    ...b,
    scaleUp: { ...a.scaleUp, ...b.scaleUp },
    scaleDown: { ...a.scaleDown, ...b.scaleDown },
  };
}
