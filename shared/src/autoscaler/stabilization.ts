/** Scale-down stabilization: act only after the wish has held long enough, at the highest count seen. */
import type { AutoscalerState } from './state.js';

export type ScaleDownStreak = NonNullable<AutoscalerState['scaleDown']>;

/**
 * Records a scale-down wish at `now` and says what may be done: `ready` with the highest desired count
 * seen in the last `periodMs`, once the wish has held for `periodMs`.
 */
export function stabilizeScaleDown(
  streak: ScaleDownStreak | undefined,
  now: number,
  desired: number,
  periodMs: number,
): { streak: ScaleDownStreak; ready: boolean; target: number } {
  const since = streak?.since ?? now;
  const seen = [...(streak?.seen ?? []), { time: now, desired }].filter((s) => s.time >= now - periodMs);
  const target = Math.max(...seen.map((s) => s.desired));
  return { streak: { since, seen }, ready: now - since >= periodMs, target };
}
