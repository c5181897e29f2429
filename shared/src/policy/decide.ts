/**
 * `decide(signals, config)`: the pure scaling decision of policy.md (triggers, needs, bounds, action).
 */
import type { PolicyConfig } from '../config/schema.js';
import { backlogTime, ceilTolerant, clamp, times } from './math.js';
import type { Decision, DecisionDetail, ReasonCode, Signals } from './types.js';

/** Backlog growth up to this share of the throughput counts as none (measurement noise). */
export const GROWTH_NOISE = 0.02;

/** Why signals cannot be trusted, or undefined when they can. */
export function invalidSignals(s: Signals): string | undefined {
  if (!Number.isSafeInteger(s.workers) || s.workers < 0) return 'workers must be a whole number ≥ 0';
  if (!Number.isFinite(s.throughput) || s.throughput < 0) return 'throughput must be a finite number ≥ 0';
  if (!Number.isFinite(s.backlog) || s.backlog < 0) return 'backlog must be a finite number ≥ 0';
  if (!Number.isFinite(s.backlogGrowth)) return 'backlogGrowth must be a finite number';
  if (!Number.isFinite(s.cpu) || s.cpu < 0) return 'cpu must be a finite number ≥ 0';
  return undefined;
}

/** The worker bounds in force: [minWorkers, min(maxWorkers, floor(maxParallelism / slotsPerWorker))]. */
export function workerBounds(config: PolicyConfig): { min: number; max: number; byParallelism: boolean } {
  const byMax = config.maxWorkers;
  const byParallelism =
    config.maxParallelism === undefined
      ? Number.POSITIVE_INFINITY
      : Math.floor(config.maxParallelism / config.slotsPerWorker);
  const max = Math.max(config.minWorkers, Math.min(byMax, byParallelism));
  return {
    min: config.minWorkers,
    max,
    byParallelism: byParallelism < byMax && byParallelism >= config.minWorkers,
  };
}

function bound(desired: number, config: PolicyConfig, reasons: ReasonCode[]): number {
  const { min, max, byParallelism } = workerBounds(config);
  if (desired > max) {
    reasons.push(byParallelism ? 'limited-by-max-parallelism' : 'limited-by-max-workers');
    return max;
  }
  if (desired < min || Number.isNaN(desired)) {
    reasons.push('limited-by-min-workers');
    return min;
  }
  return desired;
}

function actionFor(desired: number, workers: number): Decision['action'] {
  if (desired > workers) return 'scale-up';
  if (desired < workers) return 'scale-down';
  return 'none';
}

/** The answer to signals that cannot be trusted: change nothing. */
function untrusted(signals: Signals, config: PolicyConfig): DecisionDetail {
  const safe = Number.isSafeInteger(signals.workers) ? signals.workers : config.minWorkers;
  const { min, max } = workerBounds(config);
  return {
    action: 'none',
    desiredWorkers: clamp(safe, min, max),
    reasons: ['invalid-signals'],
    backlogTime: Number.NaN,
    inputRate: Number.NaN,
    cpuNeed: Number.NaN,
    unbounded: Number.NaN,
  };
}

/** The decision with the figures behind it. */
export function decideDetail(signals: Signals, config: PolicyConfig): DecisionDetail {
  if (invalidSignals(signals) !== undefined) return untrusted(signals, config);
  const { workers: n, throughput: T, backlog: B, backlogGrowth: G, cpu: U } = signals;
  const BT = backlogTime(B, T);
  const R = Math.max(0, T + G);
  const cpuNeed = times(n, U / config.targetCpu);
  const reasons: ReasonCode[] = [];
  let unbounded: number;
  let backlogNeed: number | undefined;

  const backlogHigh = BT > config.scaleUp.backlogTimeSeconds;
  const cpuHigh = U > config.scaleUp.cpu;
  if (backlogHigh || cpuHigh) {
    if (backlogHigh) reasons.push('backlog-time-high');
    if (cpuHigh) reasons.push('cpu-high');
    let need = cpuNeed;
    if (T > 0) {
      const keepUp = times(n, R / T);
      const catchUp = times(n, B / T / config.scaleUp.drainSeconds);
      backlogNeed = keepUp + catchUp;
      need = Math.max(backlogNeed, cpuNeed);
    } else {
      reasons.push('no-throughput');
    }
    unbounded = Math.max(n, ceilTolerant(need));
  } else if (U < config.scaleDown.cpu) {
    const growing = G > GROWTH_NOISE * T;
    const backlogLow = BT < config.scaleDown.backlogTimeSeconds;
    if (!growing && backlogLow) {
      reasons.push('cpu-low');
      unbounded = Math.min(n, ceilTolerant(cpuNeed));
    } else {
      if (growing) reasons.push('backlog-growing');
      if (!backlogLow) reasons.push('backlog-time-not-low');
      unbounded = n;
    }
  } else {
    reasons.push('within-bands');
    unbounded = n;
  }

  // Belt and braces: arithmetic on extreme but finite inputs must never turn into a decision.
  if (Number.isNaN(unbounded)) return untrusted(signals, config);
  const desiredWorkers = bound(unbounded, config, reasons);
  const detail: DecisionDetail = {
    action: actionFor(desiredWorkers, n),
    desiredWorkers,
    reasons,
    backlogTime: BT,
    inputRate: R,
    cpuNeed,
    unbounded,
  };
  if (backlogNeed !== undefined) detail.backlogNeed = backlogNeed;
  return detail;
}

/** The pure decision of policy.md: same input, same output, no clock, no I/O. */
export function decide(signals: Signals, config: PolicyConfig): Decision {
  const { action, desiredWorkers, reasons } = decideDetail(signals, config);
  return { action, desiredWorkers, reasons };
}
