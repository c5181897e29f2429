/**
 * Reads a job's shape from Flink's answers: the sources (plan nodes without inputs), the slots a worker
 * has, the largest useful parallelism, and whether the job runs in Reactive Mode.
 */
import type { JobDetails } from './wire.js';

export interface Topology {
  jobId: string;
  jobName: string;
  /** Source vertices: plan nodes that have no inputs. */
  sources: { id: string; name: string; parallelism: number }[];
  /** Slots per TaskManager (taskmanager.numberOfTaskSlots). */
  slotsPerWorker: number;
  /**
   * The most slots the job can use: with slot sharing, the largest vertex max parallelism. Workers beyond
   * it / slotsPerWorker would idle. Undefined when Flink does not say.
   */
  maxParallelism: number | undefined;
  /** The scheduler mode, from the JobManager's configuration. */
  reactive: boolean;
  /** Why the job is not in Reactive Mode on a standalone deployment, when it is not. */
  notReactiveBecause: string | undefined;
}

/** Looks a key up in `/jobmanager/config`'s list of {key, value}. */
export function configValue(
  config: readonly { key: string; value: string }[],
  key: string,
): string | undefined {
  return config.find((entry) => entry.key === key)?.value;
}

export function readTopology(job: JobDetails, config: readonly { key: string; value: string }[]): Topology {
  const inputsOf = new Map(job.plan.nodes.map((node) => [node.id, node.inputs?.length ?? 0]));
  const sources = job.vertices
    .filter((v) => (inputsOf.get(v.id) ?? 0) === 0)
    .map((v) => ({ id: v.id, name: v.name, parallelism: v.parallelism }));
  const slots = Number(configValue(config, 'taskmanager.numberOfTaskSlots') ?? '1');
  const vertexMax = job.vertices.map((v) => v.maxParallelism ?? 0).filter((m) => m > 0);
  const jobMax = job.maxParallelism !== undefined && job.maxParallelism > 0 ? job.maxParallelism : undefined;
  const maxParallelism = vertexMax.length > 0 ? Math.max(...vertexMax) : jobMax;
  const mode = configValue(config, 'scheduler-mode');
  const target =
    configValue(config, 'execution.target') ?? configValue(config, 'kubernetes.deployment.target');
  let notReactiveBecause: string | undefined;
  if (mode !== 'reactive') {
    notReactiveBecause =
      `scheduler-mode is ${mode === undefined ? 'not set' : JSON.stringify(mode)}, not "reactive": a replica ` +
      'change will not rescale the running job in place but redeploy it';
  } else if (target !== undefined && /kubernetes-application|kubernetes-session|yarn/.test(target)) {
    notReactiveBecause = `Reactive Mode needs a standalone deployment, but execution.target is ${JSON.stringify(target)}`;
  }
  return {
    jobId: job.jid,
    jobName: job.name,
    sources,
    slotsPerWorker: Number.isSafeInteger(slots) && slots > 0 ? slots : 1,
    maxParallelism,
    reactive: notReactiveBecause === undefined,
    notReactiveBecause,
  };
}
