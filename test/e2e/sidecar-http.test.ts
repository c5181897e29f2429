/**
 * The sidecar's HTTP server over real HTTP, authorizing callers against the Kubernetes API double with a
 * real KubeClient (TokenReview, then SubjectAccessReview): a manual scale goes through only for a caller
 * with the right, a valid body, replicas within bounds and under the rate limit; every refusal is a JSON
 * error with a status, a reason code and a message, and leaves manualScale uncalled. Plus the read-only
 * endpoints, the log and the counters.
 */
import { createServer } from 'node:net';
import { KubeConnection } from '../../sidecar/src/kube/connection.js';
import { connectKube } from '../fixtures/kube-connect.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../sidecar/src/kube/client.js';
import {
  ScaleRefused,
  type ManualScaleRequest,
  type ManualScaleResult,
  type SidecarApi,
} from '../../sidecar/src/http/contract.js';
import {
  DEFAULT_SIDECAR_PORT,
  createSidecarApp,
  startSidecarServer,
  type RunningSidecarServer,
  type SidecarAppDeps,
} from '../../sidecar/src/http/server.js';
import { SidecarMetrics } from '../../sidecar/src/metrics/exporter.js';
import { serviceAccount, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';
import { scalerRule, sidecarRules } from '../fixtures/rbac.js';

const NS = 'streaming';
const NAME = 'clickstream';
const SIDECAR = serviceAccount(NS, 'flink', 'sidecar-token');
const ALICE = { token: 'alice-token', username: 'alice', groups: ['flink-operators'] };
const BOB = { token: 'bob-token', username: 'bob' };
const START = Date.UTC(2026, 0, 1);

let kube: KubeDouble;
beforeAll(async () => {
  kube = await startKubeDouble({
    namespace: NS,
    users: [SIDECAR, ALICE, BOB],
    rules: [...sidecarRules(NS, SIDECAR.username), scalerRule(NS, 'flink-operators')],
  });
});
afterAll(async () => {
  await kube.close();
});

/** A KubeClient as the sidecar builds it, with some user's token (the sidecar's own by default). */
async function kubeClient(token = SIDECAR.token): Promise<KubeClient> {
  return new KubeClient(await connectKube(kube.kubeconfig({ token }, { namespace: NS })), {
    namespace: NS,
    name: NAME,
  });
}

/** A port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The control loop's side of the API, faked: records manual scales; answers as configured. */
class FakeApi implements SidecarApi {
  calls: ManualScaleRequest[] = [];
  workers = 4;
  readiness = { ready: true, reason: 'read the FlinkDeployment and reached Flink' };
  refusal: Error | undefined;
  constructor(
    private readonly metricsOf: SidecarMetrics,
    private readonly clock: () => number,
  ) {}
  status() {
    return { namespace: NS, name: NAME, workers: this.workers, mode: 'active' };
  }
  ready() {
    return this.readiness;
  }
  bounds() {
    return { min: 1, max: 20 };
  }
  maxHoldSeconds() {
    return 3600;
  }
  async manualScale(request: ManualScaleRequest): Promise<ManualScaleResult> {
    this.calls.push(request);
    if (this.refusal) throw this.refusal;
    const result = {
      from: this.workers,
      to: request.replicas,
      holdUntil: this.clock() + request.holdSeconds * 1000,
      dryRun: request.dryRun,
    };
    if (!request.dryRun) this.workers = request.replicas;
    return result;
  }
  metrics() {
    return this.metricsOf.text();
  }
}

let server: RunningSidecarServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  kube.clearFaults();
});

async function setUp(options: Partial<SidecarAppDeps> = {}) {
  let now = START;
  const clock = () => now;
  const metrics = new SidecarMetrics({ namespace: NS, flinkdeployment: NAME });
  const api = new FakeApi(metrics, clock);
  const logs: Record<string, unknown>[] = [];
  const app = createSidecarApp({
    api,
    kube: await kubeClient(),
    metrics,
    log: (fields) => logs.push(fields),
    clock,
    ...options,
  });
  server = await startSidecarServer(app, '127.0.0.1', 0);
  const url = server.url;

  /** POSTs a manual scale as a user (by token; null sends no Authorization header). */
  const scale = async (
    body: unknown,
    { token = ALICE.token, headers = {} }: { token?: string | null; headers?: Record<string, string> } = {},
  ) => {
    const response = await fetch(`${url}/api/v1/scale`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...headers,
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { response, json: (await response.json()) as Record<string, unknown> };
  };
  /** The log object of the last finished request (the log is written when the response closes). */
  const lastLog = async () => {
    for (let i = 0; i < 50 && logs.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 10));
    return logs.at(-1);
  };
  return {
    url,
    api,
    logs,
    lastLog,
    metrics,
    scale,
    advance: (ms: number) => {
      now += ms;
    },
  };
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

const GOOD = { replicas: 6, reason: 'incident 42: backlog growing' };

describe('POST /api/v1/scale', () => {
  it('scales for a user the SubjectAccessReview allows, as the user the TokenReview names', async () => {
    const { api, scale, lastLog, url } = await setUp();
    const result = await scale(GOOD, { headers: { 'x-grafana-user': 'mallory' } });
    expect(result.response.status).toBe(200);
    expect(result.json).toEqual({
      from: 4,
      to: 6,
      holdUntil: START + 1800 * 1000,
      dryRun: false,
      user: 'alice',
    });
    expect(api.calls).toEqual([
      {
        replicas: 6,
        reason: 'incident 42: backlog growing',
        holdSeconds: 1800,
        user: 'alice',
        dryRun: false,
      },
    ]);
    // Both reviews went to the Kubernetes API, made by the sidecar's service account.
    const reviews = kube
      .requests()
      .filter((r) => /tokenreviews|subjectaccessreviews/.test(JSON.stringify(r)))
      .map((r) => JSON.stringify(r));
    expect(reviews.some((r) => r.includes('tokenreviews'))).toBe(true);
    expect(reviews.some((r) => r.includes('subjectaccessreviews'))).toBe(true);

    // One structured log object: the authenticated user counts, Grafana's assertion is only logged.
    const log = await lastLog();
    expect(log).toMatchObject({
      level: 'info',
      method: 'POST',
      path: '/api/v1/scale',
      status: 200,
      outcome: 'scaled',
      user: 'alice',
      groups: expect.arrayContaining(['flink-operators']),
      grafanaUser: 'mallory',
      replicas: 6,
      from: 4,
      to: 6,
      dryRun: false,
      requestId: expect.any(String),
    });
    expect(JSON.stringify(log)).not.toContain(ALICE.token);
    expect(result.response.headers.get('x-request-id')).toBe(log?.['requestId']);

    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/flink_autoscaler_manual_scale_requests_total\{outcome="scaled"[^}]*\} 1/);
  });

  it('checks everything and changes nothing for a dry run', async () => {
    const { api, scale } = await setUp();
    const result = await scale({ ...GOOD, replicas: 8, holdSeconds: 600, dryRun: true });
    expect(result.response.status).toBe(200);
    expect(result.json).toEqual({ from: 4, to: 8, holdUntil: START + 600_000, dryRun: true, user: 'alice' });
    expect(api.calls).toEqual([
      { replicas: 8, reason: GOOD.reason, holdSeconds: 600, user: 'alice', dryRun: true },
    ]);
    expect(api.workers).toBe(4);
  });

  it.each([
    ['no Authorization header', null, 'unauthenticated'],
    ['a Basic header', 'Basic YWxpY2U6c2VjcmV0', 'unauthenticated'],
    ['an empty bearer token', '', 'unauthenticated'],
    ['a token the TokenReview does not accept', 'Bearer not-a-token', 'invalid-token'],
  ])('refuses %s with 401', async (_what, authorization, reason) => {
    const { api, scale, lastLog } = await setUp();
    const result = await scale(GOOD, {
      token: null,
      headers: authorization === null ? {} : { authorization },
    });
    expectError(result, 401, reason);
    expect(result.response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(api.calls).toEqual([]);
    const log = await lastLog();
    expect(log).toMatchObject({ status: 401, reason, level: 'warn' });
    expect(JSON.stringify(log)).not.toContain('not-a-token');
  });

  it('refuses with 403 a user the SubjectAccessReview denies, naming the user and the permission', async () => {
    const { api, scale, lastLog } = await setUp();
    const result = await scale(GOOD, { token: BOB.token });
    const message = expectError(result, 403, 'forbidden');
    expect(message).toContain('"bob"');
    expect(message).toContain('update on flinkdeployments/scale');
    expect(message).toContain('flink.apache.org');
    expect(api.calls).toEqual([]);
    expect(await lastLog()).toMatchObject({ status: 403, user: 'bob', reason: 'forbidden' });
  });

  it.each<[string, string | undefined, RegExp]>([
    ['not JSON', 'scale to six please', /not JSON/],
    ['truncated JSON', '{"replicas": 6,', /not JSON/],
    ['an empty body', '', /no body/],
  ])('refuses a body that is %s with 400', async (_what, raw, pattern) => {
    const { api, scale } = await setUp();
    const result = await scale(raw);
    const message = expectError(result, 400, raw === '' ? 'invalid-body' : 'not-json');
    expect(message).toMatch(pattern);
    expect(api.calls).toEqual([]);
  });

  it.each<[string, unknown, RegExp]>([
    ['missing replicas', { reason: 'x' }, /replicas is required/],
    ['negative replicas', { replicas: -1, reason: 'x' }, /replicas must be a whole number ≥ 0.*not -1/],
    ['fractional replicas', { replicas: 2.5, reason: 'x' }, /replicas must be a whole number.*not 2\.5/],
    ['replicas as a string', { replicas: '6', reason: 'x' }, /replicas must be a whole number.*"6"/],
    ['replicas null', { replicas: null, reason: 'x' }, /replicas must be.*null/],
    ['missing reason', { replicas: 6 }, /reason is required/],
    ['an empty reason', { replicas: 6, reason: '' }, /reason must be a non-empty string/],
    ['a blank reason', { replicas: 6, reason: '   ' }, /reason must be a non-empty string/],
    ['a reason of 513 characters', { replicas: 6, reason: 'x'.repeat(513) }, /reason must be.*512/],
    ['a negative hold', { ...GOOD, holdSeconds: -1 }, /holdSeconds must be .* from 0 to 3600/],
    ['a hold beyond the longest', { ...GOOD, holdSeconds: 3601 }, /holdSeconds must be .* from 0 to 3600/],
    ['dryRun as a string', { ...GOOD, dryRun: 'yes' }, /dryRun must be true or false/],
    ['an unknown field', { ...GOOD, force: true }, /unknown field "force"/],
    ['an array', [GOOD], /must be a JSON object/],
    ['a number', 6, /must be a JSON object/],
  ])('refuses a body with %s with 400 naming the field', async (_what, body, pattern) => {
    const { api, scale, lastLog } = await setUp();
    const result = await scale(body);
    expect(expectError(result, 400, 'invalid-body')).toMatch(pattern);
    expect(api.calls).toEqual([]);
    // The caller was checked before the body: the log names them.
    expect(await lastLog()).toMatchObject({ status: 400, user: 'alice', reason: 'invalid-body' });
  });

  it('refuses a body over 16 KiB with 413', async () => {
    const { api, scale } = await setUp();
    const result = await scale({ ...GOOD, padding: 'x'.repeat(17 * 1024) });
    expect(expectError(result, 413, 'body-too-large')).toMatch(/16 KiB/);
    // Without a token the caller is refused before the body is read.
    expectError(
      await scale({ ...GOOD, padding: 'x'.repeat(17 * 1024) }, { token: null }),
      401,
      'unauthenticated',
    );
    expect(api.calls).toEqual([]);
  });

  it('takes a body of almost 16 KiB (and then names the unknown field)', async () => {
    const { scale } = await setUp();
    const result = await scale({ ...GOOD, padding: 'x'.repeat(15 * 1024) });
    expect(expectError(result, 400, 'invalid-body')).toMatch(/unknown field "padding"/);
  });

  it.each([0, 21, 1000])('refuses %i replicas, outside the bounds 1..20, with 422', async (replicas) => {
    const { api, scale } = await setUp();
    const message = expectError(await scale({ ...GOOD, replicas }), 422, 'out-of-bounds');
    expect(message).toMatch(/from 1 to 20/);
    expect(api.calls).toEqual([]);
  });

  it('allows so many manual scales per minute, then 429 with Retry-After, until the minute has passed', async () => {
    const { api, scale, advance, url } = await setUp({ rateLimit: { perMinute: 2 } });
    expect((await scale({ ...GOOD, replicas: 5 })).response.status).toBe(200);
    advance(10_000);
    expect((await scale({ ...GOOD, replicas: 6 })).response.status).toBe(200);
    advance(10_000);
    const third = await scale({ ...GOOD, replicas: 7 });
    expect(expectError(third, 429, 'rate-limited')).toMatch(/at most 2 manual scales per minute/);
    expect(third.response.headers.get('retry-after')).toBe('40');
    // A dry run answers as the real scale would.
    const dry = await scale({ ...GOOD, replicas: 7, dryRun: true });
    expectError(dry, 429, 'rate-limited');
    expect(api.calls.map((c) => c.replicas)).toEqual([5, 6]);

    advance(40_000); // the first scale leaves the window
    expect((await scale({ ...GOOD, replicas: 7 })).response.status).toBe(200);
    expect(api.calls.map((c) => c.replicas)).toEqual([5, 6, 7]);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/flink_autoscaler_manual_scale_requests_total\{outcome="rate-limited"[^}]*\} 2/);
  });

  it('does not count refused scales or dry runs against the rate limit', async () => {
    const { api, scale } = await setUp({ rateLimit: { perMinute: 1 } });
    expect((await scale({ ...GOOD, dryRun: true })).response.status).toBe(200);
    api.refusal = new ScaleRefused(409, 'a rescale is in progress');
    expectError(await scale(GOOD), 409, 'conflict');
    api.refusal = undefined;
    expect((await scale(GOOD)).response.status).toBe(200);
    expectError(await scale(GOOD), 429, 'rate-limited');
    expect(api.calls).toHaveLength(3);
  });

  it.each<[ScaleRefused, string]>([
    [new ScaleRefused(409, 'a rescale is in progress: wait until the job runs again'), 'conflict'],
    [new ScaleRefused(409, 'the replica count is 9, no longer 4: someone else scaled'), 'conflict'],
    [new ScaleRefused(503, 'the FlinkDeployment has not been read yet'), 'unavailable'],
  ])('passes ScaleRefused through with its status and message: %s', async (refusal, reason) => {
    const { api, scale } = await setUp();
    api.refusal = refusal;
    const result = await scale(GOOD);
    expect(expectError(result, refusal.status, reason)).toBe(refusal.message);
    // The control loop refused it: it was asked once, and changed nothing.
    expect(api.calls).toHaveLength(1);
    expect(api.workers).toBe(4);
  });

  it('answers 500 with a JSON error, without the detail, when manualScale fails otherwise', async () => {
    const { api, scale, lastLog } = await setUp();
    api.refusal = new TypeError('cannot read properties of undefined (secret internals)');
    const message = expectError(await scale(GOOD), 500, 'internal');
    expect(message).not.toContain('secret internals');
    expect(await lastLog()).toMatchObject({
      level: 'error',
      detail: expect.stringContaining('secret internals'),
    });
  });

  describe('refuses with 503, and never scales, when the reviews cannot be made', () => {
    it('TokenReview answered with 500', async () => {
      const { api, scale } = await setUp();
      kube.setFault({ kind: 'internalError', times: Infinity, match: { resource: 'tokenreviews' } });
      const message = expectError(await scale(GOOD), 503, 'authorization-unavailable');
      expect(message).toMatch(/TokenReview.*HTTP 500.*nothing was changed/);
      expect(api.calls).toEqual([]);
    });

    it('SubjectAccessReview answered with 500', async () => {
      const { api, scale } = await setUp();
      kube.setFault({ kind: 'internalError', times: Infinity, match: { resource: 'subjectaccessreviews' } });
      const message = expectError(await scale(GOOD), 503, 'authorization-unavailable');
      expect(message).toMatch(/SubjectAccessReview/);
      expect(api.calls).toEqual([]);
    });

    it('the Kubernetes API throttling the reviews', async () => {
      const { api, scale } = await setUp();
      kube.setFault({ kind: 'tooManyRequests', times: Infinity, match: { resource: 'tokenreviews' } });
      expect(expectError(await scale(GOOD), 503, 'authorization-unavailable')).toMatch(/throttling/);
      expect(api.calls).toEqual([]);
    });

    it('the Kubernetes API unreachable (a closed port)', async () => {
      const port = await closedPort();
      const connection = new KubeConnection({ server: `http://127.0.0.1:${port}`, token: SIDECAR.token });
      const { api, scale, lastLog } = await setUp({
        kube: new KubeClient(connection, { namespace: NS, name: NAME }),
      });
      const message = expectError(await scale(GOOD), 503, 'authorization-unavailable');
      expect(message).toMatch(/unreachable or failing/);
      expect(api.calls).toEqual([]);
      // The client's own words go to the log, for whoever runs the sidecar.
      expect(await lastLog()).toMatchObject({ status: 503, detail: expect.stringContaining('TokenReview') });
    });

    it('the sidecar’s own service account not allowed to create reviews', async () => {
      const { api, scale } = await setUp({ kube: await kubeClient(BOB.token) });
      const message = expectError(await scale(GOOD), 503, 'authorization-unavailable');
      expect(message).toMatch(/system:auth-delegator/);
      expect(api.calls).toEqual([]);
    });

    it('no answer in time', async () => {
      const { api, scale } = await setUp({ reviewTimeoutMs: 150 });
      kube.setFault({ kind: 'delay', ms: 1000, times: Infinity, match: { resource: 'tokenreviews' } });
      expect(expectError(await scale(GOOD), 503, 'authorization-unavailable')).toMatch(/in time/);
      expect(api.calls).toEqual([]);
    });
  });

  it('answers 405 to other methods on the scale path', async () => {
    const { api, url } = await setUp();
    const response = await fetch(`${url}/api/v1/scale`, {
      headers: { authorization: `Bearer ${ALICE.token}` },
    });
    const json = (await response.json()) as Record<string, unknown>;
    expectError({ response, json }, 405, 'method-not-allowed');
    expect(response.headers.get('allow')).toBe('POST');
    expect(api.calls).toEqual([]);
  });
});

describe('the read-only endpoints', () => {
  it('serves Prometheus text at /metrics, with API errors counted', async () => {
    const { url, scale } = await setUp();
    await scale(GOOD, { token: null });
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toMatch(/flink_autoscaler_errors_total\{stage="api"[^}]*\} 1/);
    expect(text).toMatch(/flink_autoscaler_manual_scale_requests_total\{outcome="unauthenticated"[^}]*\} 1/);
  });

  it('answers /healthz while it serves', async () => {
    const { url, lastLog } = await setUp();
    const response = await fetch(`${url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(await lastLog()).toMatchObject({ path: '/healthz', status: 200, level: 'debug' });
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
    expect(text).not.toMatch(/flink_autoscaler_errors_total\{stage="api"/);
  });

  it('serves the status JSON at /api/v1/status', async () => {
    const { url } = await setUp();
    const response = await fetch(`${url}/api/v1/status`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ namespace: NS, name: NAME, workers: 4, mode: 'active' });
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
