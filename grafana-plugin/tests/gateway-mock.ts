/**
 * Grafana's BackendSrv for component tests, answering as Grafana's proxy and the gateway would: one answer
 * (or error) for `GET …/scale/access`, one for `POST …/scale`. Every request is recorded.
 */
import { setBackendSrv, type BackendSrv, type BackendSrvRequest, type FetchResponse } from '@grafana/runtime';
import { of, throwError, type Observable } from 'rxjs';
import { vi } from 'vitest';
import type { ScaleAccess } from '../src/api/access';

export type Answer = { data: unknown } | { status: number; data: unknown; statusText?: string };

function reply(answer: Answer): Observable<FetchResponse> {
  if ('status' in answer && answer.status >= 400) {
    const { status, data, statusText = '' } = answer;
    return throwError(() => ({ status, statusText, data, config: {} }));
  }
  return of({ data: answer.data, status: 200 } as FetchResponse);
}

export const ALLOWED: ScaleAccess = {
  allowed: true,
  user: 'grafana:alice',
  reason: 'RBAC: allowed by RoleBinding "scalers/streaming" of ClusterRole "scaler"',
  permission: 'update flinkdeployments/scale (flink.apache.org) on streaming/clickstream',
};

export const DENIED: ScaleAccess = {
  allowed: false,
  user: 'grafana:bob',
  reason: '',
  permission: 'update flinkdeployments/scale (flink.apache.org) on streaming/clickstream',
};

/** The gateway's 403 for a person without the right. */
export const FORBIDDEN: Answer = {
  status: 403,
  statusText: 'Forbidden',
  data: {
    error: {
      status: 403,
      reason: 'forbidden',
      message: 'grafana:bob may not update flinkdeployments/scale "clickstream" in namespace "streaming"',
      permission: 'update flinkdeployments/scale (flink.apache.org) on streaming/clickstream',
    },
  },
};

export function mockGateway(answers: { access?: Answer; scale?: Answer | Answer[] }) {
  const scales = Array.isArray(answers.scale) ? [...answers.scale] : answers.scale ? [answers.scale] : [];
  const fetch = vi.fn((options: BackendSrvRequest): Observable<FetchResponse> => {
    if (options.method === 'GET' && options.url.endsWith('/scale/access')) {
      return reply(answers.access ?? { data: ALLOWED });
    }
    if (options.method === 'POST' && options.url.endsWith('/scale')) {
      const next = scales.length > 1 ? scales.shift() : scales[0];
      if (next) return reply(next);
    }
    return reply({ status: 404, statusText: 'Not Found', data: { message: 'plugin route match not found' } });
  });
  setBackendSrv({ fetch } as unknown as BackendSrv);
  return fetch;
}
