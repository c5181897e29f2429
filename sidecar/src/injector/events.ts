/**
 * Why a pod was not injected, as a Kubernetes Event: on the FlinkDeployment when the pod names it (its
 * `app` label), else on the pod. The pod's creator is a ReplicaSet controller, so an admission warning
 * reaches nobody; an Event is where `kubectl describe flinkdeployment` shows it.
 */
import type { KubeConnection } from '../kube/connection.js';
import { createEvent } from '../kube/event.js';

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
  await createEvent(
    connection,
    {
      namespace: event.namespace,
      involvedObject:
        event.deployment !== undefined
          ? { apiVersion: 'flink.apache.org/v1beta1', kind: 'FlinkDeployment', name: event.deployment }
          : { apiVersion: 'v1', kind: 'Pod', name: event.podName ?? 'unknown' },
      type: 'Warning',
      reason: eventReason(event.reason),
      message: event.message,
      action: 'Inject',
      component: 'flink-autoscaler-injector',
      instance: process.env.HOSTNAME ?? 'flink-autoscaler-injector',
    },
    now,
  );
}
