/** `?watch=true`: a chunked stream of `{"type","object"}` JSON lines with resourceVersion, selector, bookmark and 410 semantics. */
import type { Request, Response } from 'express';
import { queryOf } from './http.js';
import type { ResourceApi } from './resource-api.js';
import { expired } from './status.js';
import type { StoreEvent, WatchEventType } from './store.js';
import type { KubeObject } from './types.js';

export interface WatchSettings {
  /** How often BOOKMARK events go to watches that allow them (the apiserver: about a minute). */
  bookmarkIntervalMs: number;
  /** The server's open watches, so that closing it can end them. */
  open: Set<Response>;
}

type WireType = WatchEventType | 'BOOKMARK' | 'ERROR';

/** Serves a watch of `api`'s kind in `namespace` (all namespaces when undefined). */
export function serveWatch(
  req: Request,
  res: Response,
  api: ResourceApi,
  namespace: string | undefined,
  settings: WatchSettings,
  render: (object: KubeObject) => unknown = (object) => api.kind.toExternal(object),
): void {
  const query = queryOf(req);
  const matches = api.matcher({
    labelSelector: query.get('labelSelector'),
    fieldSelector: query.get('fieldSelector'),
  });
  const inNamespace = (object: KubeObject): boolean =>
    namespace === undefined || object.metadata.namespace === namespace;
  const requested = query.get('resourceVersion') ?? '';
  const sendInitialEvents = query.get('sendInitialEvents') === 'true';
  const bookmarks = query.get('allowWatchBookmarks') === 'true';
  const timeoutSeconds = Number(query.get('timeoutSeconds') ?? 0);

  res.status(200);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', 'no-cache, private');
  res.setHeader('Transfer-Encoding', 'chunked');
  res.flushHeaders();
  const send = (type: WireType, object: unknown): void => {
    if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const bookmark = (annotations?: Record<string, string>): void => {
    const metadata: Record<string, unknown> = {
      resourceVersion: String(api.store.resourceVersion),
      creationTimestamp: null,
    };
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
  if (sendInitialEvents || requested === '' || requested === '0') {
    for (const object of api.store.list(api.kind.collection, namespace).filter(matches))
      send('ADDED', render(object));
    if (sendInitialEvents) bookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    const from = Number(requested);
    const events = Number.isInteger(from) ? api.store.since(api.kind.collection, from) : undefined;
    if (events === undefined) {
      send(
        'ERROR',
        expired(`too old resource version: ${requested} (${api.store.oldestWatchable + 1})`).status,
      );
      res.end();
      return;
    }
    backlog = events;
  }
  for (const event of backlog) deliver(event);

  const unsubscribe = api.store.subscribe(deliver);
  const timers: NodeJS.Timeout[] = [];
  if (bookmarks) timers.push(setInterval(() => bookmark(), settings.bookmarkIntervalMs));
  if (timeoutSeconds > 0) timers.push(setTimeout(() => res.end(), timeoutSeconds * 1000));
  settings.open.add(res);
  const stop = (): void => {
    unsubscribe();
    for (const timer of timers) clearTimeout(timer);
    settings.open.delete(res);
  };
  res.on('close', stop);
  res.on('finish', stop);
}
