/**
 * `hpa-cpu`: the Kubernetes HorizontalPodAutoscaler (autoscaling/v2) scaling the TaskManagers on CPU, with its
 * documented defaults: 15 s sync period, 80 % average CPU utilization target, 10 % tolerance, and the default
 * behavior (scale-up: no stabilization, max(100 %, 4 pods) per 15 s; scale-down: a 300 s stabilization window
 * over the highest recommendation, 100 % per 15 s).
 *
 * Sources: kubernetes.io "Horizontal Pod Autoscaling" (algorithm details, default behavior) and the HPA
 * controller (replica calculator and normalizeDesiredReplicasWithBehaviors), re-expressed here.
 */
import type { View } from '../observer.js';
import type { Controller, ControllerFactory } from './types.js';

/** --horizontal-pod-autoscaler-sync-period. */
export const HPA_SYNC_SECONDS = 15;
/** --horizontal-pod-autoscaler-tolerance: no change while |ratio − 1| ≤ this. */
export const HPA_TOLERANCE = 0.1;
/** averageUtilization of the CPU target (the API's default target, and kubectl autoscale's). */
export const HPA_CPU_TARGET_PERCENT = 80;

export interface HpaPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export interface HpaScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy: 'Max' | 'Min';
  policies: HpaPolicy[];
}

export const HPA_DEFAULT_SCALE_UP: HpaScalingRules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Percent', value: 100, periodSeconds: 15 },
    { type: 'Pods', value: 4, periodSeconds: 15 },
  ],
};

export const HPA_DEFAULT_SCALE_DOWN: HpaScalingRules = {
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

interface Timed {
  time: number;
  value: number;
}

/**
 * What the HPA controller does with the replica count a metric proposes: the min/max bounds, the stabilization
 * windows over past proposals, and the policies' rate limits. Shared by `hpa-cpu` and `keda-lag` (KEDA creates
 * an HPA). Without `spec.behavior` the controller takes an older code path whose scale-up limit is
 * max(2 × current, 4) instead of max(2 × current, current + 4); the two differ only below 4 replicas, and the
 * documentation presents the default behavior below, so that is what this models.
 */
export class HpaBehavior {
  private readonly minReplicas: number;
  private readonly maxReplicas: number;
  private readonly up: HpaScalingRules;
  private readonly down: HpaScalingRules;
  /** Proposals before stabilization, newest last. */
  private recommendations: Timed[] = [];
  /** Executed rescales: value is the signed change in replicas. */
  private events: Timed[] = [];

  constructor(
    minReplicas: number,
    maxReplicas: number,
    up: HpaScalingRules = HPA_DEFAULT_SCALE_UP,
    down: HpaScalingRules = HPA_DEFAULT_SCALE_DOWN,
  ) {
    this.minReplicas = minReplicas;
    this.maxReplicas = maxReplicas;
    this.up = up;
    this.down = down;
  }

  /** The replicas the HPA sets at `time` (s), given the scale's spec replicas and the metric's proposal. */
  replicas(time: number, current: number, proposal: number): number {
    // The controller seeds the history with the current count the first time it sees the HPA.
    if (this.recommendations.length === 0) this.recommendations.push({ time, value: current });
    if (current > this.maxReplicas) return this.apply(time, current, this.maxReplicas);
    if (current < this.minReplicas) return this.apply(time, current, this.minReplicas);
    const stabilized = this.stabilize(time, current, proposal);
    return this.apply(time, current, this.limitRate(time, current, stabilized));
  }

  /** Scale-up: the lowest proposal in its window; scale-down: the highest in its window (300 s). */
  private stabilize(time: number, current: number, proposal: number): number {
    let upper = proposal;
    let lower = proposal;
    for (const r of this.recommendations) {
      if (r.time > time - this.up.stabilizationWindowSeconds) lower = Math.min(lower, r.value);
      if (r.time > time - this.down.stabilizationWindowSeconds) upper = Math.max(upper, r.value);
    }
    const keep = Math.max(this.up.stabilizationWindowSeconds, this.down.stabilizationWindowSeconds);
    this.recommendations = this.recommendations.filter((r) => r.time > time - keep);
    this.recommendations.push({ time, value: proposal });
    return Math.min(Math.max(current, lower), upper);
  }

  private limitRate(time: number, current: number, desired: number): number {
    if (desired > current) {
      const limit = Math.max(current, this.policyLimit(this.up, time, current, 1));
      return Math.min(desired, limit, this.maxReplicas);
    }
    if (desired < current) {
      const limit = Math.min(current, this.policyLimit(this.down, time, current, -1));
      return Math.max(desired, limit, this.minReplicas);
    }
    return desired;
  }

  /** The furthest each policy lets the count go from where it stood at the start of its period. */
  private policyLimit(rules: HpaScalingRules, time: number, current: number, direction: 1 | -1): number {
    const proposals = rules.policies.map((policy) => {
      let added = 0;
      let removed = 0;
      for (const e of this.events) {
        if (e.time <= time - policy.periodSeconds) continue;
        if (e.value > 0) added += e.value;
        else removed -= e.value;
      }
      const start = current - added + removed;
      if (direction > 0) {
        return policy.type === 'Pods' ? start + policy.value : Math.ceil(start * (1 + policy.value / 100));
      }
      return policy.type === 'Pods' ? start - policy.value : Math.trunc(start * (1 - policy.value / 100));
    });
    // selectPolicy Max picks the policy allowing the biggest change: the highest limit up, the lowest down.
    const highest = (rules.selectPolicy === 'Max') === direction > 0;
    return highest ? Math.max(...proposals) : Math.min(...proposals);
  }

  private apply(time: number, current: number, desired: number): number {
    if (desired !== current) this.events.push({ time, value: desired - current });
    const longest = Math.max(...[...this.up.policies, ...this.down.policies].map((p) => p.periodSeconds));
    this.events = this.events.filter((e) => e.time > time - longest);
    return desired;
  }
}

/**
 * The replica calculator for a CPU Utilization target: what the metric alone asks for (`view.requested` when
 * within the tolerance). Utilization is an integer percentage of the pods' CPU request, as the HPA computes
 * it from millicores. TaskManager pods asked for but not yet registered (`requested − workers`) are treated
 * as not ready: ignored for a scale-down, counted at 0 % for a scale-up, which damps it.
 */
export function cpuProposal(
  view: Pick<View, 'cpu' | 'workers' | 'requested'>,
  targetPercent = HPA_CPU_TARGET_PERCENT,
  tolerance = HPA_TOLERANCE,
): number {
  const current = view.requested;
  const ready = Math.max(1, Math.min(view.workers, current));
  const unready = Math.max(0, current - ready);
  const millicores = Math.round(Math.min(1, Math.max(0, view.cpu)) * 1000);
  const ratio = Math.floor(millicores / 10) / targetPercent;
  if (unready === 0 || ratio <= 1) {
    if (Math.abs(1 - ratio) <= tolerance) return current;
    return Math.ceil(ratio * ready);
  }
  const newPercent = Math.floor((millicores * ready * 100) / (1000 * (ready + unready)));
  const newRatio = newPercent / targetPercent;
  if (Math.abs(1 - newRatio) <= tolerance || newRatio < 1) return current;
  return Math.max(current, Math.ceil(newRatio * (ready + unready)));
}

/**
 * While the job restarts (view.jobState 'RESTARTING') the TaskManager pods stay Ready in Kubernetes (their
 * probes watch the process, not the job) and report the idle CPU of a JVM that processes nothing. The HPA has
 * no notion of a Flink job state, so it uses that CPU as is: restarting pods propose a scale-down, which the
 * 300 s scale-down stabilization window absorbs unless the restart (or the low CPU) lasts longer than it.
 */
export const hpaCpuFactory: ControllerFactory = ({ shape }) => {
  const hpa = new HpaBehavior(shape.minWorkers, shape.maxWorkers);
  const controller: Controller = {
    name: 'hpa-cpu',
    intervalSeconds: HPA_SYNC_SECONDS,
    decide(view) {
      const replicas = hpa.replicas(view.time, view.requested, cpuProposal(view));
      return Math.min(shape.maxWorkers, Math.max(shape.minWorkers, replicas));
    },
  };
  return controller;
};
