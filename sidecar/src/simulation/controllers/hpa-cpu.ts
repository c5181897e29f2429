/**
 * `hpa-cpu`: the Kubernetes HorizontalPodAutoscaler (autoscaling/v2) scaling the TaskManagers on CPU, with its
 * documented defaults: 15 s sync period, 80 % average CPU utilization target, 10 % tolerance, the replica
 * calculator's rules for pods not yet ready or without metrics (5 min CPU initialization period, missing
 * samples at 100 % on a scale-down and 0 % on a scale-up), and the default behavior (scale-up: no stabilization, max(100 %, 4 pods) per 15 s; scale-down: a 300 s stabilization window
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

/** --horizontal-pod-autoscaler-cpu-initialization-period. */
export const HPA_CPU_INITIALIZATION_SECONDS = 300;
/** --horizontal-pod-autoscaler-initial-readiness-delay. */
export const HPA_INITIAL_READINESS_DELAY_SECONDS = 30;
/** metrics-server's --metric-resolution: a pod's first CPU sample comes this long after its container runs. */
export const METRICS_RESOLUTION_SECONDS = 15;
/** The window a CPU sample averages over (the kubelet's rate window, as metrics-server reports it). */
export const METRICS_WINDOW_SECONDS = 30;

/** The pods of the scale target as the HPA's replica calculator groups them for a CPU metric. */
export interface PodGroups {
  /** Ready pods with a CPU sample that counts. */
  ready: number;
  /**
   * Pods ignored as not ready: Pending (a TaskManager not yet started), or within the CPU initialization
   * period with a sample taken before one metric window had passed since the pod became ready.
   */
  unready: number;
  /** Running pods without any CPU sample yet. */
  missing: number;
}

/** utilization as the HPA computes it: an integer percentage of the pods' CPU requests (millicores). */
function utilizationPercent(usageMillicores: number, pods: number): number {
  return Math.floor((usageMillicores * 100) / (1000 * pods));
}

/**
 * The replica calculator for a CPU Utilization target (GetResourceReplicas), `current` when within the
 * tolerance. Every counted pod uses `cpu` (the model's TaskManagers share the load evenly). First the ratio of
 * the ready pods alone; then, when some pods are unready or missing:
 * - missing pods count at 100 % of their request on a scale-down and at 0 % on a scale-up;
 * - unready pods count at 0 % on a scale-up, and are left out of a scale-down;
 * and the scale happens only if the ratio recomputed with them is outside the tolerance, on the same side.
 * No ready pod with a sample: no proposal (the HPA reports an error and keeps the count).
 */
export function cpuReplicas(
  cpu: number,
  pods: PodGroups,
  current: number,
  targetPercent = HPA_CPU_TARGET_PERCENT,
  tolerance = HPA_TOLERANCE,
): number {
  if (pods.ready <= 0) return current;
  const millicores = Math.round(Math.min(1, Math.max(0, cpu)) * 1000);
  const ratio = utilizationPercent(millicores * pods.ready, pods.ready) / targetPercent;
  const scaleUpWithUnready = pods.unready > 0 && ratio > 1;
  if (!scaleUpWithUnready && pods.missing === 0) {
    if (Math.abs(1 - ratio) <= tolerance) return current;
    return Math.ceil(ratio * pods.ready);
  }
  let usage = millicores * pods.ready;
  let counted = pods.ready;
  if (pods.missing > 0 && ratio < 1) {
    usage += 1000 * (Math.max(100, targetPercent) / 100) * pods.missing;
    counted += pods.missing;
  } else if (pods.missing > 0 && ratio > 1) {
    counted += pods.missing;
  }
  if (scaleUpWithUnready) counted += pods.unready;
  const newRatio = utilizationPercent(usage, counted) / targetPercent;
  if (Math.abs(1 - newRatio) <= tolerance || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1)) {
    return current;
  }
  const replicas = Math.ceil(newRatio * counted);
  if ((newRatio < 1 && replicas > current) || (newRatio > 1 && replicas < current)) return current;
  return replicas;
}

/**
 * The TaskManager pods as the HPA sees them, each with the time it was created and the time it was first seen
 * Running (registered with the job). Pods beyond the job's registered TaskManagers are Pending. A Running pod
 * has no CPU sample for its first METRICS_RESOLUTION_SECONDS (missing); within the CPU initialization period
 * (300 s from creation) its sample is ignored until one metric window has passed since it became ready
 * (unready). TaskManager pods have no readiness probe: Ready as soon as they run, and never unready after, so
 * the initial-readiness delay (30 s), which only concerns pods unready after the initialization period, never
 * applies. A scale-down removes the newest pods.
 */
export class PodClock {
  private pods: { created: number; running?: number }[] = [];

  /** The HPA set the scale to `replicas` at `time`: new pods are created then. */
  scaled(replicas: number, time: number): void {
    while (this.pods.length > 0 && this.pods.length < replicas) this.pods.push({ created: time });
  }

  /** Brings the pod list in line with the view; the first call takes every pod as long running. */
  groups(view: Pick<View, 'time' | 'workers' | 'requested'>): PodGroups {
    const first = this.pods.length === 0;
    while (this.pods.length < view.requested) {
      this.pods.push(first ? { created: -Infinity, running: -Infinity } : { created: view.time });
    }
    this.pods.length = Math.min(this.pods.length, view.requested);
    const registered = Math.min(view.workers, this.pods.length);
    const groups: PodGroups = { ready: 0, unready: 0, missing: 0 };
    this.pods.forEach((pod, i) => {
      if (i >= registered) {
        groups.unready++;
        return;
      }
      pod.running ??= view.time;
      const runningFor = view.time - pod.running;
      if (runningFor < METRICS_RESOLUTION_SECONDS) groups.missing++;
      else if (
        view.time - pod.created < HPA_CPU_INITIALIZATION_SECONDS &&
        runningFor < METRICS_WINDOW_SECONDS
      )
        groups.unready++;
      else groups.ready++;
    });
    return groups;
  }
}

/**
 * While the job restarts (view.jobState 'RESTARTING') the TaskManager pods stay Ready in Kubernetes (their
 * probes watch the process, not the job) and report the idle CPU of a JVM that processes nothing. The HPA has
 * no notion of a Flink job state, so it uses that CPU as is: restarting pods propose a scale-down, which the
 * 300 s scale-down stabilization window absorbs unless the restart (or the low CPU) lasts longer than it.
 * Not modelled: the CPU a starting JVM burns (the reason for the initialization period); the model's new
 * TaskManagers report the job's CPU from their first counted sample.
 */
export const hpaCpuFactory: ControllerFactory = ({ shape }) => {
  const hpa = new HpaBehavior(shape.minWorkers, shape.maxWorkers);
  const pods = new PodClock();
  const controller: Controller = {
    name: 'hpa-cpu',
    intervalSeconds: HPA_SYNC_SECONDS,
    decide(view) {
      const proposal = cpuReplicas(view.cpu, pods.groups(view), view.requested);
      const replicas = hpa.replicas(view.time, view.requested, proposal);
      const bounded = Math.min(shape.maxWorkers, Math.max(shape.minWorkers, replicas));
      pods.scaled(bounded, view.time);
      return bounded;
    },
  };
  return controller;
};
