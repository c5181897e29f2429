/**
 * Where a FlinkDeployment's sidecar answers: its JobManager pod (labels app=<name>, component=jobmanager,
 * as the Flink operator sets them), running, with the flink-autoscaler container, at the pod IP and the
 * container's `autoscaler` port. Says precisely why when there is none.
 */
import type { KubeConnection } from '../kube/connection.js';
import { SIDECAR_CONTAINER, SIDECAR_PORT_NAME } from '../injector/settings.js';

interface PodContainer {
  name: string;
  ports?: { name?: string; containerPort?: number }[];
}

interface Pod {
  metadata?: { name?: string; creationTimestamp?: string; deletionTimestamp?: string };
  spec?: { containers?: PodContainer[]; initContainers?: PodContainer[] };
  status?: {
    phase?: string;
    podIP?: string;
    containerStatuses?: { name: string; ready?: boolean }[];
    initContainerStatuses?: { name: string; ready?: boolean }[];
  };
}

export type Located =
  | { ok: true; url: string; pod: string }
  | { ok: false; reason: 'no-jobmanager' | 'no-sidecar' | 'sidecar-not-running'; message: string };

/** Kubernetes names: DNS-1123 labels (namespaces) and subdomains (FlinkDeployments are labels too). */
export const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export async function locateSidecar(
  connection: KubeConnection,
  namespace: string,
  name: string,
  defaultPort: number,
): Promise<Located> {
  const list = await connection.json<{ items?: Pod[] }>({
    method: 'GET',
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
    query: { labelSelector: `app=${name},component=jobmanager` },
    what: `list the JobManager pods of ${namespace}/${name}`,
  });
  const pods = (list.items ?? []).filter((p) => p.metadata?.deletionTimestamp === undefined);
  // the newest first: after a JobManager restart the old pod may linger for a moment
  const running = pods
    .filter((p) => p.status?.phase === 'Running' && p.status.podIP)
    .sort((a, b) => (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? ''));
  if (running.length === 0) {
    return {
      ok: false,
      reason: 'no-jobmanager',
      message: `flinkdeployment ${namespace}/${name} has no running JobManager pod${pods.length > 0 ? ` (${pods.length} not running)` : ''}`,
    };
  }
  const withSidecar = running.filter((p) =>
    [...(p.spec?.containers ?? []), ...(p.spec?.initContainers ?? [])].some(
      (c) => c.name === SIDECAR_CONTAINER,
    ),
  );
  const first = withSidecar[0] ?? running[0];
  if (withSidecar.length === 0 || first === undefined) {
    return {
      ok: false,
      reason: 'no-sidecar',
      message:
        `the JobManager pod ${running[0]?.metadata?.name ?? ''} of ${namespace}/${name} has no ${SIDECAR_CONTAINER} sidecar: ` +
        'set the pod annotation flink-autoscaler.io/inject: "true" in spec.jobManager.podTemplate',
    };
  }
  const statuses = [
    ...(first.status?.containerStatuses ?? []),
    ...(first.status?.initContainerStatuses ?? []),
  ];
  const status = statuses.find((s) => s.name === SIDECAR_CONTAINER);
  if (status !== undefined && status.ready === false) {
    return {
      ok: false,
      reason: 'sidecar-not-running',
      message: `the ${SIDECAR_CONTAINER} sidecar of ${first.metadata?.name ?? ''} is not running (see kubectl describe pod)`,
    };
  }
  const container = [...(first.spec?.containers ?? []), ...(first.spec?.initContainers ?? [])].find(
    (c) => c.name === SIDECAR_CONTAINER,
  );
  const port = container?.ports?.find((p) => p.name === SIDECAR_PORT_NAME)?.containerPort ?? defaultPort;
  const ip = first.status?.podIP ?? '';
  return {
    ok: true,
    url: `http://${ip.includes(':') ? `[${ip}]` : ip}:${port}`,
    pod: first.metadata?.name ?? '',
  };
}
