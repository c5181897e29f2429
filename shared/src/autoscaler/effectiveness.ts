/**
 * Scale-up effectiveness: what gain a scale-up should bring, whether it brought at least a tenth of it,
 * and when a block on further scale-ups ends.
 */
import type { SourceSignals } from '../signals/types.js';

/** A scale-up that gains less than this share of the expected throughput gain is ineffective. */
export const EFFECTIVENESS_THRESHOLD = 0.1;
/** The block ends when the input rate rises this much above the rate when it began. */
export const BLOCK_RELEASE_RISE = 0.1;
/** Gains smaller than this share of the throughput are not worth judging (noise). */
export const MIN_JUDGED_GAIN = 0.05;

/**
 * The throughput gain a scale-up from `from` to `to` workers should bring: what the added capacity
 * allows (linear in workers), but no more than the demand above today's throughput (input growth plus
 * the backlog drained over `drainSeconds`).
 */
export function expectedGain(source: SourceSignals, from: number, to: number, drainSeconds: number): number {
  if (from <= 0 || to <= from) return 0;
  const capacity = source.throughput * (to / from - 1);
  const demand = Math.max(0, source.inputRate - source.throughput) + source.backlog / drainSeconds;
  const gain = Math.min(capacity, demand);
  return Number.isFinite(gain) && gain > 0 ? gain : 0;
}

/** Whether a gain is worth judging at all (clearly above noise). */
export function isJudgeable(expected: number, throughputBefore: number): boolean {
  return expected > MIN_JUDGED_GAIN * throughputBefore && expected > 0;
}

/** Whether the measured gain is under the threshold share of the expected one. */
export function isIneffective(measuredGain: number, expected: number): boolean {
  return measuredGain < EFFECTIVENESS_THRESHOLD * expected;
}

/** Whether the input rate has risen enough since the block began to try scaling up again. */
export function blockReleased(blockInputRate: number, inputRate: number): boolean {
  return inputRate > blockInputRate * (1 + BLOCK_RELEASE_RISE);
}
