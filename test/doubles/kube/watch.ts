/**
 * Watches: a chunked stream of `{"type","object"}` JSON lines with the cacher's semantics: resourceVersion,
 * selectors, 410 Expired once the watch cache no longer reaches back, bookmarks (periodic and shortly before
 * the timeout), the server-side timeout, and lines written in pieces as large objects arrive on the wire.
 */
import type { Request, Response } from 'express';
import { queryBool, queryOf } from './http.js';
import { PacedWriter } from './paced-writer.js';
import type { ResourceApi } from './resource-api.js';
import { badRequest, expired, invalid, type FieldError } from './status.js';
import type { StoreEvent, WatchEventType } from './store.js';
import type { KubeObject } from './types.js';

export interface WatchSettings {
  /** How often BOOKMARK events go to watches that allow them (the apiserver: about a minute). */
  bookmarkIntervalMs: number;
  /** The server's open watches, so that closing or restarting it can end them. */
  open: Set<Response>;
  /** A watch without timeoutSeconds ends after a random time in [this, twice this) (--min-request-timeout: 1800 s). */
  minRequestTimeoutSeconds?: number;
}

type WireType = WatchEventType | 'BOOKMARK' | 'ERROR';

/** How long before its deadline a watch gets its last bookmark (the cacher: 2 s). */
const preTimeoutBookmarkMs = 2000;

/** ValidateListOptions for a watch (the WatchList feature gate is on, as in 1.32): 422 ListOptions Invalid. */
function validateWatchOptions(query: URLSearchParams): void {
  const errors: FieldError[] = [];
  const match = query.get('resourceVersionMatch') ?? '';
  const initial = query.has('sendInitialEvents');
  if (initial && match !== 'NotOlderThan') {
    errors.push({
      type: 'FieldValueForbidden',
      field: 'resourceVersionMatch',
      detail: 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
    });
  }
  if (match !== '') {
    if (!initial) {
      errors.push({
        type: 'FieldValueForbidden',
        field: 'resourceVersionMatch',
        detail: 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
      });
    }
    if (match !== 'NotOlderThan') {
      errors.push({
        type: 'FieldValueNotSupported',
        field: 'resourceVersionMatch',
        value: match,
        detail: 'supported values: "NotOlderThan"',
      });
    }
    if ((query.get('continue') ?? '') !== '') {
      errors.push({
        type: 'FieldValueForbidden',
        field: 'resourceVersionMatch',
        detail: 'resourceVersionMatch is forbidden when continue is provided',
      });
    }
  }
  if (errors.length > 0) throw invalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', errors);
}

/**
 * Serves a watch of `api`'s kind in `namespace` (all namespaces when undefined); `name` (from a
 * `/watch/.../{name}` path) narrows it to one object, as a field selector on the name does.
 */
export function serveWatch(
  req: Request,
  res: Response,
  api: ResourceApi,
  namespace: string | undefined,
  settings: WatchSettings,
  render: (object: KubeObject) => unknown = (object) => api.kind.toExternal(object),
  name?: string,
): void {
  const query = queryOf(req);
  validateWatchOptions(query);
  const fieldSelector = [name === undefined ? '' : `metadata.name=${name}`, query.get('fieldSelector') ?? '']
    .filter((part) => part !== '')
    .join(',');
  const matches = api.matcher({ labelSelector: query.get('labelSelector'), fieldSelector });
  const inNamespace = (object: KubeObject): boolean =>
    namespace === undefined || object.metadata.namespace === namespace;
  const requested = query.get('resourceVersion') ?? '';
  const sendInitialEvents = queryBool(query, 'sendInitialEvents');
  const bookmarks = queryBool(query, 'allowWatchBookmarks');
  const timeoutSeconds = Number(query.get('timeoutSeconds') ?? 0);
  const from = Number(requested);
  if (requested !== '' && !(Number.isInteger(from) && from >= 0 && /^\d+$/.test(requested))) {
    throw badRequest(
      `resourceVersion: Invalid value: ${JSON.stringify(requested)}: strconv.ParseUint: parsing ${JSON.stringify(requested)}: invalid syntax`,
    );
  }

  res.status(200);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', 'no-cache, private');
  res.setHeader('Transfer-Encoding', 'chunked');
  res.flushHeaders();
  const writer = PacedWriter.for(res);
  const send = (type: WireType, object: unknown): void =>
    writer.write(`${JSON.stringify({ type, object })}\n`);
  const bookmark = (annotations?: Record<string, string>): void => {
    // A typed (built-in) object encodes its zero creationTimestamp; an unstructured custom resource does not.
    const metadata: Record<string, unknown> = { resourceVersion: String(api.store.resourceVersion) };
    if (api.kind.builtIn) metadata['creationTimestamp'] = null;
    if (annotations) metadata['annotations'] = annotations;
    send('BOOKMARK', { kind: api.kind.kind, apiVersion: api.apiVersion, metadata });
  };

  const deliver = (event: StoreEvent): void => {
    if (event.collection !== api.kind.collection) return;
    const now = inNamespace(event.object) && matches(event.object);
    const before = event.previous !== undefined && inNamespace(event.previous) && matches(event.previous);
    if (event.type === 'ADDED' && now) send('ADDED', render(event.object));
    if (event.type === 'DELETED' && before) send('DELETED', render(event.object));
    if (event.type === 'MODIFIED') {
      if (now && before) send('MODIFIED', render(event.object));
      else if (now) send('ADDED', render(event.object));
      else if (before) send('DELETED', render(event.object));
    }
  };

  let backlog: StoreEvent[] = [];
  if (sendInitialEvents || requested === '' || from === 0) {
    for (const object of api.store.list(api.kind.collection, namespace).filter(matches))
      send('ADDED', render(object));
    if (sendInitialEvents) bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    const events = api.store.since(api.kind.collection, from);
    if (events === undefined) {
      send(
        'ERROR',
        expired(`too old resource version: ${requested} (${api.store.watchFloor(api.kind.collection)})`)
          .status,
      );
      writer.end();
      return;
    }
    backlog = events;
  }
  for (const event of backlog) deliver(event);

  const unsubscribe = api.store.subscribe(deliver);
  const minimum = settings.minRequestTimeoutSeconds ?? 1800;
  const timeoutMs = timeoutSeconds > 0 ? timeoutSeconds * 1000 : minimum * 1000 * (1 + Math.random());
  const timers: NodeJS.Timeout[] = [];
  if (bookmarks) {
    timers.push(setInterval(() => bookmark(), settings.bookmarkIntervalMs));
    if (timeoutMs > preTimeoutBookmarkMs) {
      timers.push(setTimeout(() => bookmark(), timeoutMs - preTimeoutBookmarkMs));
    }
  }
  timers.push(setTimeout(() => writer.end(), timeoutMs));
  settings.open.add(res);
  const stop = (): void => {
    unsubscribe();
    for (const timer of timers) clearTimeout(timer);
    settings.open.delete(res);
  };
  res.on('close', stop);
  res.on('finish', stop);
}
