/**
 * The stateful autoscaler's options beyond policy.md (issue 14), as pure functions of the decision, the
 * signals and the config: P (bound by partitions), A (size on the backlog while it drains), R (what a restart
 * costs), S (settle after a catch-up). Each is off at 0, where the decision is policy.md's unchanged. The
 * evidence for each default is in docs/policy.md ("Options beyond policy.md").
 */
import type { PolicyConfig } from '../config/schema.js';
import { GROWTH_NOISE, workerBounds } from '../policy/decide.js';
import { ceilTolerant, times } from '../policy/math.js';
import type { DecisionDetail, ReasonCode } from '../policy/types.js';
import type { JobSignals, Sample } from '../signals/types.js';

/**
 * Option P: the most workers whose slots the sources' partitions (or splits) fill, ceil(partitions /
 * slotsPerWorker) for the source with the most; undefined when the option is off or a source's count is
 * unknown (then nothing is bounded).
 */
export function partitionLimit(sample: Sample | undefined, config: PolicyConfig): number | undefined {
  if (config.partitionBound !== 1 || sample === undefined || sample.sources.length === 0) return undefined;
  let most = 0;
  for (const source of sample.sources) {
    const partitions = source.partitions;
    if (partitions === undefined || !Number.isFinite(partitions) || partitions < 1) return undefined;
    most = Math.max(most, partitions);
  }
  return Math.max(config.minWorkers, Math.ceil(most / config.slotsPerWorker));
}

const LIMITS: ReadonlySet<ReasonCode> = new Set([
  'limited-by-max-workers',
  'limited-by-min-workers',
  'limited-by-max-parallelism',
  'limited-by-partitions',
]);

/** The bounds of policy.md, and the partition limit below them when there is one. */
function bounded(
  unbounded: number,
  config: PolicyConfig,
  limit: number | undefined,
  reasons: ReasonCode[],
): number {
  const { min, max, byParallelism } = workerBounds(config);
  const top = limit === undefined ? max : Math.max(min, Math.min(max, limit));
  if (unbounded > top) {
    reasons.push(
      top < max
        ? 'limited-by-partitions'
        : byParallelism
          ? 'limited-by-max-parallelism'
          : 'limited-by-max-workers',
    );
    return top;
  }
  if (unbounded < min) {
    reasons.push('limited-by-min-workers');
    return min;
  }
  return unbounded;
}

export interface AdjustContext {
  /** Option P's limit (partitionLimit), or undefined. */
  partitions: number | undefined;
  /** The restart downtime to plan for, seconds (the latest measured, else restartSeconds). */
  restartSeconds: number;
}

/**
 * A scale-up decision with options A, R and P applied: while the backlog shrinks over the window (it may be
 * gone by its end), A counts as CPU need only the share of CPU that keeps up with the input (U·R/T, when
 * that alone is above the trigger) and as backlog need keep-up plus catch-up only when the backlog will not
 * be gone within scaleUp.backlogTimeSeconds at the rate it shrinks; R (at 2) adds the workers that drain,
 * within the cooldown, what arrives while the job restarts; P stops it at the partitions. Other decisions, and
 * every decision with the options off, are returned as they are.
 */
export function adjustScaleUp(
  decision: DecisionDetail,
  signals: JobSignals,
  config: PolicyConfig,
  context: AdjustContext,
): DecisionDetail {
  if (decision.action !== 'scale-up') return decision;
  const sizeOnDrain = config.scaleUp.sizeOnDrain === 1;
  const restartAware = config.restartAware === 2;
  if (!sizeOnDrain && !restartAware && context.partitions === undefined) return decision;
  const n = signals.workers;
  const { throughput: T, backlog: B, backlogGrowth: G, inputRate: R } = signals.source;
  const reasons = decision.reasons.filter((r) => !LIMITS.has(r));
  let need = decision.unbounded;
  if (T > 0 && decision.backlogNeed !== undefined) {
    need = Math.max(decision.backlogNeed, decision.cpuNeed);
    // The backlog shrank over the window (it may be gone by its end: the window still holds the catch-up).
    if (sizeOnDrain && G < -GROWTH_NOISE * T) {
      // Draining: of the CPU, only the share R/T keeps up with the input; the rest is the catch-up. A CPU
      // need only when keeping up alone is above the trigger; a backlog need only when the backlog will not
      // be gone within the scale-up threshold at the rate it shrinks.
      const keepUpCpu = signals.cpu * (R / T);
      const cpuNeed = keepUpCpu > config.scaleUp.cpu ? times(n, keepUpCpu / config.targetCpu) : n;
      const backlogNeed = B / -G <= config.scaleUp.backlogTimeSeconds ? n : decision.backlogNeed;
      need = Math.max(cpuNeed, backlogNeed);
      reasons.push('catching-up');
    }
    if (config.restartAware === 2) {
      const horizon = Math.max(config.cooldownSeconds, config.scaleUp.drainSeconds);
      need += times(n, (R * context.restartSeconds) / T / horizon);
    }
  }
  const unbounded = Math.max(n, ceilTolerant(need));
  const desiredWorkers = bounded(unbounded, config, context.partitions, reasons);
  const action = desiredWorkers > n ? 'scale-up' : desiredWorkers < n ? 'scale-down' : 'none';
  // Never a scale-down from a scale-up trigger: a job already past its partitions is left as it is.
  if (action === 'scale-down') return { ...decision, action: 'none', desiredWorkers: n, reasons, unbounded };
  return { ...decision, action, desiredWorkers, reasons, unbounded };
}

/**
 * Option R: whether a scale-down from n to `to` saves less than its restart costs: the workers saved over
 * the stabilization period (the wish held that long, so it is expected to hold as long again) against all
 * n workers paid through the restart's downtime.
 */
export function notWorthRestart(
  n: number,
  to: number,
  restartSeconds: number,
  config: PolicyConfig,
): boolean {
  if (config.restartAware < 1 || to >= n) return false;
  const horizon = Math.max(config.scaleDown.stabilizationSeconds, config.windowSeconds);
  return (n - to) * horizon < n * restartSeconds;
}

/**
 * Option S: once the backlog a scale-up was sized for has drained (backlog time under the scale-down
 * threshold, the backlog flat over the whole window, so the window holds no catch-up) and CPU is not above
 * the trigger, the count that brings CPU to the target; undefined when there is nothing to settle.
 */
export function settleTarget(signals: JobSignals, config: PolicyConfig): number | undefined {
  const { throughput: T, backlogTime: BT, backlogGrowth: G } = signals.source;
  if (!(T > 0) || BT >= config.scaleDown.backlogTimeSeconds) return undefined;
  if (Math.abs(G) > GROWTH_NOISE * T || signals.cpu > config.scaleUp.cpu) return undefined;
  const { min, max } = workerBounds(config);
  const target = Math.min(
    max,
    Math.max(min, ceilTolerant(times(signals.workers, signals.cpu / config.targetCpu))),
  );
  return target;
}

/** Whether a policy scale-up drew workers to drain a backlog (the one option S settles after). */
export function drewCatchUp(signals: JobSignals, config: PolicyConfig): boolean {
  return signals.source.backlogTime > config.scaleDown.backlogTimeSeconds;
}
