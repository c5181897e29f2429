/**
 * Start-up that does not give up: the sidecar tries to read its FlinkDeployment until it can (it may not
 * exist yet, RBAC may come later, the API may be unreachable while the pod starts), waiting a capped,
 * jittered backoff between attempts so a fleet of sidecars does not retry in step.
 */
import type { Log } from './sidecar.js';

export interface StartRetryOptions {
  log: Log;
  /** First wait, ms (default 1000); doubles up to maxBackoffMs (default 60_000). */
  firstBackoffMs?: number;
  maxBackoffMs?: number;
  random?: () => number;
  /** Waits `ms`, or less when stopped (tests and SIGTERM). */
  sleep?: (ms: number) => Promise<void>;
  /** True once the process is stopping: no more attempts. */
  stopped?: () => boolean;
}

/** The wait before attempt `attempt + 1` (attempt counts from 1): half fixed, half random, capped. */
export function backoffMs(attempt: number, first: number, most: number, random: () => number): number {
  const ceiling = Math.min(most, first * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * Calls `attempt` until it resolves; returns true then, or false when stopped first. Each failure is logged
 * (the caller records its reason for /metrics and the status API).
 */
export async function retryUntilStarted(
  attempt: () => Promise<void>,
  options: StartRetryOptions,
): Promise<boolean> {
  const first = options.firstBackoffMs ?? 1000;
  const most = options.maxBackoffMs ?? 60_000;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const stopped = options.stopped ?? (() => false);
  for (let n = 1; !stopped(); n++) {
    try {
      await attempt();
      if (n > 1) options.log('info', 'read the FlinkDeployment; starting', { attempts: n });
      return true;
    } catch (error) {
      const wait = backoffMs(n, first, most, random);
      options.log('warn', 'cannot read the FlinkDeployment; trying again', {
        error: error instanceof Error ? error.message : String(error),
        attempt: n,
        retryInMs: wait,
      });
      await sleep(wait);
    }
  }
  return false;
}
