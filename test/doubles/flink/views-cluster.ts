/**
 * JSON of the cluster endpoints: /overview, /taskmanagers and /jobmanager/config, as Flink's serializers
 * write them.
 */
import { usedSlotsByTaskManager, type View } from './view.js';

const MiB = 1024 * 1024;

/** `GET /overview` (ClusterOverviewWithVersion; the blocked counts are left out when 0). */
export function overview(view: View): Record<string, unknown> {
  const used = usedSlotsByTaskManager(view);
  const slots = view.cluster.options.slots;
  const total = view.taskManagers.length * slots;
  const busy = view.taskManagers.reduce((sum, tm) => sum + (used.get(tm.id) ?? 0), 0);
  return {
    taskmanagers: view.taskManagers.length,
    'slots-total': total,
    'slots-available': total - busy,
    'jobs-running': 1,
    'jobs-finished': 0,
    'jobs-cancelled': 0,
    'jobs-failed': 0,
    'flink-version': view.cluster.options.flinkVersion,
    'flink-commit': view.cluster.options.flinkCommit,
  };
}

/**
 * `GET /taskmanagers` (TaskManagersInfo): ids are pod names; `timeSinceLastHeartbeat` is an epoch-ms
 * timestamp.
 */
export function taskManagers(view: View): Record<string, unknown> {
  const o = view.cluster.options;
  const used = usedSlotsByTaskManager(view);
  const now = view.cluster.epochMs(view.cluster.now);
  const resource = (share: number) => ({
    cpuCores: o.cpuCores * share,
    taskHeapMemory: Math.round(512 * o.slots * share),
    taskOffHeapMemory: 0,
    managedMemory: Math.round(512 * o.slots * share),
    networkMemory: Math.round(128 * o.slots * share),
    extendedResources: {},
  });
  return {
    taskmanagers: view.taskManagers.map((tm) => {
      const busy = used.get(tm.id) ?? 0;
      return {
        id: tm.id,
        path: `pekko.tcp://flink@10.244.1.${(tm.index % 240) + 10}:6122/user/rpc/taskmanager_0`,
        dataPort: 6121,
        jmxPort: -1,
        timeSinceLastHeartbeat: now - 1200,
        slotsNumber: o.slots,
        freeSlots: o.slots - busy,
        totalResource: resource(1),
        freeResource: resource((o.slots - busy) / o.slots),
        hardware: {
          cpuCores: o.cpuCores,
          physicalMemory: 4096 * MiB,
          freeMemory: 1152 * MiB,
          managedMemory: 512 * o.slots * MiB,
        },
        memoryConfiguration: {
          frameworkHeap: 128 * MiB,
          taskHeap: 512 * o.slots * MiB,
          frameworkOffHeap: 128 * MiB,
          taskOffHeap: 0,
          networkMemory: 128 * o.slots * MiB,
          managedMemory: 512 * o.slots * MiB,
          jvmMetaspace: 256 * MiB,
          jvmOverhead: 410 * MiB,
          totalFlinkMemory: (256 + 1152 * o.slots) * MiB,
          totalProcessMemory: (922 + 1152 * o.slots) * MiB,
        },
        assignedTasks: view.cluster.vertexCount * busy,
      };
    }),
  };
}

/** `GET /jobmanager/config`: `[{key, value}]` string pairs. */
export function jobManagerConfig(view: View): { key: string; value: string }[] {
  const { cluster } = view;
  const o = cluster.options;
  const entries = new Map<string, string>([
    ['kubernetes.cluster-id', o.clusterId],
    ['kubernetes.namespace', o.namespace],
    ['jobmanager.scheduler', o.scheduler],
  ]);
  if (o.schedulerMode !== null) entries.set('scheduler-mode', o.schedulerMode);
  entries.set('taskmanager.numberOfTaskSlots', String(o.slots));
  entries.set('parallelism.default', String(cluster.parallelismFor(o.shape.initialWorkers)));
  if (o.maxParallelismSet) entries.set('pipeline.max-parallelism', String(o.maxParallelism));
  entries.set('pipeline.name', o.jobName);
  entries.set('metrics.fetcher.update-interval', `${o.fetchIntervalSeconds} s`);
  if (o.checkpointing)
    entries.set('execution.checkpointing.interval', `${cluster.job.costs.checkpointSeconds} s`);
  entries.set('restart-strategy.type', 'fixed-delay');
  entries.set('jobmanager.rpc.address', o.clusterId);
  entries.set('rest.port', '8081');
  for (const [key, value] of Object.entries(o.config)) entries.set(key, value);
  return [...entries].map(([key, value]) => ({ key, value }));
}
