/** The Kubernetes double as the conformance tests start it: one namespace, an admin, a token bound to another audience. */
import {
  flinkDeployment,
  serviceAccount,
  startKubeDouble,
  type FlinkDeployment,
  type KubeDouble,
  type KubeDoubleOptions,
} from '../doubles/kube/index.js';
import type { PythonClient } from './python-client.js';

export const ns = 'conformance';
/** For beforeAll: starting the double (its TLS key) and the Python client can take seconds on a loaded machine. */
export const startupTimeoutMs = 60_000;
export const adminToken = 'conformance-admin-token';
/** `viewer` may get, list and watch FlinkDeployments in the namespace, nothing else. */
export const viewerToken = 'conformance-viewer-token';
/** A service account token valid only for the audience `flink-autoscaler` (as a projected token would be). */
export const boundToken = 'conformance-bound-token';
export const boundUser = 'system:serviceaccount:monitoring:grafana';

/** Changes each kind's watch cache holds in the conformance double (the API server's default is 100). */
export const watchCacheSize = 20;
/** BOOKMARK interval of the conformance double (the API server's is a minute). */
export const bookmarkIntervalMs = 100;

/** What the Python cases run against: set by python.test.ts's beforeAll, before any case's. */
export interface Conformance {
  double: KubeDouble;
  py: PythonClient;
}

export async function startConformanceDouble(options: KubeDoubleOptions = {}): Promise<KubeDouble> {
  return startKubeDouble({
    namespace: ns,
    watchCacheSize,
    bookmarkIntervalMs,
    users: [
      { token: adminToken, username: 'conformance-admin', groups: ['system:masters'] },
      { token: viewerToken, username: 'viewer' },
      serviceAccount('monitoring', 'grafana', boundToken, { audiences: ['flink-autoscaler'] }),
    ],
    rules: [
      {
        name: 'viewer',
        users: ['viewer'],
        verbs: ['get', 'list', 'watch'],
        apiGroups: ['flink.apache.org'],
        resources: ['flinkdeployments'],
        namespaces: [ns],
      },
    ],
    ...options,
  });
}

/** A valid FlinkDeployment in the conformance namespace. */
export function fd(name: string, replicas = 2, labels?: Record<string, string>): FlinkDeployment {
  return flinkDeployment({ name, namespace: ns, replicas, ...(labels === undefined ? {} : { labels }) });
}

/** The Status message of a 409 for a stale resourceVersion, as the registry words it. */
export function conflictMessage(groupResource: string, name: string): string {
  return `Operation cannot be fulfilled on ${groupResource} "${name}": the object has been modified; please apply your changes to the latest version and try again`;
}

/** `spec.taskManager.replicas` of a stored FlinkDeployment (undefined when it or the field is missing). */
export function storedReplicas(double: KubeDouble, name: string): number | undefined {
  return double.flinkDeployments.get(ns, name)?.spec.taskManager?.replicas;
}
