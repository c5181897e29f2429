/**
 * Why a pod was not injected, as a Kubernetes Event: on the FlinkDeployment when the pod names it (its
 * `app` label), else on the pod. The pod's creator is a ReplicaSet controller, so an admission warning
 * reaches nobody; an Event is where `kubectl describe flinkdeployment` shows it.
 */
import type { KubeConnection } from '../kube/connection.js';

export interface SkipEvent {
  namespace: string;
  deployment?: string;
  podName?: string;
  reason: string;
  message: string;
}

function eventReason(reason: string): string {
  return `SidecarNotInjected${reason
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('')}`;
}

export async function recordSkip(connection: KubeConnection, event: SkipEvent, now: Date): Promise<void> {
  const ts = now.toISOString();
  const involvedObject =
    event.deployment !== undefined
      ? { apiVersion: 'flink.apache.org/v1beta1', kind: 'FlinkDeployment', name: event.deployment }
      : { apiVersion: 'v1', kind: 'Pod', name: event.podName ?? 'unknown' };
  await connection.json({
    method: 'POST',
    path: `/api/v1/namespaces/${encodeURIComponent(event.namespace)}/events`,
    body: {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${involvedObject.name}.`, namespace: event.namespace },
      involvedObject: { ...involvedObject, namespace: event.namespace },
      type: 'Warning',
      reason: eventReason(event.reason),
      message: event.message.slice(0, 1024),
      source: { component: 'flink-autoscaler-injector' },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      reportingComponent: 'flink-autoscaler-injector',
      reportingInstance: process.env.HOSTNAME ?? 'flink-autoscaler-injector',
      eventTime: ts.replace('Z', '000Z'),
      action: 'Inject',
    },
    what: `record event ${eventReason(event.reason)}`,
  });
}
