/** Small numeric helpers of the policy: rounding up with a tolerance, safe products and ratios. */

/** Tolerance before rounding up, so 33.000000000004 (a float error) is 33 and not 34. */
export const CEIL_TOLERANCE = 1e-9;

/** Rounds up, but a value within the tolerance (relative above 1) of an integer rounds to it. */
export function ceilTolerant(value: number): number {
  if (!Number.isFinite(value)) return value;
  const nearest = Math.round(value);
  if (Math.abs(value - nearest) <= CEIL_TOLERANCE * Math.max(1, Math.abs(value))) return nearest;
  return Math.ceil(value);
}

/** a·b where a zero factor wins over an infinite one (0 workers need 0 more, whatever the ratio). */
export function times(a: number, b: number): number {
  return a === 0 || b === 0 ? 0 : a * b;
}

/** B / T: 0 when B = 0, +Infinity when B > 0 and T = 0. */
export function backlogTime(backlog: number, throughput: number): number {
  if (backlog === 0) return 0;
  if (throughput === 0) return Number.POSITIVE_INFINITY;
  return backlog / throughput;
}

/** Clamps to [low, high]; NaN becomes low. */
export function clamp(value: number, low: number, high: number): number {
  if (Number.isNaN(value)) return low;
  return Math.min(high, Math.max(low, value));
}
