/** Writes a core v1 Event about one object, as client-go's recorder fills it (counts, both timestamps, reporter). */
import type { KubeConnection } from './connection.js';

export interface EventSpec {
  namespace: string;
  involvedObject: { apiVersion: string; kind: string; name: string; uid?: string; resourceVersion?: string };
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  action: string;
  component: string;
  instance: string;
}

export async function createEvent(connection: KubeConnection, event: EventSpec, now: Date): Promise<void> {
  const ts = now.toISOString();
  const { namespace, involvedObject } = event;
  await connection.json({
    method: 'POST',
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
    body: {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${involvedObject.name}.`, namespace },
      involvedObject: { ...involvedObject, namespace },
      type: event.type,
      reason: event.reason,
      message: event.message.slice(0, 1024),
      source: { component: event.component },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      reportingComponent: event.component,
      reportingInstance: event.instance,
      // MicroTime: microseconds
      eventTime: ts.replace('Z', '000Z'),
      action: event.action,
    },
    what: `record event ${event.reason}`,
  });
}
