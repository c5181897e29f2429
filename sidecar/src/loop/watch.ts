/**
 * Keeps the sidecar's view of its FlinkDeployment current, as client-go's reflector does: list it (a field
 * selector on its name), watch from the LIST's resourceVersion (an object's own version falls out of the
 * watch cache), track the last version seen in events and BOOKMARKs, re-watch from it when a watch ends,
 * and list again only when the server says that version has expired (410). Reads that lead nowhere back
 * off exponentially with full jitter; the backoff resets only after a watch delivered something or lived
 * long enough. A watch silent past `idleTimeoutMs` is abandoned and started again.
 */
import { KubeError } from '../kube/api-error.js';
import { GROUP, PLURAL, VERSION } from '../kube/client.js';
import { MAX_RETRY_AFTER_MS, type KubeConnection, type WatchEvent } from '../kube/connection.js';
import type { FlinkDeployment } from '../kube/deployment.js';
import type { Log } from './sidecar.js';

export interface WatchOptions {
  connection: Pick<KubeConnection, 'json' | 'watch'>;
  target: { namespace: string; name: string };
  /** Every version: from a list and from the watch. */
  onDeployment: (deployment: FlinkDeployment) => void;
  /** The FlinkDeployment was DELETED, or is absent from a list. */
  onGone?: () => void;
  /** `watching` once a watch is open; false with the reason when a read failed. */
  onStatus?: (status: { watching: boolean; error?: string }) => void;
  log: Log;
  /** [0, 1): jitter of the backoff and the server-side timeout (tests pass their own). */
  random?: () => number;
  /** The first backoff's cap, ms (default 1 s); it doubles per read that leads nowhere. */
  firstBackoffMs?: number;
  /** The backoff's cap, ms (default 30 s). */
  maxBackoffMs?: number;
  /** Restart a watch silent this long, ms (default 150 s: bookmarks come about every minute). */
  idleTimeoutMs?: number;
  /** Server-side timeout of a watch; default random in [300, 600) like client-go. */
  watchTimeoutSeconds?: number;
  /** After a watch was cut by the other side, come back within this many ms, at random (default 5 s). */
  droppedSpreadMs?: number;
}

export interface WatchHandle {
  /** Stops watching; resolves when the loop has ended (at once when a list is in flight: it is ignored). */
  stop(): Promise<void>;
}

interface FlinkDeploymentList {
  metadata?: { resourceVersion?: string };
  items?: FlinkDeployment[];
}

/** A watch that lived this long (or most of its server-side timeout) was healthy, events or not. */
const HEALTHY_WATCH_MS = 30_000;

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export function keepWatching(options: WatchOptions): WatchHandle {
  const { connection, target, log } = options;
  const random = options.random ?? Math.random;
  const first = options.firstBackoffMs ?? 1000;
  const most = options.maxBackoffMs ?? 30_000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 150_000;
  const droppedSpreadMs = options.droppedSpreadMs ?? 5_000;
  const collection = `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(target.namespace)}/${PLURAL}`;
  const fieldSelector = `metadata.name=${target.name}`;
  const what = `flinkdeployment ${target.namespace}/${target.name}`;

  const stopper = new AbortController();
  let stopped = false;
  let listing = false;
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /** Reads in a row that led nowhere; the next backoff is random() × min(most, first × 2^failures). */
  let failures = 0;
  const backoff = (): number => {
    const cap = Math.min(most, first * 2 ** failures);
    failures += 1;
    return random() * cap;
  };

  let last: { watching: boolean; error?: string } | undefined;
  const report = (watching: boolean, error?: string): void => {
    if (stopped || (last?.watching === watching && last.error === error)) return;
    last = error === undefined ? { watching } : { watching, error };
    options.onStatus?.(last);
  };
  const deliver = (deployment: FlinkDeployment): void => {
    if (stopped) return;
    try {
      options.onDeployment(deployment);
    } catch (error) {
      log('error', 'the FlinkDeployment could not be taken in', { error: messageOf(error) });
    }
  };
  const gone = (): void => {
    if (stopped) return;
    log('warn', 'the FlinkDeployment is gone', { namespace: target.namespace, name: target.name });
    try {
      options.onGone?.();
    } catch (error) {
      log('error', 'onGone failed', { error: messageOf(error) });
    }
  };

  /** Lists the FlinkDeployment; its list's resourceVersion, or undefined when the list failed. */
  const list = async (): Promise<string | undefined> => {
    listing = true;
    try {
      const answer = await connection.json<FlinkDeploymentList>({
        method: 'GET',
        path: collection,
        query: { fieldSelector },
        what: `list ${what}`,
      });
      if (stopped) return undefined;
      const version = answer.metadata?.resourceVersion;
      if (typeof version !== 'string' || version === '') {
        throw new KubeError('server-error', `list ${what}: the list has no resourceVersion`);
      }
      const found = (answer.items ?? []).find((item) => item.metadata?.name === target.name);
      if (found) deliver(found);
      else gone();
      return version;
    } catch (error) {
      if (stopped) return undefined;
      report(false, messageOf(error));
      log('warn', 'cannot list the FlinkDeployment', { error: messageOf(error) });
      return undefined;
    } finally {
      listing = false;
    }
  };

  const loop = (async () => {
    /** The last version seen (list, event or bookmark); undefined: list first. */
    let version: string | undefined;
    while (!stopped) {
      if (version === undefined) {
        version = await list();
        if (stopped) break;
        if (version === undefined) {
          await pause(backoff());
          continue;
        }
      }
      const timeoutSeconds = options.watchTimeoutSeconds ?? Math.floor(300 + random() * 300);
      const healthyMs = Math.min(HEALTHY_WATCH_MS, timeoutSeconds * 900);
      const started = Date.now();
      let delivered = false;
      const onEvent = ({ type, object }: WatchEvent): void => {
        const metadata = (object as { metadata?: { name?: string; resourceVersion?: string } } | undefined)
          ?.metadata;
        if (typeof metadata?.resourceVersion === 'string' && metadata.resourceVersion !== '') {
          version = metadata.resourceVersion;
        }
        delivered = true;
        if (type === 'BOOKMARK' || metadata?.name !== target.name) return;
        if (type === 'ADDED' || type === 'MODIFIED') deliver(object as FlinkDeployment);
        else if (type === 'DELETED') gone();
      };
      const from = version;
      try {
        await connection.watch(
          {
            method: 'GET',
            path: collection,
            query: {
              watch: true,
              fieldSelector,
              allowWatchBookmarks: true,
              resourceVersion: from,
              timeoutSeconds,
            },
            what: `watch ${what}`,
          },
          onEvent,
          stopper.signal,
          { idleTimeoutMs, onOpen: () => report(true) },
        );
        if (stopped) break;
        const lived = Date.now() - started;
        if (delivered || lived >= healthyMs) failures = 0;
        // A watch ended by its own timeout (or a proxy's) after a healthy life: watch again at once.
        if (lived >= healthyMs) continue;
        log('info', 'the watch ended early', { lived, from, delivered });
        report(false);
      } catch (error) {
        if (stopped) break;
        if (delivered || Date.now() - started >= healthyMs) failures = 0;
        report(false, messageOf(error));
        if (error instanceof KubeError && error.failure === 'expired') {
          log('info', 'the watched version has expired; listing again', { from, error: error.message });
          version = undefined;
        } else if (error instanceof KubeError && error.dropped) {
          // Most often an API server restart: its new watch cache no longer holds our version, so a
          // re-watch would only earn a 410. List again (as cheap: one object), after a pause spread over
          // droppedSpreadMs so that a fleet cut off at once does not come back at once.
          log('info', 'the watch was cut; listing again', { from, error: error.message });
          version = undefined;
          await pause(Math.max(backoff(), random() * droppedSpreadMs));
          continue;
        } else {
          log('warn', 'watch failed', { from, error: messageOf(error) });
        }
        // A throttled watch waits at least as long as the server asked (capped like every Retry-After).
        const asked = error instanceof KubeError ? (error.retryAfterSeconds ?? 0) * 1000 : 0;
        await pause(Math.max(backoff(), Math.min(asked, MAX_RETRY_AFTER_MS)));
        continue;
      }
      await pause(backoff());
    }
  })();

  return {
    stop: async () => {
      stopped = true;
      stopper.abort();
      wake?.();
      // A list cannot be aborted; its answer is ignored once stopped.
      if (!listing) await loop;
    },
  };
}
