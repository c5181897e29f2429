/**
 * Before the click: may this person scale this job? `GET …/scale/access` through Grafana's proxy (a route
 * viewers may call: asking changes nothing). The gateway answers with a SubjectAccessReview for the
 * person, as it would for the POST, and says who it thinks the person is.
 */
import type { JobId } from '../data/frames';
import { callGateway } from './gateway';

/** `{allowed, user, reason, permission}` from the gateway. */
export interface ScaleAccess {
  allowed: boolean;
  /** The Kubernetes user the gateway mapped the person to (e.g. `grafana:alice`). */
  user: string;
  /** Kubernetes' reason, often empty when denied. */
  reason: string;
  /** `update flinkdeployments/scale (flink.apache.org) on <ns>/<name>`. */
  permission: string;
}

export async function checkAccess(base: string, job: JobId): Promise<ScaleAccess> {
  return callGateway<ScaleAccess>(base, job, 'scale/access', { method: 'GET' });
}
