/**
 * What N workers would do to the job, by the policy's own model (shared/: the same arithmetic the sidecar
 * decides with): in Reactive Mode the work spreads over every worker, so
 *   - CPU with N workers for today's work = n·U / N (the inverse of the CPU need n·U / targetCpu);
 *   - throughput capacity = T·N / n (each worker reads what one reads now, as in keep-up + catch-up);
 *   - the backlog drains at capacity − input rate R, so drain time = B / (T·N/n − R), never when ≤ 0
 *     (the inverse of the catch-up need n·B / (T·drainSeconds)).
 * Then `decide` runs on the job as it would be once drained, to say whether the policy would keep N after
 * the hold.
 */
import {
  backlogTime,
  decide,
  times,
  workerBounds,
  type Decision,
  type PolicyConfig,
} from '@flink-autoscaler/shared';
import type { Snapshot } from '../data/snapshot';
import { PANEL_DEFAULTS, panelConfig } from './config';

export interface Projection {
  workers: number;
  /** 0..1 (can exceed 1: the job would need more than it has). */
  cpu: number | undefined;
  /** Seconds to drain the backlog; 0 without backlog; Infinity when it would never drain. */
  drainSeconds: number | undefined;
  /** Input rate minus capacity when the backlog would keep growing (per second), else undefined. */
  growth: number | undefined;
  /** Backlog time at the new capacity right away (B / (T·N/n)). */
  backlogTime: number | undefined;
  /** The policy's decision once the backlog is drained (undefined without signals). */
  after: Decision | undefined;
  /** Why the sidecar would refuse N (outside its bounds), else undefined. */
  outOfBounds: string | undefined;
}

/** The policy config in force as far as the panel can see it: the sidecar's thresholds over the defaults. */
export function configOf(s: Snapshot): PolicyConfig {
  const t = s.thresholds;
  const config = panelConfig({
    'scaleUp.backlogTimeSeconds': t.scaleUpBacklogTime.value,
    'scaleUp.cpu': t.scaleUpCpu.value,
    'scaleDown.backlogTimeSeconds': t.scaleDownBacklogTime.value,
    'scaleDown.cpu': t.scaleDownCpu.value,
    targetCpu: t.targetCpu.value,
    minWorkers: t.minWorkers.value,
    maxWorkers: t.maxWorkers.value,
  });
  return config ?? (structuredClone(PANEL_DEFAULTS) as PolicyConfig);
}

export function project(s: Snapshot, target: number): Projection {
  const config = configOf(s);
  const { min, max } = workerBounds(config);
  const outOfBounds =
    target < min || target > max ? `the sidecar allows ${min} to ${max} workers for this job` : undefined;
  const n = s.workers;
  const empty = { workers: target, cpu: undefined, drainSeconds: undefined, growth: undefined };
  if (n === undefined || n <= 0 || target <= 0) {
    return { ...empty, backlogTime: undefined, after: undefined, outOfBounds };
  }
  const cpu = s.cpu === undefined ? undefined : times(n, s.cpu) / target;
  const { throughput: T, backlog: B, backlogGrowth: G } = s;
  if (T === undefined || B === undefined || G === undefined || !Number.isFinite(T)) {
    return { ...empty, cpu, backlogTime: undefined, after: undefined, outOfBounds };
  }
  const input = Math.max(0, T + G);
  const capacity = times(T, target / n);
  const net = capacity - input;
  let drainSeconds: number;
  if (B === 0) drainSeconds = 0;
  else if (net <= 0) drainSeconds = Number.POSITIVE_INFINITY;
  else drainSeconds = B / net;
  // Once drained the job reads its input rate instead of T; its CPU follows the work it does.
  const steadyCpu = cpu === undefined || T === 0 ? cpu : cpu * (input / T);
  const after =
    steadyCpu === undefined || !Number.isFinite(drainSeconds)
      ? undefined
      : decide({ workers: target, throughput: input, backlog: 0, backlogGrowth: 0, cpu: steadyCpu }, config);
  return {
    workers: target,
    cpu,
    drainSeconds,
    growth: net < 0 ? -net : undefined,
    backlogTime: backlogTime(B, capacity),
    after,
    outOfBounds,
  };
}
