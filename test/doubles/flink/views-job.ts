/**
 * JSON of the job endpoints: /jobs, /jobs/overview, /jobs/:jobid, its plan, config and checkpoints, in the
 * wire form of notes §3.
 */
import type { CompletedCheckpoint } from './cluster.js';
import type { MetricMap } from './store.js';
import type { VertexTopology } from './topology.js';
import { JOB_STATUSES, stateCounts, taskState, type View } from './view.js';

/** `GET /jobs` (JobIdsWithStatusOverview). */
export function jobIds(view: View): Record<string, unknown> {
  return { jobs: [{ id: view.cluster.options.jobId, status: view.status }] };
}

function timestamps(view: View): Record<string, number> {
  const { cluster } = view;
  const result: Record<string, number> = {};
  for (const s of JOB_STATUSES) result[s] = 0;
  result.INITIALIZING = cluster.epochMs(0) - 2000;
  result.CREATED =
    cluster.createdAt === undefined ? cluster.epochMs(0) - 1500 : cluster.epochMs(cluster.createdAt);
  result.RUNNING = cluster.epochMs(cluster.runningSince);
  if (cluster.restartedAt !== undefined) result.RESTARTING = cluster.epochMs(cluster.restartedAt);
  if (view.status === 'RESTARTING' && cluster.status !== 'RESTARTING')
    result.RESTARTING = cluster.epochMs(cluster.now);
  return result;
}

/** `GET /jobs/overview` (MultipleJobsDetails): task counts with lower-case keys. */
export function jobsOverview(view: View): Record<string, unknown> {
  const { cluster } = view;
  const o = cluster.options;
  const start = cluster.epochMs(0) - 2000;
  const now = cluster.epochMs(cluster.now);
  const tasks = cluster.vertexCount * cluster.parallelism;
  return {
    jobs: [
      {
        jid: o.jobId,
        name: o.jobName,
        'start-time': start,
        'end-time': -1,
        duration: now - start,
        state: view.status,
        'last-modification': Math.max(...Object.values(timestamps(view))),
        tasks: { total: tasks, ...stateCounts(taskState(view.status), tasks, true) },
        'pending-operators': 0,
        jobType: 'STREAMING',
        schedulerType: o.scheduler === 'adaptive' ? 'Adaptive' : 'Default',
      },
    ],
  };
}

/**
 * Network IO of a vertex from the metric store (IOMetricsInfo); incomplete when a running subtask has no
 * metrics yet.
 */
function ioMetrics(
  view: View,
  vertex: VertexTopology,
  parallelism: number,
): Record<string, number | boolean> {
  const subtasks: Map<number, MetricMap> | undefined =
    view.status === 'RUNNING'
      ? view.metrics().tasks.get(view.cluster.options.jobId)?.get(vertex.id)
      : undefined;
  const sum = (id: string) => {
    let total = 0;
    for (const [i, m] of subtasks ?? []) {
      const v = m.get(id);
      if (i < parallelism && v !== undefined && v.kind !== 'text' && Number.isFinite(v.value))
        total += v.value;
    }
    return Math.round(total);
  };
  let complete = true;
  if (view.status === 'RUNNING') for (let i = 0; i < parallelism; i++) complete &&= subtasks?.has(i) ?? false;
  return {
    'read-bytes': sum('numBytesIn'),
    'read-bytes-complete': complete,
    'write-bytes': sum('numBytesOut'),
    'write-bytes-complete': complete,
    'read-records': sum('numRecordsIn'),
    'read-records-complete': complete,
    'write-records': sum('numRecordsOut'),
    'write-records-complete': complete,
    'accumulated-backpressured-time': sum('accumulateBackPressuredTimeMs'),
    'accumulated-idle-time': sum('accumulateIdleTimeMs'),
    'accumulated-busy-time': sum('accumulateBusyTimeMs'),
  };
}

function vertexDetails(view: View, vertex: VertexTopology): Record<string, unknown> {
  const { cluster } = view;
  const parallelism = cluster.parallelism;
  const state = taskState(view.status);
  const start = cluster.attempt === undefined ? -1 : cluster.epochMs(cluster.attempt.start);
  const end = state === 'CANCELED' ? cluster.epochMs(cluster.restartedAt ?? cluster.now) : -1;
  const now = cluster.epochMs(cluster.now);
  return {
    id: vertex.id,
    slotSharingGroupId: view.topo.slotSharingGroupId,
    name: vertex.name,
    maxParallelism: cluster.options.maxParallelism,
    parallelism,
    status: state,
    'start-time': start,
    'end-time': end,
    duration: start > 0 ? (end > 0 ? end : now) - start : -1,
    tasks: stateCounts(state, parallelism),
    metrics: ioMetrics(view, vertex, parallelism),
  };
}

/** `GET /jobs/:jobid` (JobDetailsInfo, with the master superset of fields). */
export function jobDetails(view: View): Record<string, unknown> {
  const { cluster, topo } = view;
  const o = cluster.options;
  const start = cluster.epochMs(0) - 2000;
  const now = cluster.epochMs(cluster.now);
  return {
    jid: o.jobId,
    name: o.jobName,
    isStoppable: false,
    state: view.status,
    'job-type': 'STREAMING',
    'start-time': start,
    'end-time': -1,
    duration: now - start,
    maxParallelism: -1,
    now,
    timestamps: timestamps(view),
    vertices: topo.vertices.map((v) => vertexDetails(view, v)),
    'status-counts': stateCounts(taskState(view.status), topo.vertices.length),
    plan: plan(view),
    'pending-operators': 0,
    schedulerType: o.scheduler === 'adaptive' ? 'Adaptive' : 'Default',
    'application-id': topo.applicationId,
  };
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The plan (JsonPlanGenerator): sink first, as Flink often lists it, then back along the chain to the source;
 * each node but the source has one HASH input from the vertex before it.
 */
export function plan(view: View): Record<string, unknown> {
  const { cluster, topo } = view;
  const p = cluster.parallelism;
  const describe = (v: VertexTopology) => v.operators.map(escapeHtml).join('<br/>+- ') + '<br/>';
  const node = (v: VertexTopology) => ({
    id: v.id,
    parallelism: p,
    operator: '',
    operator_strategy: '',
    description: describe(v),
  });
  return {
    jid: cluster.options.jobId,
    name: cluster.options.jobName,
    type: 'STREAMING',
    nodes: topo.vertices
      .map((v, k) => {
        const input = topo.vertices[k - 1];
        return input === undefined
          ? { ...node(v), optimizer_properties: {} }
          : {
              ...node(v),
              inputs: [{ num: 0, id: input.id, ship_strategy: 'HASH', exchange: 'pipelined_bounded' }],
              optimizer_properties: {},
            };
      })
      .reverse(),
  };
}

/**
 * `GET /jobs/:jobid/config` in its wire form `{jid, name, execution-config}` (the spec says otherwise, notes
 * §2.4).
 */
export function jobConfig(view: View): Record<string, unknown> {
  const o = view.cluster.options;
  return {
    jid: o.jobId,
    name: o.jobName,
    'execution-config': {
      ...(o.flinkVersion.startsWith('1.') ? { 'execution-mode': 'PIPELINED' } : {}),
      'restart-strategy': 'Restart with fixed delay (10000 ms). #2147483647 restart attempts.',
      'job-parallelism': view.cluster.parallelismFor(o.shape.initialWorkers),
      'object-reuse-mode': false,
      'user-config': {},
    },
  };
}

function summary(values: number[]): Record<string, number> {
  if (values.length === 0) return { min: 0, max: 0, avg: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  return {
    min: sorted[0] ?? 0,
    max: sorted.at(-1) ?? 0,
    avg: Math.round(values.reduce((a, b) => a + b, 0) / values.length),
    p50: q(0.5),
    p90: q(0.9),
    p95: q(0.95),
    p99: q(0.99),
    p999: q(0.999),
  };
}

/**
 * `GET /jobs/:jobid/checkpoints` (CheckpointingStatistics): the last 10 completed checkpoints, `null` where
 * none.
 */
export function checkpoints(view: View): Record<string, unknown> {
  const { cluster } = view;
  const o = cluster.options;
  const path = (id: number) => `s3://checkpoints/${o.clusterId}/${o.jobId}/chk-${id}`;
  const latestId = cluster.checkpoints[0]?.id;
  const stats = (c: CompletedCheckpoint) => ({
    className: 'completed',
    id: c.id,
    status: 'COMPLETED',
    is_savepoint: false,
    savepointFormat: null,
    trigger_timestamp: cluster.epochMs(c.at) - c.durationMs,
    latest_ack_timestamp: cluster.epochMs(c.at),
    checkpointed_size: c.sizeBytes,
    state_size: c.sizeBytes,
    end_to_end_duration: c.durationMs,
    alignment_buffered: 0,
    processed_data: 0,
    persisted_data: 0,
    num_subtasks: c.subtasks,
    num_acknowledged_subtasks: c.subtasks,
    checkpoint_type: 'CHECKPOINT',
    tasks: {},
    external_path: path(c.id),
    discarded: c.id !== latestId,
  });
  const sizes = cluster.checkpoints.map((c) => c.sizeBytes);
  const zeros = summary(cluster.checkpoints.map(() => 0));
  const latest = cluster.checkpoints[0];
  const restore = cluster.lastRestore;
  return {
    counts: {
      restored: cluster.restoredCount,
      total: cluster.checkpointCount,
      in_progress: 0,
      completed: cluster.checkpointCount,
      failed: 0,
    },
    summary: {
      checkpointed_size: summary(sizes),
      state_size: summary(sizes),
      end_to_end_duration: summary(cluster.checkpoints.map((c) => c.durationMs)),
      alignment_buffered: zeros,
      processed_data: zeros,
      persisted_data: zeros,
    },
    latest: {
      completed: latest === undefined ? null : stats(latest),
      savepoint: null,
      failed: null,
      restored:
        restore === undefined
          ? null
          : {
              id: restore.checkpointId,
              restore_timestamp: cluster.epochMs(restore.at),
              is_savepoint: false,
              external_path: path(restore.checkpointId),
            },
    },
    history: cluster.checkpoints.map(stats),
  };
}
