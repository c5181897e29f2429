/**
 * `keda-lag`: KEDA's Apache Kafka scaler feeding the HPA it creates with the consumer group's total lag, with
 * the documented defaults: an AverageValue target of `lagThreshold` per replica, allowIdleConsumers false
 * (replicas capped at the partition count), useCachedMetrics false (the HPA asks every 15 s sync period and
 * KEDA queries Kafka each time; pollingInterval 30 s then only paces activation), the HPA's 10 % tolerance and
 * its default behavior (300 s scale-down stabilization).
 *
 * The lag KEDA reads is the committed lag: Flink commits the offsets when a checkpoint completes (every 10 s), so
 * the lag is a sawtooth, the backlog plus 0–10 s of input. The HPA asks every 15 s; the two clocks are not
 * aligned (checkpoint durations vary, the HPA's sync drifts), so each reading falls at a random phase of the
 * sawtooth: `keda-lag` draws the phase uniformly in [0, checkpoint interval) for every reading (seeded by the
 * run's seed). `phase: 'simulated'` instead reads the lag at the simulation's own checkpoint clock, where the
 * 15 s sync meets the 10 s checkpoints at two fixed phases only (0 and 5 s): an artifact, kept for tests.
 *
 * Sources: keda.sh ScaledObject spec and "Scaling Deployments" (caching metrics), the Apache Kafka scaler page
 * (v2.17), and the Kafka scaler's total-lag cap; HPA behavior from ./hpa-cpu.ts.
 */
import type { View } from '../observer.js';
import { seededNoise } from '../random.js';
import type { JobShape } from '../trace.js';
import { HPA_SYNC_SECONDS, HPA_TOLERANCE, HpaBehavior } from './hpa-cpu.js';
import type { Controller, ControllerFactory } from './types.js';

/** ScaledObject pollingInterval: how often KEDA reads Kafka when metrics are cached (and for activation). */
export const KEDA_POLLING_INTERVAL_SECONDS = 30;

/**
 * lagThreshold, in seconds of one worker's capacity. KEDA's default (10 records) suits one consumer per pod
 * handling few messages, not a Flink job: a platform team would set it to the committed lag one healthy
 * replica carries. Flink commits offsets on checkpoints (10 s here), so a worker at 80 % utilization shows on
 * average half an interval of its input, 5 s × 0.8 × capacity = 4 × capacityPerWorker records, as lag.
 */
export const LAG_THRESHOLD_WORKER_SECONDS = 4;

/** The lagThreshold for a job: a whole number of records (KEDA parses it as an integer), at least 1. */
export function kedaLagThreshold(shape: Pick<JobShape, 'capacityPerWorker'>): number {
  return Math.max(1, Math.round(LAG_THRESHOLD_WORKER_SECONDS * shape.capacityPerWorker));
}

/**
 * The metric KEDA reports: total lag, cut to partitions × lagThreshold when allowIdleConsumers is false.
 * The scaler compares with integer division, so a lag just under (partitions + 1) × threshold is not cut.
 */
export function kedaLagMetric(totalLag: number, threshold: number, partitions: number | undefined): number {
  const lag = Math.max(0, Math.floor(totalLag));
  if (partitions !== undefined && Math.floor(lag / threshold) > partitions) return partitions * threshold;
  return lag;
}

/** The HPA's replica calculator for an External metric with an AverageValue target. */
export function averageValueProposal(metric: number, threshold: number, statusReplicas: number): number {
  const ratio = metric / (threshold * Math.max(1, statusReplicas));
  if (Math.abs(1 - ratio) <= HPA_TOLERANCE) return statusReplicas;
  return Math.ceil(metric / threshold);
}

export interface KedaOptions {
  /** ScaledObject trigger useCachedMetrics: read Kafka every pollingInterval instead of on each HPA request. */
  useCachedMetrics: boolean;
  /** Where in the checkpoint sawtooth each reading falls: at random (default), or at the simulation's clock. */
  phase?: 'random' | 'simulated';
}

/**
 * How KEDA's readings meet the checkpoint sawtooth: at a uniformly random phase each (seeded), or at the
 * simulation's own checkpoint clock.
 */
export function committedLagReader(
  phase: 'random' | 'simulated',
  seed: number,
): (view: Pick<View, 'committedLag' | 'sourceBacklog' | 'readRate' | 'checkpointSeconds'>) => number {
  if (phase === 'simulated') return (view) => view.committedLag;
  // Its own stream, apart from the observer's noise: the same seed, another generator state.
  const noise = seededNoise((seed * 7919 + 17) % 2_147_483_647);
  return (view) => committedLagAt(view, noise.next() * view.checkpointSeconds);
}

/** The committed lag at `phase` seconds after the last completed checkpoint. */
export function committedLagAt(view: Pick<View, 'sourceBacklog' | 'readRate'>, phaseSeconds: number): number {
  return view.sourceBacklog + phaseSeconds * view.readRate;
}

/**
 * minReplicaCount is shape.minWorkers (≥ 1), so KEDA never deactivates the workload: cooldownPeriod (300 s)
 * and activationLagThreshold (0) only govern scaling to and from zero and play no part; the HPA does all
 * scaling between min and max. While the job restarts, Flink commits nothing and the lag keeps growing;
 * Kafka shows that and KEDA scales on it. The FlinkDeployment's status replicas is the requested count.
 */
export function kedaLagFactoryWith(options: KedaOptions = { useCachedMetrics: false }): ControllerFactory {
  return ({ shape, seed }) => {
    const hpa = new HpaBehavior(shape.minWorkers, shape.maxWorkers);
    const threshold = kedaLagThreshold(shape);
    const lagOf = committedLagReader(options.phase ?? 'random', seed ?? 1);
    let cached: { time: number; lag: number } | undefined;
    const controller: Controller = {
      name: options.phase === 'simulated' ? 'keda-lag-fixed-phase' : 'keda-lag',
      intervalSeconds: HPA_SYNC_SECONDS,
      decide(view) {
        if (
          !options.useCachedMetrics ||
          !cached ||
          view.time - cached.time >= KEDA_POLLING_INTERVAL_SECONDS
        ) {
          cached = { time: view.time, lag: lagOf(view) };
        }
        const metric = kedaLagMetric(cached.lag, threshold, shape.partitions);
        const proposal = averageValueProposal(metric, threshold, view.requested);
        const replicas = hpa.replicas(view.time, view.requested, proposal);
        return Math.min(shape.maxWorkers, Math.max(shape.minWorkers, replicas));
      },
    };
    return controller;
  };
}

export const kedaLagFactory: ControllerFactory = kedaLagFactoryWith();
