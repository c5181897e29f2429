/**
 * The sidecar's HTTP server over real HTTP: read-only. /metrics, /healthz (liveness), /readyz and
 * /api/v1/status answer; the manual scale endpoint is gone (issue 11: manual scaling goes through the
 * FlinkDeployment, never into a pod), so a POST with a credential reaches nothing and nobody is reviewed.
 * Every error is a JSON body with a status, a reason code and a message; every request is logged and counted.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarApi } from '../../sidecar/src/http/contract.js';
import {
  DEFAULT_SIDECAR_PORT,
  createSidecarApp,
  startSidecarServer,
  type RunningSidecarServer,
} from '../../sidecar/src/http/server.js';
import { SidecarMetrics } from '../../sidecar/src/metrics/exporter.js';
import { serviceAccount, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';
import { sidecarRules } from '../fixtures/rbac.js';

const NS = 'streaming';
const NAME = 'clickstream';
const SIDECAR = serviceAccount(NS, 'flink', 'sidecar-token');

let kube: KubeDouble;
beforeAll(async () => {
  kube = await startKubeDouble({
    namespace: NS,
    users: [SIDECAR],
    rules: sidecarRules(NS, SIDECAR.username),
  });
}, 30_000);
afterAll(async () => {
  await kube.close();
});

/** The control loop's side of the API, faked. */
class FakeApi implements SidecarApi {
  workers = 4;
  readiness = { ready: true, reason: 'read the FlinkDeployment and reached Flink' };
  liveness = { live: true, reason: 'ok' };
  constructor(private readonly metricsOf: SidecarMetrics) {}
  status() {
    return { namespace: NS, name: NAME, workers: this.workers, mode: 'active' };
  }
  ready() {
    return this.readiness;
  }
  live() {
    return this.liveness;
  }
  metrics() {
    return this.metricsOf.text();
  }
}

let server: RunningSidecarServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setUp() {
  const metrics = new SidecarMetrics({ namespace: NS, flinkdeployment: NAME });
  const api = new FakeApi(metrics);
  const logs: Record<string, unknown>[] = [];
  const app = createSidecarApp({
    api,
    metrics,
    log: (level, msg, fields) => logs.push({ level, msg, ...fields }),
  });
  server = await startSidecarServer(app, '127.0.0.1', 0);
  /** The log object of the last finished request (the log is written when the response closes). */
  const lastLog = async () => {
    for (let i = 0; i < 50 && logs.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 10));
    return logs.at(-1);
  };
  return { url: server.url, api, logs, lastLog, metrics };
}

/** Asserts the JSON error shape, and returns its message. */
function expectError(
  result: { response: Response; json: Record<string, unknown> },
  status: number,
  reason: string,
): string {
  expect(result.response.status).toBe(status);
  expect(result.response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(result.json).toEqual({ error: { status, reason, message: expect.any(String) } });
  const message = (result.json['error'] as { message: string }).message;
  expect(message.length).toBeGreaterThan(10);
  return message;
}

describe('no manual scale into the pod', () => {
  it('answers POST /api/v1/scale with 404, reviews nobody and logs no credential', async () => {
    const { url, lastLog } = await setUp();
    const before = kube.requests().length;
    const response = await fetch(`${url}/api/v1/scale`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer grafana-service-account-token',
        'x-grafana-user': 'mallory',
      },
      body: JSON.stringify({ replicas: 6, reason: 'incident 42' }),
    });
    const json = (await response.json()) as Record<string, unknown>;
    expect(expectError({ response, json }, 404, 'not-found')).toMatch(/POST \/api\/v1\/scale/);
    // nothing went to the Kubernetes API: no TokenReview, no SubjectAccessReview
    expect(kube.requests().length).toBe(before);
    const log = await lastLog();
    expect(log).toMatchObject({ method: 'POST', path: '/api/v1/scale', status: 404 });
    expect(JSON.stringify(log)).not.toContain('grafana-service-account-token');
  });
});

describe('the read-only endpoints', () => {
  it('serves Prometheus text at /metrics, with API errors counted', async () => {
    const { url } = await setUp();
    await fetch(`${url}/api/v1/nothing`);
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toMatch(/flink_autoscaler_errors_total\{stage="api"[^}]*\} 1/);
    expect(text).not.toContain('flink_autoscaler_manual_scale_requests_total');
  });

  it('answers /healthz while the loop completes its cycles, and 503 with the reason when it does not', async () => {
    const { url, api, logs } = await setUp();
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });

    api.liveness = { live: false, reason: 'no evaluation cycle completed for 301 s (limit 300 s)' };
    const dead = await fetch(`${url}/healthz`);
    const json = (await dead.json()) as Record<string, unknown>;
    expect(expectError({ response: dead, json }, 503, 'not-live')).toBe(api.liveness.reason);
    // Not being live is a state the probe reports, not an API error.
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/flink_autoscaler_errors_total\{stage="api"[^}]*\} 0$/m);
    // Probes and scrapes are not logged (the kubelet and Prometheus call them every few seconds).
    await fetch(`${url}/api/v1/status`);
    await new Promise((r) => setTimeout(r, 50));
    expect(logs).toEqual([
      expect.objectContaining({ level: 'debug', msg: 'http request', path: '/api/v1/status' }),
    ]);
  });

  it('answers /readyz with 200 when ready and 503 with the reason when not', async () => {
    const { url, api } = await setUp();
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', reason: api.readiness.reason });

    api.readiness = { ready: false, reason: 'Flink REST not reached yet: connect ECONNREFUSED' };
    const response = await fetch(`${url}/readyz`);
    const json = (await response.json()) as Record<string, unknown>;
    expect(expectError({ response, json }, 503, 'not-ready')).toBe(api.readiness.reason);
    // Not being ready is no API error.
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/flink_autoscaler_errors_total\{stage="api"[^}]*\} 0$/m);
  });

  it('serves the status JSON at /api/v1/status', async () => {
    const { url } = await setUp();
    const response = await fetch(`${url}/api/v1/status`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ namespace: NS, name: NAME, workers: 4, mode: 'active' });
  });

  it('answers 405 to other methods on its paths', async () => {
    const { url } = await setUp();
    for (const path of ['/metrics', '/healthz', '/readyz', '/api/v1/status']) {
      const response = await fetch(`${url}${path}`, { method: 'POST' });
      expect(response.status, path).toBe(405);
      expect(response.headers.get('allow')).toBe('GET, HEAD');
    }
  });

  it('answers unknown paths with a JSON 404', async () => {
    const { url } = await setUp();
    const response = await fetch(`${url}/api/v1/nothing`);
    const json = (await response.json()) as Record<string, unknown>;
    expect(expectError({ response, json }, 404, 'not-found')).toMatch(/GET \/api\/v1\/nothing/);
  });

  it('listens on 9877 by default', () => {
    expect(DEFAULT_SIDECAR_PORT).toBe(9877);
  });
});
