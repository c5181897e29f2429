/**
 * `operator`: the Flink Kubernetes Operator's autoscaler (DS2-style, per vertex) on the model's one chained
 * source vertex at one slot per TaskManager, with its documented defaults: 60 s reconcile, 5 min stabilization,
 * 15 min metrics window, utilization target 0.7 in [0.4, 1.0], catch-up 30 min, restart time 5 min,
 * scale-down max factor 0.6, scale-up max factor 100000, 1 h delayed scale-down using the highest
 * recommendation, backlog mode above 5 min of lag, effectiveness detection off.
 *
 * Two rows, as the operator's partition alignment differs between its releases:
 * - `operator` (`main`, FLIP-586): `scaling.parallelism-alignment.mode` BALANCED, which keeps the computed target
 *   when no aligned value lies in the search region, so a target above the partition count stays (workers
 *   without a partition are idle);
 * - `operator-1.15` (release-1.15.0): the legacy `scaling.key-group.partitions.adjust.mode` EVENLY_SPREAD, whose
 *   relaxed downward fallback turns a target above the partition count N into N (a cap), and which blocks a
 *   scale that alignment would invert.
 *
 * Sources: ../shared/reference/operator-autoscaler-notes.md §2.3–2.7; apache/flink-kubernetes-operator,
 * JobVertexScaler.scale (release-1.15.0) and alignment/ParallelismAligner, BuiltInAlignmentMode (main).
 */
import type { View } from '../observer.js';
import type { Controller, ControllerFactory } from './types.js';

export interface OperatorOptions {
  /** kubernetes.operator.reconcile.interval: one metric sample and one evaluation per reconcile. */
  reconcileSeconds: number;
  /** job.autoscaler.stabilization.interval: samples this soon after the job is RUNNING do not count. */
  stabilizationSeconds: number;
  /** job.autoscaler.metrics.window. */
  windowSeconds: number;
  /** job.autoscaler.utilization.target. */
  utilizationTarget: number;
  /** job.autoscaler.utilization.min (unset: target − boundary 0.3). */
  utilizationMin: number;
  /** job.autoscaler.utilization.max (unset: target + boundary 0.3). */
  utilizationMax: number;
  /** job.autoscaler.catch-up.duration (0 disables backlog-based scaling). */
  catchUpSeconds: number;
  /** job.autoscaler.restart.time (restart-time tracking is off by default). */
  restartSeconds: number;
  /** job.autoscaler.scale-down.max-factor: one step keeps at least 1 − this of the parallelism. */
  scaleDownMaxFactor: number;
  /** job.autoscaler.scale-up.max-factor. */
  scaleUpMaxFactor: number;
  /** job.autoscaler.scale-down.interval (≤ 0: no delay). */
  scaleDownIntervalSeconds: number;
  /** job.autoscaler.backlog-processing.lag-threshold. */
  backlogLagThresholdSeconds: number;
  /** Partition alignment: `main`'s BALANCED mode, or release 1.15's legacy EVENLY_SPREAD. */
  alignment: AlignmentMode;
}

export type AlignmentMode = 'balanced' | 'legacy-evenly-spread';

export const OPERATOR_DEFAULTS: OperatorOptions = {
  reconcileSeconds: 60,
  stabilizationSeconds: 5 * 60,
  windowSeconds: 15 * 60,
  utilizationTarget: 0.7,
  utilizationMin: 0.7 - 0.3,
  utilizationMax: 0.7 + 0.3,
  catchUpSeconds: 30 * 60,
  restartSeconds: 5 * 60,
  scaleDownMaxFactor: 0.6,
  scaleUpMaxFactor: 100_000,
  scaleDownIntervalSeconds: 60 * 60,
  backlogLagThresholdSeconds: 5 * 60,
  alignment: 'balanced',
};

/**
 * The vertex's max parallelism (its key groups): Flink's default for a job started below 86 is 128
 * (roundUpToPowerOfTwo(1.5 × parallelism), at least 128). The operator never goes above it.
 */
export const DEFAULT_MAX_PARALLELISM = 128;

/** The source vertex's metrics aggregated over the window. */
export interface WindowMetrics {
  parallelism: number;
  /** Records/s read at the source, averaged over the window. */
  inputRate: number;
  /** LOAD: busy fraction of the busiest subtask (aggregator MAX), averaged over the window. */
  busy: number;
  /** d(LAG)/dt from the window's first to its last sample. */
  lagRate: number;
  /** LAG (sum of pendingRecords) at the last sample. */
  lag: number;
}

/** Parallelism bounds: vertex.min/max-parallelism, the source's partition count and its max parallelism. */
export interface ParallelismLimits {
  min: number;
  max: number;
  partitions?: number | undefined;
  /** The vertex's max parallelism (key groups); DEFAULT_MAX_PARALLELISM when absent. */
  maxParallelism?: number | undefined;
}

export interface VertexEvaluation {
  trueProcessingRate: number;
  targetDataRate: number;
  catchUpDataRate: number;
  processingBacklog: boolean;
  scaleUpRateThreshold: number;
  scaleDownRateThreshold: number;
  /** TPR below the scale-up threshold or above the scale-down one. */
  outsideUtilizationBound: boolean;
  /** The recommended parallelism, after the factor clamp, the bounds and the alignment. */
  parallelism: number;
}

/** Evaluation and raw target of one source vertex (ScalingMetricEvaluator + JobVertexScaler, §2.4–2.5). */
export function evaluateVertex(
  m: WindowMetrics,
  limits: ParallelismLimits,
  o: OperatorOptions = OPERATOR_DEFAULTS,
): VertexEvaluation {
  const trueProcessingRate = m.inputRate === 0 ? Infinity : m.inputRate / m.busy;
  const targetDataRate = Math.max(0, m.inputRate + m.lagRate);
  const catchUpDataRate = o.catchUpSeconds === 0 ? 0 : m.lag / o.catchUpSeconds;
  const lagSeconds = m.lag / m.inputRate;
  const processingBacklog = !Number.isNaN(lagSeconds) && lagSeconds > o.backlogLagThresholdSeconds;
  const capacity = (utilization: number, withRestart: boolean): number => {
    const u = Math.min(1, Math.max(0, utilization));
    if (u === 0) return Infinity;
    const restart =
      withRestart && o.catchUpSeconds !== 0 ? (targetDataRate * o.restartSeconds) / o.catchUpSeconds : 0;
    return Math.round(catchUpDataRate + restart + targetDataRate / u);
  };
  // Backlog mode forces the band to [0, 1]: never over-provisioned while catching up.
  const scaleUpRateThreshold = capacity(processingBacklog ? 1 : o.utilizationMax, false);
  const scaleDownRateThreshold = capacity(processingBacklog ? 0 : o.utilizationMin, true);
  const outsideUtilizationBound =
    trueProcessingRate < scaleUpRateThreshold || trueProcessingRate > scaleDownRateThreshold;
  const factor = Math.min(
    1 + o.scaleUpMaxFactor,
    Math.max(1 - o.scaleDownMaxFactor, capacity(o.utilizationTarget, true) / trueProcessingRate),
  );
  return {
    trueProcessingRate,
    targetDataRate,
    catchUpDataRate,
    processingBacklog,
    scaleUpRateThreshold,
    scaleDownRateThreshold,
    outsideUtilizationBound,
    parallelism: alignedParallelism(m.parallelism, Math.ceil(factor * m.parallelism), limits, o.alignment),
  };
}

/**
 * Bounds, then partition alignment for a source with a known partition count N (JobVertexScaler.scale).
 * The target is first clamped to [min(current, vertex.min-parallelism), min(maxParallelism, max(current,
 * vertex.max-parallelism))]. Then, with N known, the region from the target up to min(N, upper bound) (for a
 * scale-up) or up to the current parallelism (for a scale-down) is scanned for the first p that divides N
 * (EVENLY_SPREAD), or that divides N or lowers the per-subtask load, ⌊N/p⌋ < ⌊N/target⌋ (BALANCED). When the
 * region has none:
 * - BALANCED (`main`) keeps the target: above N it stays above N;
 * - the legacy mode (1.15) falls back downward from the target to where the per-subtask load rises, snapped up
 *   to a divisor (above N that is N itself), and keeps the current parallelism when the result would invert
 *   the direction of the scale (a blocked scale, with a ScalingLimited event).
 */
export function alignedParallelism(
  current: number,
  target: number,
  limits: ParallelismLimits,
  mode: AlignmentMode = 'balanced',
): number {
  const n = limits.partitions;
  const upper = Math.min(limits.maxParallelism ?? DEFAULT_MAX_PARALLELISM, Math.max(current, limits.max));
  const lower = Math.min(current, limits.min);
  const p = Math.min(Math.max(lower, target), upper);
  if (n === undefined || p === current) return p;
  const up = p > current;
  const end = up ? Math.min(n, upper) : Math.min(current, n, upper);
  for (let q = p; q <= end; q++) {
    if (n % q === 0) return q;
    if (mode === 'balanced' && Math.floor(n / q) < Math.floor(n / p)) return q;
  }
  if (mode === 'balanced') return p;
  let q = p;
  for (; q > 0; q--) {
    if (Math.floor(n / q) > Math.floor(n / p)) {
      if (n % q !== 0) q++;
      break;
    }
  }
  q = Math.max(q, lower);
  if ((up && q <= current) || (!up && q >= current)) return current;
  return q;
}

interface Sample {
  time: number;
  inputRate: number;
  busy: number;
  lag: number;
}

interface Recommendation {
  time: number;
  parallelism: number;
  outsideUtilizationBound: boolean;
}

/**
 * The controller: one sample per reconcile while the job is RUNNING at the requested size; evaluation once the
 * window is full; scale-ups at once, scale-downs only after the wish has lasted `scale-down.interval`, then to
 * the highest recommendation of that interval. A rescale happens only if the chosen recommendation was made
 * outside the utilization band. Any job change (restart, new parallelism) clears the samples and restarts
 * stabilization. Flink's RUNNING timestamp is not in the View, so the first RUNNING sighting stands in for it.
 * Not modelled: observed TPR (the fluid job's busy time is exact, so it would agree with busy-time TPR) and
 * memory/GC vetoes.
 */
export function operatorFactoryWith(options: Partial<OperatorOptions> = {}): ControllerFactory {
  const o: OperatorOptions = { ...OPERATOR_DEFAULTS, ...options };
  return ({ shape }) => {
    // A platform sets vertex.min/max-parallelism to the deployment's bounds (defaults 1 and 200).
    const limits: ParallelismLimits = {
      min: shape.minWorkers,
      max: shape.maxWorkers,
      partitions: shape.partitions,
    };
    let samples: Sample[] = [];
    let runningSince: number | undefined;
    let lastParallelism: number | undefined;
    let pending: { firstTrigger: number; recommendations: Recommendation[] } | undefined;

    const rescale = (view: View, parallelism: number): number => {
      const workers = Math.min(shape.maxWorkers, Math.max(shape.minWorkers, parallelism));
      if (workers === view.requested) return workers;
      // Executing a rescale clears the pending scale-downs; the job change then clears the samples.
      samples = [];
      runningSince = undefined;
      pending = undefined;
      return workers;
    };

    const delayedScaleDown = (now: number, r: Recommendation): Recommendation | undefined => {
      if (o.scaleDownIntervalSeconds <= 0) return r;
      pending ??= { firstTrigger: now, recommendations: [] };
      // A monotone queue: a newer recommendation evicts older ones that are not higher.
      const queue = pending.recommendations.filter((q) => q.parallelism > r.parallelism);
      queue.push(r);
      const windowStart = now - o.scaleDownIntervalSeconds;
      pending.recommendations = queue.filter((q) => q.time >= windowStart);
      if (windowStart < pending.firstTrigger) return undefined;
      return pending.recommendations[0];
    };

    const controller: Controller = {
      name: o.alignment === 'balanced' ? 'operator' : 'operator-1.15',
      intervalSeconds: o.reconcileSeconds,
      decide(view: View) {
        if (view.jobState !== 'RUNNING' || view.workers !== view.requested) {
          samples = [];
          runningSince = undefined;
          return view.requested;
        }
        if (view.workers !== lastParallelism) {
          samples = [];
          pending = undefined;
          lastParallelism = view.workers;
        }
        runningSince ??= view.time;
        if (view.time < runningSince + o.stabilizationSeconds) return view.requested;
        samples.push({ time: view.time, inputRate: view.throughput, busy: view.busy, lag: view.backlog });
        const first = samples[0] as Sample;
        if (view.time < first.time + o.windowSeconds) return view.requested;
        samples = samples.filter((s) => s.time >= view.time - o.windowSeconds);
        const oldest = samples[0] as Sample;
        const latest = samples.at(-1) as Sample;
        if (samples.length < 2 || latest.time === oldest.time) return view.requested;
        const mean = (f: (s: Sample) => number) => samples.reduce((a, s) => a + f(s), 0) / samples.length;
        const current = view.workers;
        const evaluation = evaluateVertex(
          {
            parallelism: current,
            inputRate: mean((s) => s.inputRate),
            busy: mean((s) => s.busy),
            lagRate: (latest.lag - oldest.lag) / (latest.time - oldest.time),
            lag: latest.lag,
          },
          limits,
          o,
        );
        const target = evaluation.parallelism;
        if (target >= current) {
          pending = undefined;
          return target > current && evaluation.outsideUtilizationBound
            ? rescale(view, target)
            : view.requested;
        }
        const chosen = delayedScaleDown(view.time, {
          time: view.time,
          parallelism: target,
          outsideUtilizationBound: evaluation.outsideUtilizationBound,
        });
        return chosen?.outsideUtilizationBound ? rescale(view, chosen.parallelism) : view.requested;
      },
    };
    return controller;
  };
}

/** The operator on `main` (BALANCED alignment). */
export const operatorFactory: ControllerFactory = operatorFactoryWith();
/** The operator as released in 1.15.0 (legacy EVENLY_SPREAD alignment: caps at the partition count). */
export const operator115Factory: ControllerFactory = operatorFactoryWith({
  alignment: 'legacy-evenly-spread',
});
