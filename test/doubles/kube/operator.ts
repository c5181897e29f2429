/** Playing the Flink Kubernetes Operator in tests: a valid FlinkDeployment, the status it writes after reconciling, and a tiny reconcile loop. */
import type { KubeDouble, ReplicasChange } from './server.js';
import type {
  FlinkDeployment,
  FlinkDeploymentStatus,
  JobManagerDeploymentStatus,
  JobState,
  LifecycleState,
} from './types.js';
import { clone } from './types.js';

export interface FlinkDeploymentFixture {
  name: string;
  namespace?: string;
  /** `spec.taskManager.replicas` (default 2). */
  replicas?: number;
  /** `taskmanager.numberOfTaskSlots` (default 2). */
  slotsPerTaskManager?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A standalone, Reactive Mode FlinkDeployment that the CRD schema accepts (no status). */
export function flinkDeployment(fixture: FlinkDeploymentFixture): FlinkDeployment {
  const replicas = fixture.replicas ?? 2;
  const slots = fixture.slotsPerTaskManager ?? 2;
  return {
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkDeployment',
    metadata: {
      name: fixture.name,
      namespace: fixture.namespace ?? 'default',
      ...(fixture.labels === undefined ? {} : { labels: fixture.labels }),
      ...(fixture.annotations === undefined ? {} : { annotations: fixture.annotations }),
    },
    spec: {
      image: 'flink:1.20',
      flinkVersion: 'v1_20',
      mode: 'standalone',
      serviceAccount: 'flink',
      flinkConfiguration: { 'scheduler-mode': 'REACTIVE', 'taskmanager.numberOfTaskSlots': String(slots) },
      jobManager: { replicas: 1, resource: { cpu: 1, memory: '2048m' } },
      taskManager: { replicas, resource: { cpu: 1, memory: '2048m' } },
      job: {
        jarURI: 'local:///opt/flink/usrlib/job.jar',
        parallelism: replicas * slots,
        upgradeMode: 'savepoint',
        state: 'running',
      },
    },
  };
}

/** What the operator has observed and decided, for one status write. */
export interface OperatorStep {
  /** `.status.jobStatus.state` (default RUNNING). */
  jobState?: JobState;
  /** `.status.lifecycleState` (default STABLE). */
  lifecycleState?: LifecycleState;
  /** `.status.jobManagerDeploymentStatus` (default READY). */
  jobManagerDeploymentStatus?: JobManagerDeploymentStatus;
  /** Record the current spec as reconciled: lastReconciledSpec, observedGeneration, taskManager (default true). */
  reconcile?: boolean;
  /** Mark the reconciled spec stable (lastStableSpec; default: when lifecycleState is STABLE). */
  stable?: boolean;
}

function slotsOf(fd: FlinkDeployment): number {
  const configured = Number(fd.spec.flinkConfiguration?.['taskmanager.numberOfTaskSlots'] ?? 1);
  return Number.isInteger(configured) && configured > 0 ? configured : 1;
}

/**
 * The status the operator writes after a step: the reconciled spec as a JSON string with its generation,
 * `observedGeneration`, and `taskManager` (replicas = spec replicas, or ceil(parallelism / slots); only
 * while the reconciled job state is running, else 0 and an empty selector), per operator-autoscaler-notes §1.5.
 */
export function operatorStatus(fd: FlinkDeployment, step: OperatorStep = {}): FlinkDeploymentStatus {
  const status: FlinkDeploymentStatus = clone(fd.status ?? {});
  const name = fd.metadata.name ?? '';
  const lifecycleState = step.lifecycleState ?? 'STABLE';
  if (step.reconcile ?? true) {
    const lastReconciledSpec = JSON.stringify({
      spec: fd.spec,
      resource_metadata: {
        apiVersion: 'flink.apache.org/v1beta1',
        metadata: { generation: fd.metadata.generation ?? 1 },
        firstDeployment: false,
      },
    });
    status.observedGeneration = fd.metadata.generation ?? 1;
    status.reconciliationStatus = {
      ...status.reconciliationStatus,
      state: 'DEPLOYED',
      lastReconciledSpec,
      reconciliationTimestamp: Date.now(),
    };
    const running = fd.spec.job !== undefined && (fd.spec.job.state ?? 'running') === 'running';
    const replicas =
      fd.spec.taskManager?.replicas ?? Math.ceil((fd.spec.job?.parallelism ?? 0) / slotsOf(fd));
    status.taskManager = running
      ? { replicas, labelSelector: `component=taskmanager,app=${name}` }
      : { replicas: 0, labelSelector: '' };
  }
  if (step.stable ?? lifecycleState === 'STABLE') {
    status.reconciliationStatus = {
      ...status.reconciliationStatus,
      ...(status.reconciliationStatus?.lastReconciledSpec === undefined
        ? {}
        : { lastStableSpec: status.reconciliationStatus.lastReconciledSpec }),
    };
  }
  status.jobStatus = {
    ...status.jobStatus,
    state: step.jobState ?? 'RUNNING',
    jobName: status.jobStatus?.jobName ?? name,
    updateTime: String(Date.now()),
  };
  status.lifecycleState = lifecycleState;
  status.jobManagerDeploymentStatus = step.jobManagerDeploymentStatus ?? 'READY';
  return status;
}

export interface PlayOperatorOptions {
  /** Delay before the operator reconciles a replicas change (default 0). */
  reconcileDelayMs?: number;
  /** How long the job restarts (RESTARTING, lifecycle DEPLOYED) before it runs again and is STABLE (default 50). */
  restartMs?: number;
  /** Called with errors of the loop (an object deleted meanwhile, say); default: ignored. */
  onError?: (error: unknown) => void;
}

/**
 * Reconciles every replicas change the way the operator does in standalone Reactive Mode: status says
 * DEPLOYED/RESTARTING at the new size, then RUNNING/STABLE. Returns the function that stops it.
 */
export function playOperator(
  double: Pick<KubeDouble, 'onReplicasChange' | 'flinkDeployments'>,
  options: PlayOperatorOptions = {},
): () => void {
  const timers = new Map<string, NodeJS.Timeout[]>();
  const guarded = (fn: () => void) => () => {
    try {
      fn();
    } catch (error) {
      options.onError?.(error);
    }
  };
  const unsubscribe = double.onReplicasChange((change: ReplicasChange) => {
    const key = `${change.namespace}/${change.name}`;
    for (const timer of timers.get(key) ?? []) clearTimeout(timer);
    const reconcileAt = options.reconcileDelayMs ?? 0;
    const runningAt = reconcileAt + (options.restartMs ?? 50);
    timers.set(key, [
      setTimeout(
        guarded(() =>
          double.flinkDeployments.reconcile(change.namespace, change.name, {
            jobState: 'RESTARTING',
            lifecycleState: 'DEPLOYED',
          }),
        ),
        reconcileAt,
      ),
      setTimeout(
        guarded(() =>
          double.flinkDeployments.reconcile(change.namespace, change.name, {
            jobState: 'RUNNING',
            lifecycleState: 'STABLE',
          }),
        ),
        runningAt,
      ),
    ]);
  });
  return () => {
    unsubscribe();
    for (const list of timers.values()) for (const timer of list) clearTimeout(timer);
  };
}
