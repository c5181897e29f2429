/** Scale-down stabilization: act only after the wish has held long enough, at the highest count seen. */
import type { AutoscalerState } from './state.js';

export type ScaleDownStreak = NonNullable<AutoscalerState['scaleDown']>;

/**
 * Records a scale-down wish at `now` and says what may be done: `ready` with the highest desired count
 * seen in the last `periodMs`, once the wish has held for `periodMs`. With `cleanWindowMs` (option C, the
 * window's length) the highest count is taken only from the wishes whose window lies wholly inside the
 * period (made at least `cleanWindowMs` after its start), or the latest wish when none does.
 */
export function stabilizeScaleDown(
  streak: ScaleDownStreak | undefined,
  now: number,
  desired: number,
  periodMs: number,
  cleanWindowMs?: number,
): { streak: ScaleDownStreak; ready: boolean; target: number } {
  const since = streak?.since ?? now;
  const seen = [...(streak?.seen ?? []), { time: now, desired }].filter((s) => s.time >= now - periodMs);
  const clean =
    cleanWindowMs === undefined ? seen : seen.filter((s) => s.time - cleanWindowMs >= now - periodMs);
  const target = clean.length > 0 ? Math.max(...clean.map((s) => s.desired)) : desired;
  return { streak: { since, seen }, ready: now - since >= periodMs, target };
}

/**
 * Option W: how long a scale-down from n to m workers waits, in ms: until the workers it saves (n − m a
 * second) pay for `restarts` restarts of all n workers (a wrong scale-down costs at least two: down, and back
 * up), restarts·restart·n/(n − m) seconds; at least `minMs` (a window) and at most `maxMs` (the stabilization
 * period). The rule of renting until the rent paid would have bought the thing.
 */
export function breakEvenMs(
  n: number,
  m: number,
  restarts: number,
  restartSeconds: number,
  minMs: number,
  maxMs: number,
): number {
  if (!(m < n) || !(restarts > 0)) return maxMs;
  const ms = (restarts * restartSeconds * n * 1000) / (n - m);
  return Math.min(maxMs, Math.max(minMs, ms));
}

/** Option W's inputs to stabilizeScaleDownFor: the job's size now and what a restart costs. */
export interface BreakEven {
  workers: number;
  /** k, the restarts a scale-down's saving must pay for (0: off). */
  restarts: number;
  restartSeconds: number;
  /** The shortest wait, ms (a window). */
  minMs: number;
}

/**
 * stabilizeScaleDown over the stabilization period, and with option W over a shorter break-even period
 * when one has paid: the shortest wait w whose own scale-down (to m, the highest wish within w) has held for
 * its break-even, `breakEvenMs(n, m) ≤ w`. A scale-down to few workers saves much and may go sooner than
 * one to many; the wishes of a load still falling (a window that still holds the load before the fall)
 * hold only the scale-downs they could have justified. Never later, nor to more workers, than waiting for
 * the highest wish of the whole period. The streak always keeps the whole period's wishes.
 */
export function stabilizeScaleDownFor(
  streak: ScaleDownStreak | undefined,
  now: number,
  desired: number,
  periodMs: number,
  cleanWindowMs: number | undefined,
  breakEven: BreakEven,
): { streak: ScaleDownStreak; ready: boolean; target: number } {
  const whole = stabilizeScaleDown(streak, now, desired, periodMs, cleanWindowMs);
  const { workers, restarts, restartSeconds, minMs } = breakEven;
  const waitFor = (m: number) =>
    breakEvenMs(workers, Math.min(m, workers), restarts, restartSeconds, minMs, periodMs);
  // The wait that works is never longer than the break-even of its own target, which is one of the wishes.
  const waits = [...new Set(whole.streak.seen.map((s) => waitFor(s.desired)))]
    .filter((w) => w < periodMs)
    .sort((a, b) => a - b);
  for (const waitMs of waits) {
    const shorter = stabilizeScaleDown(whole.streak, now, desired, waitMs, cleanWindowMs);
    if (shorter.ready && waitFor(shorter.target) <= waitMs) return { ...shorter, streak: whole.streak };
  }
  return whole;
}
