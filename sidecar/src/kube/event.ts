/**
 * Writes a core v1 Event about one object, as client-go's recorder fills it (counts, both timestamps,
 * reporter), within the API server's limits for an Event with `eventTime`: a message of at most 1,024
 * UTF-8 bytes; reason, action and reportingInstance of at most 128 (the server counts bytes: Go's len) and
 * never empty. A longer text is cut on a character boundary, the message with an ellipsis.
 */
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

export const EVENT_LIMITS = { messageBytes: 1024, reasonBytes: 128, actionBytes: 128, instanceBytes: 128 };

const ELLIPSIS = '…';

/**
 * `text` cut to at most `maxBytes` UTF-8 bytes, `ellipsis` included, without splitting a character (a
 * surrogate pair stays whole); `text` itself when it fits.
 */
export function truncateUtf8(text: string, maxBytes: number, ellipsis = ELLIPSIS): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const room = maxBytes - Buffer.byteLength(ellipsis, 'utf8');
  if (room < 0) return '';
  let used = 0;
  let end = 0;
  for (const character of text) {
    const size = Buffer.byteLength(character, 'utf8');
    if (used + size > room) break;
    used += size;
    end += character.length;
  }
  return text.slice(0, end) + ellipsis;
}

/** A required short field: cut to `maxBytes`, or `fallback` when empty. */
function field(value: string, maxBytes: number, fallback: string): string {
  const cut = truncateUtf8(value.trim(), maxBytes, '');
  return cut === '' ? fallback : cut;
}

export async function createEvent(
  connection: Pick<KubeConnection, 'json'>,
  event: EventSpec,
  now: Date,
): Promise<void> {
  const ts = now.toISOString();
  const { namespace, involvedObject } = event;
  const reason = field(event.reason, EVENT_LIMITS.reasonBytes, 'Unknown');
  await connection.json({
    method: 'POST',
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
    body: {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${involvedObject.name}.`, namespace },
      involvedObject: { ...involvedObject, namespace },
      type: event.type,
      reason,
      message: truncateUtf8(event.message, EVENT_LIMITS.messageBytes),
      source: { component: event.component },
      firstTimestamp: ts,
      lastTimestamp: ts,
      count: 1,
      reportingComponent: event.component,
      reportingInstance: field(event.instance, EVENT_LIMITS.instanceBytes, event.component),
      // MicroTime: microseconds
      eventTime: ts.replace('Z', '000Z'),
      action: field(event.action, EVENT_LIMITS.actionBytes, reason),
    },
    what: `record event ${reason}`,
  });
}
