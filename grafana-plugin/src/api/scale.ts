/**
 * "Scale to N": `POST …/scale` with `{replicas, reason, holdSeconds, dryRun?}` to the gateway, through
 * Grafana's proxy (see gateway.ts). The gateway asks Kubernetes whether the person may update the
 * FlinkDeployment's scale and, if so, writes the replicas and the hold itself.
 */
import type { JobId } from '../data/frames';
import { callGateway } from './gateway';

export interface ScaleRequest {
  replicas: number;
  /** 1 to 1024 characters. */
  reason: string;
  /** 0 to 86400; the gateway's default is 3600. */
  holdSeconds: number;
  dryRun?: boolean;
}

/** The gateway's answer: `{from, to, holdUntil (RFC 3339), by (the Kubernetes user), dryRun}`. */
export interface ScaleAnswer {
  from: number;
  to: number;
  holdUntil: string;
  by: string;
  dryRun: boolean;
}

export async function requestScale(base: string, job: JobId, body: ScaleRequest): Promise<ScaleAnswer> {
  return callGateway<ScaleAnswer>(base, job, 'scale', { method: 'POST', data: body });
}
