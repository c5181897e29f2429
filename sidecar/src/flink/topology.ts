/**
 * Reads a job's shape from Flink's answers: the sources (plan nodes without inputs), the slots a worker
 * has, the largest useful parallelism, and whether the job runs in Reactive Mode. Configuration is read as
 * Flink reads it: keys verbatim (Configuration looks them up case-sensitively), enum and boolean values in
 * any case and untrimmed (ConfigurationUtils.convertToEnum and convertToBoolean compare upper-cased text).
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
  /** `scheduler-mode` as the JobManager's configuration has it (undefined when not set). */
  schedulerMode: string | undefined;
  /**
   * Whether `execution.target` names a native deployment (kubernetes-application, kubernetes-session, yarn);
   * the operator sets "remote" on a standalone one.
   */
  nativeTarget: boolean;
  /** Reactive Mode: `scheduler-mode` is reactive (in any case) on a standalone deployment. */
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

/** A boolean as Flink reads one: `true` or `false` in any case; anything else is no boolean (undefined). */
export function flinkBoolean(text: string | undefined): boolean | undefined {
  const upper = text?.toUpperCase();
  return upper === 'TRUE' ? true : upper === 'FALSE' ? false : undefined;
}

/** Whether a configuration value names the enum constant `name`, as Flink compares them (in any case). */
export function flinkEnumIs(text: string | undefined, name: string): boolean {
  return text !== undefined && text.toUpperCase() === name.toUpperCase();
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
  const nativeTarget = target !== undefined && /kubernetes-application|kubernetes-session|yarn/.test(target);
  let notReactiveBecause: string | undefined;
  if (!flinkEnumIs(mode, 'reactive')) {
    notReactiveBecause =
      `scheduler-mode is ${mode === undefined ? 'not set' : JSON.stringify(mode)}, not "reactive": a replica ` +
      'change will not rescale the running job in place but redeploy it';
  } else if (nativeTarget) {
    notReactiveBecause = `Reactive Mode needs a standalone deployment, but execution.target is ${JSON.stringify(target)}`;
  }
  return {
    jobId: job.jid,
    jobName: job.name,
    sources,
    slotsPerWorker: Number.isSafeInteger(slots) && slots > 0 ? slots : 1,
    maxParallelism,
    schedulerMode: mode,
    nativeTarget,
    reactive: notReactiveBecause === undefined,
    notReactiveBecause,
  };
}
