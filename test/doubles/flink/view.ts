/**
 * What one request sees: the cluster, the job status and TaskManagers after faults, and the metric store as
 * the fetcher hands it out.
 */
import type { SimulatedCluster, SimulatedJobStatus, SimulatedTaskManager } from './cluster.js';
import type { MetricSnapshot } from './store.js';
import type { Topology } from './topology.js';

export interface View {
  cluster: SimulatedCluster;
  topo: Topology;
  /** The job status reported (RESTARTING under the 'restarting' and 'taskmanagers-leaving' faults). */
  status: SimulatedJobStatus;
  /** Registered TaskManagers as reported (some missing under 'taskmanagers-leaving'). */
  taskManagers: readonly SimulatedTaskManager[];
  /** The metric store for handlers that read metrics (read lazily: reading it counts as a fetcher update). */
  metrics: () => MetricSnapshot;
}

/** The ExecutionStates, in Flink's order. */
export const EXECUTION_STATES = [
  'CREATED',
  'SCHEDULED',
  'DEPLOYING',
  'RUNNING',
  'FINISHED',
  'CANCELING',
  'CANCELED',
  'FAILED',
  'RECONCILING',
  'INITIALIZING',
] as const;
export type ExecutionState = (typeof EXECUTION_STATES)[number];

/** The JobStatus values, in Flink's order. */
export const JOB_STATUSES = [
  'INITIALIZING',
  'CREATED',
  'RUNNING',
  'FAILING',
  'FAILED',
  'CANCELLING',
  'CANCELED',
  'FINISHED',
  'RESTARTING',
  'SUSPENDED',
  'RECONCILING',
] as const;

/** The state of every task while the job has this status. */
export function taskState(status: SimulatedJobStatus): ExecutionState {
  return status === 'RUNNING' ? 'RUNNING' : status === 'RESTARTING' ? 'CANCELED' : 'CREATED';
}

/** Counts per ExecutionState, all states present, keys upper- or lower-case. */
export function stateCounts(state: ExecutionState, count: number, lowerCase = false): Record<string, number> {
  const result: Record<string, number> = {};
  for (const s of EXECUTION_STATES) result[lowerCase ? s.toLowerCase() : s] = s === state ? count : 0;
  return result;
}

/**
 * Slots used on each registered TaskManager (in registration order): the job's subtasks fill them in order.
 */
export function usedSlotsByTaskManager(view: View): Map<string, number> {
  const { cluster } = view;
  let left = view.status === 'RUNNING' ? (cluster.attempt?.parallelism ?? 0) : 0;
  const result = new Map<string, number>();
  for (const tm of cluster.taskManagers) {
    const used = Math.min(cluster.options.slots, left);
    left -= used;
    result.set(tm.id, used);
  }
  return result;
}
