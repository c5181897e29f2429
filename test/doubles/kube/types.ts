/** The JSON shapes the Kubernetes API double stores and serves: objects, metadata, FlinkDeployments and Events. */

/** A JSON object whose values are not known statically. */
export type JsonObject = Record<string, unknown>;

/** Kubernetes ObjectMeta as the double fills it in (every field optional, as on the wire). */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: JsonObject[];
  [key: string]: unknown;
}

/** Any Kubernetes object: typed metadata, anything else. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** `.status.jobStatus.state` values of the FlinkDeployment CRD. */
export type JobState =
  | 'CANCELED'
  | 'CANCELLING'
  | 'CREATED'
  | 'FAILED'
  | 'FAILING'
  | 'FINISHED'
  | 'INITIALIZING'
  | 'RECONCILING'
  | 'RESTARTING'
  | 'RUNNING'
  | 'SUSPENDED';

/** `.status.lifecycleState` values of the FlinkDeployment CRD. */
export type LifecycleState =
  | 'CREATED'
  | 'DELETED'
  | 'DELETING'
  | 'DEPLOYED'
  | 'FAILED'
  | 'ROLLED_BACK'
  | 'ROLLING_BACK'
  | 'STABLE'
  | 'SUSPENDED'
  | 'UPGRADING';

/** `.status.jobManagerDeploymentStatus` values of the FlinkDeployment CRD. */
export type JobManagerDeploymentStatus = 'DEPLOYED_NOT_READY' | 'DEPLOYING' | 'ERROR' | 'MISSING' | 'READY';

/** The part of a FlinkDeployment spec the double and its tests look at; the CRD schema checks the rest. */
export interface FlinkDeploymentSpec {
  image?: string;
  flinkVersion?: string;
  mode?: 'native' | 'standalone';
  serviceAccount?: string;
  flinkConfiguration?: Record<string, unknown>;
  job?: {
    jarURI?: string;
    parallelism?: number;
    state?: 'running' | 'suspended';
    upgradeMode?: string;
    [key: string]: unknown;
  };
  jobManager?: { replicas?: number; [key: string]: unknown };
  taskManager?: { replicas?: number; [key: string]: unknown };
  [key: string]: unknown;
}

/** The part of a FlinkDeployment status the operator writes and the sidecar reads. */
export interface FlinkDeploymentStatus {
  jobStatus?: {
    state?: JobState;
    jobId?: string;
    jobName?: string;
    startTime?: string;
    updateTime?: string;
    [key: string]: unknown;
  };
  lifecycleState?: LifecycleState;
  jobManagerDeploymentStatus?: JobManagerDeploymentStatus;
  observedGeneration?: number;
  reconciliationStatus?: {
    state?: 'DEPLOYED' | 'ROLLED_BACK' | 'ROLLING_BACK' | 'UPGRADING';
    lastReconciledSpec?: string;
    lastStableSpec?: string;
    reconciliationTimestamp?: number;
  };
  taskManager?: { replicas?: number; labelSelector?: string };
  error?: string;
  [key: string]: unknown;
}

/** A `flink.apache.org/v1beta1` FlinkDeployment. */
export interface FlinkDeployment extends KubeObject {
  apiVersion?: 'flink.apache.org/v1beta1';
  kind?: 'FlinkDeployment';
  spec: FlinkDeploymentSpec;
  status?: FlinkDeploymentStatus;
}

/** An object reference as Events carry it (`involvedObject`, `regarding`, `related`). */
export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

/** A core `v1` Event, the form the double stores every Event in (events.k8s.io/v1 is converted). */
export interface CoreEvent extends KubeObject {
  involvedObject: ObjectReference;
  reason?: string;
  message?: string;
  type?: string;
  source?: { component?: string; host?: string };
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  count?: number;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string };
  action?: string;
  related?: ObjectReference;
  reportingComponent?: string;
  reportingInstance?: string;
}

/** A container of a pod spec (the fields tests usually touch; anything else passes through). */
export interface Container {
  name: string;
  image?: string;
  restartPolicy?: 'Always';
  env?: JsonObject[];
  ports?: JsonObject[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; [key: string]: unknown }[];
  [key: string]: unknown;
}

/** A core v1 PodSpec, loosely. */
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: JsonObject[];
  nodeName?: string;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  restartPolicy?: string;
  [key: string]: unknown;
}

/** A pod condition (`Ready`, `ContainersReady`, `Initialized`, `PodScheduled`, ...). */
export interface PodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string | null;
  reason?: string;
  message?: string;
  [key: string]: unknown;
}

/** A core v1 PodStatus, loosely. */
export interface PodStatus {
  phase?: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  podIP?: string;
  podIPs?: { ip: string }[];
  hostIP?: string;
  startTime?: string;
  qosClass?: string;
  conditions?: PodCondition[];
  containerStatuses?: JsonObject[];
  initContainerStatuses?: JsonObject[];
  [key: string]: unknown;
}

/** A core v1 Pod. */
export interface Pod extends KubeObject {
  apiVersion?: 'v1';
  kind?: 'Pod';
  spec: PodSpec;
  status?: PodStatus;
}

/** Is this value a plain JSON object (not null, not an array)? */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy of a JSON value. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Deep equality of two JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
  }
  return false;
}

/** The RFC 3339 timestamp, in seconds, that Kubernetes writes for `now`. */
export function kubeTimestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
