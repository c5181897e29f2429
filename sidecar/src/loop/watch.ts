/**
 * Keeps the sidecar's view of its FlinkDeployment current: read it, watch it from that resourceVersion,
 * and when the watch ends (timeout, error, the API restarting) read and watch again, with backoff.
 */
import type { KubeClient } from '../kube/client.js';
import type { FlinkDeployment } from '../kube/deployment.js';
import type { Log } from './sidecar.js';

export interface WatchHandle {
  /** Stops watching; resolves when the loop has ended. */
  stop(): Promise<void>;
}

export function keepWatching(
  kube: Pick<KubeClient, 'get' | 'watch'>,
  onDeployment: (deployment: FlinkDeployment) => void,
  log: Log,
  options: { firstBackoffMs?: number; maxBackoffMs?: number } = {},
): WatchHandle {
  const first = options.firstBackoffMs ?? 1000;
  const most = options.maxBackoffMs ?? 30_000;
  let stopped = false;
  let stopWatch: (() => void) | undefined;
  let wake: (() => void) | undefined;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const loop = (async () => {
    let backoff = first;
    while (!stopped) {
      try {
        const current = await kube.get();
        onDeployment(current);
        backoff = first;
        await new Promise<void>((resolve) => {
          wake = resolve;
          kube
            .watch(
              current.metadata.resourceVersion,
              (deployment) => onDeployment(deployment),
              (error) => {
                if (error && !stopped) log('warn', 'watch ended', { error: String(error) });
                resolve();
              },
            )
            .then((stop) => {
              stopWatch = stop;
              if (stopped) stop();
            })
            .catch((error: Error) => {
              log('warn', 'watch failed', { error: error.message });
              resolve();
            });
        });
      } catch (error) {
        log('warn', 'cannot read the FlinkDeployment', { error: (error as Error).message });
      }
      if (stopped) break;
      await pause(backoff);
      backoff = Math.min(backoff * 2, most);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      stopWatch?.();
      wake?.();
      await loop;
    },
  };
}
