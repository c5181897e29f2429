/**
 * "Scale to N": POST {replicas, reason, holdSeconds} to the gateway's
 * /api/v1/namespaces/{ns}/flinkdeployments/{name}/scale, through Grafana's own server-side proxy (the
 * companion app's route by default). The URL is always relative to Grafana: the browser never calls the
 * cluster, and no token is in the dashboard; the proxy adds it.
 */
import { getBackendSrv, isFetchError } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import type { JobId } from '../data/frames';

export interface ScaleRequest {
  replicas: number;
  reason: string;
  holdSeconds: number;
  dryRun?: boolean;
}

/** The sidecar's answer (sidecar/src/http/scale-route.ts). */
export interface ScaleAnswer {
  from: number;
  to: number;
  holdUntil: number;
  dryRun: boolean;
  user: string;
}

export class ScaleError extends Error {
  readonly status: number | undefined;
  constructor(message: string, status: number | undefined) {
    super(message);
    this.name = 'ScaleError';
    this.status = status;
  }
}

/** Why a base path cannot be used (absolute URLs would leave Grafana), or undefined when it can. */
export function invalidBase(base: string): string | undefined {
  const trimmed = base.trim();
  if (trimmed === '') return 'the scale API path is empty (panel option "Scale API path")';
  if (/^[a-z][a-z0-9+.-]*:/i.test(trimmed) || trimmed.startsWith('//')) {
    return 'the scale API path must be a Grafana path such as api/plugin-proxy/…, not a URL: the browser never calls the cluster';
  }
  return undefined;
}

export function scaleUrl(base: string, job: JobId): string {
  const path = base.trim().replace(/^\/+/, '').replace(/\/+$/, '');
  const ns = encodeURIComponent(job.namespace);
  const name = encodeURIComponent(job.flinkdeployment);
  return `${path}/api/v1/namespaces/${ns}/flinkdeployments/${name}/scale`;
}

/** The message a person can act on, from whatever the proxy or the sidecar answered. */
export function errorMessage(error: unknown): ScaleError {
  if (isFetchError(error)) {
    const data = error.data as { error?: { message?: unknown }; message?: unknown } | string | undefined;
    let message: string | undefined;
    if (typeof data === 'string' && data.trim() !== '') message = data.trim();
    else if (data && typeof data === 'object') {
      const inner = data.error?.message ?? data.message;
      if (typeof inner === 'string') message = inner;
    }
    message ??= error.statusText || error.message || 'no answer';
    return new ScaleError(`${error.status}: ${message}`, error.status);
  }
  return new ScaleError(error instanceof Error ? error.message : String(error), undefined);
}

export async function requestScale(base: string, job: JobId, body: ScaleRequest): Promise<ScaleAnswer> {
  const bad = invalidBase(base);
  if (bad !== undefined) throw new ScaleError(bad, undefined);
  try {
    const response = await lastValueFrom(
      getBackendSrv().fetch<ScaleAnswer>({
        url: scaleUrl(base, job),
        method: 'POST',
        data: body,
        headers: { 'Content-Type': 'application/json' },
        showErrorAlert: false,
        showSuccessAlert: false,
      }),
    );
    return response.data;
  } catch (error) {
    throw errorMessage(error);
  }
}
