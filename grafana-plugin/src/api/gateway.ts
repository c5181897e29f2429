/**
 * Calls to the flink-autoscaler gateway (`/api/v1/namespaces/{ns}/flinkdeployments/{name}/…`) through
 * Grafana's own server-side proxy (the companion app's route by default). The URL is always relative to
 * Grafana: the browser never calls the cluster, and no token is in the dashboard; Grafana's proxy adds the
 * gateway's token and the person's identity (X-Grafana-Id). Every failure becomes a sentence a person can
 * act on, from whatever Grafana or the gateway answered.
 */
import { getBackendSrv, isFetchError } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import type { JobId } from '../data/frames';

/** The gateway's error body: `{"error": {"status", "reason", "message", "permission"?}}`. */
export interface GatewayErrorBody {
  status?: number;
  reason?: string;
  message?: string;
  permission?: string;
}

/** A failed call, with what the person needs: who refused (Grafana or the gateway), why, in words. */
export class GatewayError extends Error {
  /** HTTP status, undefined when nothing answered or the call was never sent. */
  readonly status: number | undefined;
  /** The gateway's reason code (`forbidden`, `conflict`, `throttled`, …), or `grafana` for Grafana's own refusals. */
  readonly reason: string | undefined;
  /** For a refusal: the Kubernetes permission the person lacks, as the gateway names it. */
  readonly permission: string | undefined;
  constructor(message: string, status?: number, reason?: string, permission?: string) {
    super(message);
    this.name = 'GatewayError';
    this.status = status;
    this.reason = reason;
    this.permission = permission;
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

/** `<base>/api/v1/namespaces/<ns>/flinkdeployments/<name>/<suffix>`, relative to Grafana. */
export function jobUrl(base: string, job: JobId, suffix: string): string {
  const path = base.trim().replace(/^\/+/, '').replace(/\/+$/, '');
  const ns = encodeURIComponent(job.namespace);
  const name = encodeURIComponent(job.flinkdeployment);
  return `${path}/api/v1/namespaces/${ns}/flinkdeployments/${name}/${suffix}`;
}

function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** The words for one answer that is not a success. */
function words(status: number, body: GatewayErrorBody, fallback: string): string {
  const message = body.message?.trim() || fallback;
  switch (body.reason) {
    case 'forbidden':
      return body.permission
        ? `You may not scale this job: that needs ${body.permission}. (${status}: ${message})`
        : `You may not scale this job (${status}: ${message}).`;
    case 'unauthenticated':
      return `The gateway does not know who is asking (${status}: ${message}). Grafana must forward your identity (ID forwarding) with its gateway token; see the plugin README.`;
    case 'conflict':
      return `Nothing was changed: the job was changing (someone else scaled it, its operator updated it, or the autoscaler is rescaling it). Look at the current workers and try again (${status}: ${message}).`;
    case 'out-of-bounds':
      return `Nothing was changed: that many workers is outside this job's bounds (${status}: ${message}).`;
    case 'throttled':
      return `Too many requests to the gateway just now: try again in a moment (${status}: ${message}).`;
    case 'invalid-body':
      return `The gateway refused the request as invalid (${status}: ${message}).`;
    case 'kubernetes-unavailable':
      return `The gateway cannot reach Kubernetes just now: nothing was changed, try again (${status}: ${message}).`;
    default:
      break;
  }
  if (status === 403 && /plugin proxy route access denied/i.test(message)) {
    return `Grafana refused: your Grafana role may not use this route (scaling needs Editor). (${status}: ${message})`;
  }
  if (status === 404 && /plugin route match not found/i.test(message)) {
    return `Grafana has no such route in the companion app (${status}: ${message}): check the app plugin's version and the panel's Scale API path.`;
  }
  if (status === 502 || status === 504) {
    return `Grafana could not reach the gateway (${status}: ${message}): check the app's gateway URL.`;
  }
  return `${status}: ${message}`;
}

/** A GatewayError from whatever Grafana's BackendSrv threw. */
export function gatewayError(error: unknown): GatewayError {
  if (isFetchError(error)) {
    const data = error.data as { error?: GatewayErrorBody; message?: unknown } | string | undefined;
    let body: GatewayErrorBody = {};
    if (typeof data === 'string' && data.trim() !== '') body = { message: data.trim() };
    else if (data && typeof data === 'object') {
      if (data.error && typeof data.error === 'object') body = data.error;
      else if (typeof data.message === 'string') body = { message: data.message };
    }
    const fallback = error.statusText || error.message || 'no answer';
    const status = error.status;
    const grafana =
      body.reason === undefined &&
      status === 403 &&
      /plugin proxy route access denied/i.test(body.message ?? '');
    return new GatewayError(
      sentence(words(status, body, fallback)),
      status,
      grafana ? 'grafana' : body.reason,
      body.permission,
    );
  }
  return new GatewayError(error instanceof Error ? error.message : String(error));
}

/** One JSON call through Grafana's proxy; throws a GatewayError. */
export async function callGateway<T>(
  base: string,
  job: JobId,
  suffix: string,
  init: { method: 'GET' | 'POST'; data?: unknown },
): Promise<T> {
  const bad = invalidBase(base);
  if (bad !== undefined) throw new GatewayError(bad);
  try {
    const response = await lastValueFrom(
      getBackendSrv().fetch<T>({
        url: jobUrl(base, job, suffix),
        method: init.method,
        ...(init.data === undefined
          ? {}
          : { data: init.data, headers: { 'Content-Type': 'application/json' } }),
        showErrorAlert: false,
        showSuccessAlert: false,
      }),
    );
    return response.data;
  } catch (error) {
    throw gatewayError(error);
  }
}
