/**
 * Option F: a job that the last few samples show saturated and falling behind, with its input risen, is
 * decided on those samples rather than on the whole window. The window's mean CPU crosses the trigger only
 * once most of the window is saturated (about 70 s of a 120 s window after a step), and its input and
 * backlog are then the window's means: a scale-up sized on them is late and small, and a second one (and
 * a second restart) follows. Pure: the samples in, signals (or nothing) out.
 */
import type { PolicyConfig } from '../config/schema.js';
import { computeSignals } from '../signals/compute.js';
import type { JobSignals, Sample } from '../signals/types.js';

/** Samples in a row that must show CPU above scaleUp.cpu: 45 s at the default 15 s interval. */
export const FAST_SAMPLES = 3;

/**
 * How far the input over those samples must be above the window's. A pause (a GC, a checkpoint's
 * alignment, a slow sink) stalls the job with its CPU busy and its backlog growing, but does not raise
 * the input rate R = T + G: the job catches up when it ends, so no rescale is wanted.
 */
export const FAST_INPUT_RISE = 0.1;

/**
 * The signals of the last FAST_SAMPLES intervals when option F holds for them (each of the last
 * FAST_SAMPLES samples with CPU at or above scaleUp.cpu, the backlog of the neediest source grown across
 * them, its input FAST_INPUT_RISE above the window's), with the highest CPU of those samples; else
 * undefined. Undefined too while the window's own CPU is above the trigger: the window decides then.
 */
export function fastSignals(
  samples: readonly Sample[],
  window: JobSignals,
  config: PolicyConfig,
): JobSignals | undefined {
  if (config.scaleUp.fastTrigger !== 1 || window.cpu > config.scaleUp.cpu) return undefined;
  if (samples.length < FAST_SAMPLES + 1) return undefined;
  const last = samples.slice(-FAST_SAMPLES);
  if (!last.every((s) => Number.isFinite(s.cpu) && s.cpu >= config.scaleUp.cpu)) return undefined;
  const recent = computeSignals(samples.slice(-(FAST_SAMPLES + 1)), config);
  if (recent === undefined) return undefined;
  const id = recent.source.id;
  const before = last[0]?.sources.find((s) => s.id === id)?.backlog;
  const now = last.at(-1)?.sources.find((s) => s.id === id)?.backlog;
  if (before === undefined || now === undefined || !(now > before)) return undefined;
  const windowInput = window.sources.find((s) => s.id === id)?.inputRate;
  if (windowInput === undefined || !(recent.source.inputRate > windowInput * (1 + FAST_INPUT_RISE)))
    return undefined;
  return { ...recent, cpu: Math.max(recent.cpu, ...last.map((s) => s.cpu)) };
}
