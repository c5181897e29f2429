/**
 * The stateful autoscaler's options beyond policy.md (issue 14), as pure functions of the decision, the
 * signals and the config: P (bound by partitions), A (size on the backlog while it drains), R (what a restart
 * costs), S (settle after a catch-up), T (follow a held rise of the input). Each is off at 0, where the decision is policy.md's unchanged. The
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
  /** Option T: the share by which the input is expected to rise until a later rescale (heldRise). */
  rise?: number;
}

/**
 * A scale-up decision with options A, R and P applied: while the backlog shrinks over the window (it may be
 * gone by its end), A counts as CPU need only the share of CPU that keeps up with the input (U·R/T, when
 * that alone is above the trigger) and as backlog need keep-up plus catch-up only when the backlog will not
 * be gone within scaleUp.backlogTimeSeconds at the rate it shrinks (A at 2: and only when the backlog time
 * gets under it sooner through the rescale's restart than at this size; with no reason left, no scale-up);
 * R (at 2) adds the workers that drain, within the cooldown, what arrives while the job restarts (at 3 only
 * for a scale-up sized for a backlog); T
 * sizes it for a held rise of the input; P stops it at the partitions. Other decisions, and
 * every decision with the options off, are returned as they are.
 */
export function adjustScaleUp(
  decision: DecisionDetail,
  signals: JobSignals,
  config: PolicyConfig,
  context: AdjustContext,
): DecisionDetail {
  if (decision.action !== 'scale-up') return decision;
  const sizeOnDrain = config.scaleUp.sizeOnDrain >= 1;
  const restartAware = config.restartAware >= 2;
  const rise = context.rise ?? 0;
  if (!sizeOnDrain && !restartAware && rise === 0 && context.partitions === undefined) return decision;
  const n = signals.workers;
  const { throughput: T, backlog: B, backlogGrowth: G, inputRate: R } = signals.source;
  const reasons = decision.reasons.filter((r) => !LIMITS.has(r));
  let need = decision.unbounded;
  // What asks for more workers at all: the need itself, except with A at 2 (below).
  let wanted = Number.POSITIVE_INFINITY;
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
      // A at 2: the backlog is a reason to rescale only when the rescale gets it under the threshold sooner
      // (the size, once there is a reason, is A at 1's).
      if (config.scaleUp.sizeOnDrain === 2) {
        const sooner = rescaleDrainsSooner(signals, config, decision.backlogNeed, context.restartSeconds);
        wanted = Math.max(cpuNeed, sooner ? decision.backlogNeed : n);
      }
      reasons.push('catching-up');
    }
    // Option T: enough workers that the input expected once a later rescale could land keeps CPU at
    // most the scale-up trigger.
    if (rise > 0) {
      const ahead = forecastNeed(signals, config, rise);
      need = Math.max(need, ahead);
      wanted = Math.max(wanted, ahead);
    }
    // A at 2: with no reason left, no scale-up (nor one R below would size for the restart's arrivals).
    const drawn = ceilTolerant(wanted) > n;
    if (!drawn) need = n;
    // R: the workers that drain, within the cooldown, what arrives during the restart; at 2 for every
    // scale-up, from 3 only for one sized for a backlog (the catch-up that option S settles away once it
    // has drained).
    const forRestart =
      config.restartAware === 2 || (config.restartAware >= 3 && drewCatchUp(signals, config));
    if (drawn && forRestart) {
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
 * Option A at 2: whether scaling a draining job up to `to` workers brings its backlog time under
 * scaleUp.backlogTimeSeconds (θ) sooner than keeping its size. At n workers the backlog B shrinks by −G a
 * second: (B − θ·R) / −G seconds, 0 when B/R is already at most θ (the backlog is within the threshold and
 * shrinking: no rescale can do better than nothing). Through a rescale nothing is read for the restart, so
 * B + restart·R waits when the job runs again, drained by the new workers' surplus over the input (their CPU
 * capacity, T/U a worker-share, scaled linearly to `to`: an optimistic figure for the rescale).
 */
export function rescaleDrainsSooner(
  signals: JobSignals,
  config: PolicyConfig,
  to: number,
  restartSeconds: number,
): boolean {
  const n = signals.workers;
  const { throughput: T, backlog: B, backlogGrowth: G, inputRate: R } = signals.source;
  const theta = config.scaleUp.backlogTimeSeconds;
  // A rising input slows the drain from here on: A at 1's rule then (the backlog gone within θ at this rate).
  const trend = signals.source.inputTrend ?? 0;
  if (trend * config.windowSeconds > GROWTH_NOISE * R) return B / -G > theta;
  if (!(R > 0) || !(G < 0) || B <= theta * R) return false;
  if (!(signals.cpu > 0) || !(T > 0) || to <= n) return false;
  const atSize = (B - theta * R) / -G;
  const surplus = (to / n) * (T / signals.cpu) - R;
  if (!(surplus > 0)) return false;
  const afterRestart = B + restartSeconds * R;
  const throughRescale = restartSeconds + Math.max(0, afterRestart - theta * R) / surplus;
  return throughRescale < atSize;
}

/**
 * Option T on a scale-down: never below the workers the input expected `rise` later needs at CPU up to
 * scaleUp.cpu (a scale-down the rise would undo before a later rescale could land is left out).
 */
export function adjustScaleDown(
  decision: DecisionDetail,
  signals: JobSignals,
  config: PolicyConfig,
  rise: number,
  restartSeconds = 0,
): DecisionDetail {
  if (decision.action !== 'scale-down') return decision;
  const ahead = rise > 0 ? ceilTolerant(forecastNeed(signals, config, rise)) : 0;
  const absorb = restartFloor(signals, config, restartSeconds);
  const floor = Math.max(ahead, absorb);
  if (floor <= decision.desiredWorkers) return decision;
  const n = signals.workers;
  const desiredWorkers = Math.min(n, floor);
  const reasons: ReasonCode[] = [...decision.reasons, ahead >= absorb ? 'input-rising' : 'restart-to-absorb'];
  if (desiredWorkers === n) return { ...decision, action: 'none', desiredWorkers, reasons };
  return { ...decision, desiredWorkers, reasons };
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
  heldSeconds = 0,
): boolean {
  // Modes 3 and 4 size catch-ups (and 4 floors scale-downs) for the restart; neither has mode 1's rule.
  if (config.restartAware < 1 || config.restartAware >= 3 || to >= n) return false;
  const horizon = Math.max(config.scaleDown.stabilizationSeconds, config.windowSeconds, heldSeconds);
  return (n - to) * horizon < n * restartSeconds;
}

/**
 * Option S: once the backlog a scale-up was sized for has drained (backlog time under the scale-down
 * threshold, the backlog flat over the whole window, so the window holds no catch-up) and CPU is not above
 * the trigger, the count that brings CPU to the target; undefined when there is nothing to settle.
 */
export function settleTarget(
  signals: JobSignals,
  config: PolicyConfig,
  rise = 0,
  restartSeconds = 0,
): number | undefined {
  const { throughput: T, backlogTime: BT, backlogGrowth: G } = signals.source;
  if (!(T > 0) || BT >= config.scaleDown.backlogTimeSeconds) return undefined;
  if (Math.abs(G) > GROWTH_NOISE * T || signals.cpu > config.scaleUp.cpu) return undefined;
  const { min, max } = workerBounds(config);
  const need = times(signals.workers, signals.cpu / config.targetCpu);
  const ahead = rise > 0 ? forecastNeed(signals, config, rise) : 0;
  const absorb = restartFloor(signals, config, restartSeconds);
  return Math.min(max, Math.max(min, ceilTolerant(Math.max(need, ahead)), absorb));
}

/**
 * Option T: how far ahead a count must last, until a later rescale could land: this rescale's restart, the
 * cooldown (the window refills within it) and the next rescale's restart.
 */
export function forecastSeconds(config: PolicyConfig, restartSeconds: number): number {
  return restartSeconds + config.cooldownSeconds + restartSeconds;
}

/**
 * Option T: the workers whose CPU stays at most scaleUp.cpu at the input expected `rise` later: the CPU
 * that keeps up with the input now (U·R/T), grown by the rise.
 */
export function forecastNeed(signals: JobSignals, config: PolicyConfig, rise: number): number {
  const { throughput: T, inputRate: R } = signals.source;
  if (!(T > 0)) return 0;
  return times(signals.workers, (signals.cpu * (R / T) * (1 + rise)) / config.scaleUp.cpu);
}

/** An input trend measured at a time (ms), units/s per second. */
export interface TrendReading {
  time: number;
  trend: number;
}

/**
 * Option T: by what share the input rate is expected to rise until a later rescale could land, from a rise
 * held over two windows that do not overlap: the smaller of the trend now and the latest trend measured at
 * least a window earlier (and no longer ago than the forecast horizon), both rising. 0 when the option is
 * off, the input is not rising in both, or either is unknown. A step of the input lies in one window only,
 * so it is not taken for a trend.
 */
export function heldRise(
  now: number,
  signals: JobSignals,
  earlier: readonly TrendReading[],
  config: PolicyConfig,
  restartSeconds: number,
): number {
  const current = signals.source.inputTrend;
  const R = signals.source.inputRate;
  if (config.followTrend !== 1 || current === undefined || !(current > 0) || !(R > 0)) return 0;
  const horizon = forecastSeconds(config, restartSeconds);
  const before = earlier.findLast(
    (r) => r.time <= now - config.windowSeconds * 1000 && r.time >= now - horizon * 1000,
  );
  if (before === undefined || !(before.trend > 0)) return 0;
  return (Math.min(current, before.trend) * horizon) / R;
}

/** Whether a policy scale-up drew workers to drain a backlog (the one option S settles after). */
export function drewCatchUp(signals: JobSignals, config: PolicyConfig): boolean {
  return signals.source.backlogTime > config.scaleDown.backlogTimeSeconds;
}

/**
 * Option R at 4: the fewest workers a scale-down (or a settle) may leave: those that, at full CPU, keep up
 * with the input and drain within the cooldown what arrives while the job restarts for it, n·U·(R/T)·(1 +
 * restart / max(cooldown, drainSeconds)). Every rescale leaves a backlog of its restart's arrivals; a count at
 * the target CPU drains it only while restart / cooldown ≤ 1 / targetCpu − 1 (75 s at the defaults), so the
 * floor binds only for longer restarts. 0 when the mode is not 4 or the throughput is unknown.
 */
export function restartFloor(signals: JobSignals, config: PolicyConfig, restartSeconds: number): number {
  const { throughput: T, inputRate: R } = signals.source;
  if (config.restartAware !== 4 || !(T > 0)) return 0;
  const horizon = Math.max(config.cooldownSeconds, config.scaleUp.drainSeconds);
  return ceilTolerant(times(signals.workers, signals.cpu * (R / T) * (1 + restartSeconds / horizon)));
}

/**
 * Option B: whether a job is falling further behind at its size: on a full window (the cooldown's window
 * holds only samples from after the restart), backlog time above scaleUp.backlogTimeSeconds and the backlog
 * still growing. The cooldown waits for a rescale's effect to show; this is its effect, so a scale-up is not
 * held for the rest of the cooldown. A backlog the restart left and the job drains does not grow.
 */
export function fallingBehind(signals: JobSignals, config: PolicyConfig): boolean {
  if (config.scaleUp.duringCooldown !== 1) return false;
  const { throughput: T, backlogTime: BT, backlogGrowth: G } = signals.source;
  return T > 0 && BT > config.scaleUp.backlogTimeSeconds && G > GROWTH_NOISE * T;
}
