/** The sidecar container the injector adds to a JobManager pod, built from the injector's settings. */
import {
  SIDECAR_CONTAINER,
  SIDECAR_NODE_OPTIONS,
  SIDECAR_PORT_NAME,
  type SidecarSettings,
} from './settings.js';
import type { Pod } from './review.js';

/** Where the ServiceAccount admission plugin mounts the pod's token (before webhooks run). */
export const SERVICE_ACCOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The service account token's volume mount of the pod's containers: the API server mounts it into the
 * containers that exist before webhooks run, so an added container must mount it itself.
 */
export function serviceAccountMount(pod: Pod): { name: string; mountPath: string } | undefined {
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    const mount = c.volumeMounts?.find((m) => m.mountPath === SERVICE_ACCOUNT_PATH);
    if (mount) return { name: mount.name, mountPath: mount.mountPath };
  }
  return undefined;
}

/** Flink's REST port in the pod (the container port named `rest`), 8081 when none is named. */
export function flinkRestPort(pod: Pod): number {
  for (const container of pod.spec?.containers ?? []) {
    const rest = container.ports?.find((p) => p.name === 'rest');
    if (rest?.containerPort !== undefined) return rest.containerPort;
  }
  return 8081;
}

/**
 * The container: runs `flink-autoscaler sidecar` against Flink on localhost, knows its namespace and pod
 * name (Downward API; the pod name is its identity in the FlinkDeployment's Lease) and FlinkDeployment (the
 * pod's `app` label), runs locked down (non-root, read-only root filesystem, no privilege escalation, no
 * capabilities). A liveness probe and no readiness probe: the sidecar must never make the JobManager pod
 * unready (its REST Service would lose the pod).
 */
export function sidecarContainer(
  settings: SidecarSettings,
  pod: Pod,
  deployment: string,
  token: { name: string; mountPath: string },
  extraArgs: readonly string[] = [],
): Record<string, unknown> {
  const { port } = settings;
  const limits: Record<string, string> = { memory: settings.resources.limits.memory };
  if (settings.resources.limits.cpu !== undefined) limits.cpu = settings.resources.limits.cpu;
  return {
    name: SIDECAR_CONTAINER,
    image: settings.image,
    imagePullPolicy: settings.imagePullPolicy,
    args: [
      'sidecar',
      '--listen',
      `0.0.0.0:${port}`,
      '--flink-url',
      `http://localhost:${flinkRestPort(pod)}`,
      '--log-format',
      settings.logFormat,
      '--log-heartbeat-seconds',
      String(settings.logHeartbeatSeconds),
      ...settings.policyArgs,
      ...extraArgs,
    ],
    env: [
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      // The sidecar's identity in its FlinkDeployment's Lease (one acting sidecar per job).
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'FLINK_DEPLOYMENT_NAME', value: deployment },
      { name: 'NODE_OPTIONS', value: SIDECAR_NODE_OPTIONS },
    ],
    ports: [{ name: SIDECAR_PORT_NAME, containerPort: port, protocol: 'TCP' }],
    volumeMounts: [{ ...token, readOnly: true }],
    livenessProbe: {
      httpGet: { path: '/healthz', port: SIDECAR_PORT_NAME },
      initialDelaySeconds: 10,
      periodSeconds: 20,
      timeoutSeconds: 2,
      failureThreshold: 3,
    },
    resources: { requests: { ...settings.resources.requests }, limits },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    ...(settings.nativeSidecar ? { restartPolicy: 'Always' } : {}),
  };
}
