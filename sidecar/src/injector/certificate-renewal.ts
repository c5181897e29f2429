/**
 * Keeps a running injector's self-managed certificate fresh: every check it takes the Secret's
 * certificate (renewing it there when it nears expiry, or taking the one another replica wrote), writes
 * the CA bundle into the webhook configuration first, then hands the new pair over to be served.
 */
import type { KubeConnection } from '../kube/connection.js';
import {
  ensureCertificates,
  patchCaBundle,
  type Issued,
  type SelfManagedTarget,
} from './self-managed-tls.js';

export interface RenewalOptions {
  connection: KubeConnection;
  target: SelfManagedTarget;
  /** What is being served now. */
  current: Issued;
  everyMs: number;
  /** Serves the new pair (after the caBundle trusts it). */
  serve: (next: Issued, webhooksPatched: number) => void;
  /** A check that failed; the current pair stays, and the next check tries again. */
  failed: (error: Error) => void;
  now?: () => Date;
}

export interface Renewal {
  /** One check now (also what the timer runs); resolves when it is done. */
  check(): Promise<void>;
  stop(): void;
}

export function keepCertificateFresh(options: RenewalOptions): Renewal {
  const now = options.now ?? (() => new Date());
  let current = options.current;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const check = async () => {
    try {
      const next = await ensureCertificates(options.connection, options.target, now());
      if (next.cert === current.cert && next.key === current.key) return;
      const patched = await patchCaBundle(options.connection, options.target, next.ca);
      current = next;
      options.serve(next, patched);
    } catch (error) {
      options.failed(error as Error);
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => void check().then(schedule), options.everyMs);
    timer.unref();
  };
  schedule();
  return {
    check,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
