/**
 * Whether the person may scale the job, asked of the gateway (GET …/scale/access) when the panel shows the
 * job, and again on demand (after a refusal, or when the dialog opens).
 */
import { useCallback, useEffect, useState } from 'react';
import { checkAccess, type ScaleAccess } from '../api/access';
import { GatewayError } from '../api/gateway';
import type { JobId } from '../data/frames';

export type AccessState =
  | { state: 'checking' }
  /** The gateway answered: allowed or not, and as whom. */
  | { state: 'known'; access: ScaleAccess }
  /** Grafana or the gateway refused the question itself (401, 403): the POST would be refused too. */
  | { state: 'refused'; error: GatewayError }
  /** No answer (5xx, network): the gateway decides at the click. */
  | { state: 'unknown'; error: GatewayError };

function toState(error: unknown): AccessState {
  const e = error instanceof GatewayError ? error : new GatewayError(String(error));
  return e.status === 401 || e.status === 403
    ? { state: 'refused', error: e }
    : { state: 'unknown', error: e };
}

export function useScaleAccess(apiPath: string, job: JobId | undefined, enabled: boolean) {
  const [access, setAccess] = useState<AccessState>({ state: 'checking' });
  const [round, setRound] = useState(0);
  const namespace = job?.namespace;
  const name = job?.flinkdeployment;
  useEffect(() => {
    if (!enabled || namespace === undefined || name === undefined) return;
    let current = true;
    setAccess({ state: 'checking' });
    checkAccess(apiPath, { namespace, flinkdeployment: name }).then(
      (answer) => current && setAccess({ state: 'known', access: answer }),
      (error: unknown) => current && setAccess(toState(error)),
    );
    return () => {
      current = false;
    };
  }, [apiPath, namespace, name, enabled, round]);
  const recheck = useCallback(() => setRound((r) => r + 1), []);
  return { access, recheck };
}

/** May the button be clicked: not when the gateway said no, or refused to answer. */
export function mayClick(access: AccessState): boolean {
  if (access.state === 'known') return access.access.allowed;
  return access.state === 'unknown';
}

/** The sentence shown with the button: who the gateway thinks the person is, or why they may not scale. */
export function accessText(access: AccessState): string {
  switch (access.state) {
    case 'checking':
      return 'Checking your Kubernetes rights…';
    case 'known':
      return access.access.allowed
        ? `as ${access.access.user}`
        : `You (${access.access.user}) may not scale this job: that needs ${access.access.permission}.`;
    case 'refused':
      return access.error.message;
    case 'unknown':
      return `Could not check your rights (${access.error.message}); the gateway decides when you scale.`;
  }
}
