/**
 * The connection's retry discipline and error classification against a loopback server: what is retried
 * (429 honouring Retry-After; GETs on 5xx, resets, refused connections and timeouts; writes only when
 * nothing was sent), with capped exponential backoff and full jitter inside a total deadline; what each
 * failure is called, and whether a write may have happened.
 */
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeError } from '../src/kube/api-error.js';
import { KubeConnection, type KubeConnectionSettings } from '../src/kube/connection.js';
import { closeServer, serve } from './loopback-server.js';

afterEach(closeServer);

const get = { method: 'GET' as const, path: '/api/v1/x', what: 'get x' };
const patch = {
  method: 'PATCH' as const,
  path: '/api/v1/x',
  body: { a: 1 },
  contentType: 'application/merge-patch+json',
  what: 'patch x',
};

/** A connection whose sleeps are recorded (and take no time) and whose jitter is `random`. */
function connect(url: string, settings: Partial<KubeConnectionSettings> = {}) {
  const slept: number[] = [];
  const connection = new KubeConnection({
    server: url,
    random: () => 0.5,
    sleep: async (ms) => {
      slept.push(ms);
    },
    ...settings,
  });
  return { connection, slept };
}

/** Answers the given statuses in turn (then 200 `{"ok":true}`), counting requests. */
async function answers(...plan: { status: number; headers?: Record<string, string>; body?: string }[]) {
  const seen = { requests: 0 };
  const url = await serve((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.requests += 1;
      const next = plan.shift() ?? { status: 200, body: '{"ok":true}' };
      res.writeHead(next.status, { 'Content-Type': 'application/json', ...next.headers });
      res.end(next.body ?? '{"kind":"Status","message":"no"}');
    });
  });
  return { url, seen };
}

async function failureOf(promise: Promise<unknown>): Promise<KubeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof KubeError)) throw new Error(`expected a KubeError, got ${String(error)}`);
  return error;
}

/** A loopback port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  return port;
}

describe('what a failure is called', () => {
  it.each([
    [410, 'expired'],
    [409, 'conflict'],
    [404, 'not-found'],
    [403, 'forbidden'],
    [400, 'invalid'],
    [422, 'invalid'],
    [415, 'invalid'],
  ] as const)('HTTP %i is %s, not "unreachable", and is not retried', async (status, failure) => {
    const { url, seen } = await answers({ status });
    const { connection, slept } = connect(url);
    const error = await failureOf(connection.json(get));
    expect(error).toMatchObject({ failure, status, mayHaveHappened: false });
    expect(seen.requests).toBe(1);
    expect(slept).toEqual([]);
    connection.close();
  });

  it('a 5xx to a write is a server error that may have happened; the write is not repeated', async () => {
    const { url, seen } = await answers({ status: 504 });
    const { connection } = connect(url);
    const error = await failureOf(connection.json(patch));
    expect(error).toMatchObject({ failure: 'server-error', status: 504, mayHaveHappened: true });
    expect(seen.requests).toBe(1);
    connection.close();
  });

  it('a write whose connection is reset after it was sent is a timeout that may have happened', async () => {
    let requests = 0;
    const url = await serve((req) => {
      requests += 1;
      req.resume();
      req.on('end', () => req.socket.destroy());
    });
    const { connection } = connect(url);
    const error = await failureOf(connection.json(patch));
    expect(error).toMatchObject({ failure: 'timeout', mayHaveHappened: true });
    expect(requests).toBe(1);
    connection.close();
  });

  it('a 2xx answer that is not JSON is a server error, not "unavailable"', async () => {
    const { url } = await answers({ status: 200, body: '<html>proxy</html>' });
    const { connection } = connect(url, { retry: { attempts: 1, maxBackoffMs: 1000, deadlineMs: 10_000 } });
    const error = await failureOf(connection.json(get));
    expect(error).toMatchObject({
      failure: 'server-error',
      message: 'get x: the answer is not JSON (HTTP 200)',
    });
    connection.close();
  });
});

describe('what is retried', () => {
  it('any request on 429, after the Retry-After the server asks for', async () => {
    const { url, seen } = await answers({ status: 429, headers: { 'Retry-After': '2' } });
    const { connection, slept } = connect(url);
    expect(await connection.json(patch)).toEqual({ ok: true });
    expect(seen.requests).toBe(2);
    expect(slept).toEqual([2000]);
    connection.close();
  });

  it('a Retry-After from a Status body, capped at 30 s', async () => {
    const status = JSON.stringify({ kind: 'Status', code: 429, details: { retryAfterSeconds: 3600 } });
    const { url } = await answers({ status: 429, body: status });
    const { connection, slept } = connect(url, {
      retry: { attempts: 3, maxBackoffMs: 5000, deadlineMs: 120_000 },
    });
    expect(await connection.json(get)).toEqual({ ok: true });
    expect(slept).toEqual([30_000]);
    connection.close();
  });

  it('a 429 with no attempts left carries retryAfterSeconds', async () => {
    const { url } = await answers({ status: 429, headers: { 'Retry-After': '7' } });
    const { connection } = connect(url, { retry: { attempts: 1, maxBackoffMs: 5000, deadlineMs: 60_000 } });
    const error = await failureOf(connection.json(get));
    expect(error).toMatchObject({ failure: 'throttled', retryAfterSeconds: 7, mayHaveHappened: false });
    connection.close();
  });

  it('a GET on 5xx, with exponential backoff and full jitter, up to the attempts', async () => {
    const { url, seen } = await answers({ status: 500 }, { status: 503 }, { status: 502 }, { status: 500 });
    const { connection, slept } = connect(url, {
      retry: { attempts: 4, maxBackoffMs: 100_000, deadlineMs: 100_000 },
      random: () => 0.5,
    });
    const error = await failureOf(connection.json(get));
    expect(error).toMatchObject({ failure: 'server-error', status: 500, mayHaveHappened: false });
    expect(seen.requests).toBe(4);
    // base 200 ms doubling, half of each with random() = 0.5
    expect(slept).toEqual([100, 200, 400]);
    connection.close();
  });

  it('backoff is capped', async () => {
    const { url } = await answers({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
    const { connection, slept } = connect(url, {
      retry: { attempts: 5, maxBackoffMs: 300, deadlineMs: 100_000 },
      random: () => 0.999,
    });
    expect(await connection.json(get)).toEqual({ ok: true });
    expect(slept.map(Math.round)).toEqual([200, 300, 300, 300]);
    connection.close();
  });

  it('gives up when the next wait would pass the total deadline', async () => {
    const { url, seen } = await answers(
      { status: 429, headers: { 'Retry-After': '20' } },
      { status: 429, headers: { 'Retry-After': '20' } },
    );
    let now = 0;
    const slept: number[] = [];
    const connection = new KubeConnection({
      server: url,
      retry: { attempts: 10, maxBackoffMs: 5000, deadlineMs: 30_000 },
      clock: () => now,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
    });
    const error = await failureOf(connection.json(get));
    expect(error).toMatchObject({ failure: 'throttled', retryAfterSeconds: 20 });
    expect(seen.requests).toBe(2);
    expect(slept).toEqual([20_000]);
    connection.close();
  });

  it('a GET whose connection is reset', async () => {
    let requests = 0;
    const url = await serve((req, res) => {
      requests += 1;
      if (requests === 1) req.socket.destroy();
      else res.end('{"ok":true}');
    });
    const { connection } = connect(url);
    expect(await connection.json(get)).toEqual({ ok: true });
    expect(requests).toBe(2);
    connection.close();
  });

  it('a GET that got no answer in time', async () => {
    let requests = 0;
    const url = await serve((_req, res) => {
      requests += 1;
      if (requests > 1) res.end('{"ok":true}');
    });
    const { connection } = connect(url, { timeoutMs: 100 });
    expect(await connection.json(get)).toEqual({ ok: true });
    expect(requests).toBe(2);
    connection.close();
  });

  it('a write whose connection was refused (nothing sent), until the API server is there', async () => {
    const port = await freePort();
    let requests = 0;
    const late = createServer((req, res) => {
      requests += 1;
      req.resume();
      res.end('{"ok":true}');
    });
    const slept: number[] = [];
    const connection = new KubeConnection({
      server: `http://127.0.0.1:${port}`,
      random: () => 0.5,
      sleep: async (ms) => {
        slept.push(ms);
        // the API server comes up while the client waits for its second retry
        if (slept.length === 2) await new Promise<void>((r) => late.listen(port, '127.0.0.1', r));
      },
    });
    try {
      expect(await connection.json(patch)).toEqual({ ok: true });
      expect(requests).toBe(1);
      expect(slept).toEqual([100, 200]);
    } finally {
      connection.close();
      late.closeAllConnections();
      await new Promise((r) => late.close(r));
    }
  });

  it('a refused write is retried: the failure says unreachable and nothing happened', async () => {
    const port = await freePort();
    let attempts = 0;
    const connection = new KubeConnection({
      server: `http://127.0.0.1:${port}`,
      retry: { attempts: 3, maxBackoffMs: 1000, deadlineMs: 60_000 },
      sleep: async () => {
        attempts += 1;
      },
    });
    const error = await failureOf(connection.json(patch));
    expect(error).toMatchObject({ failure: 'unreachable', mayHaveHappened: false });
    expect(attempts).toBe(2);
    connection.close();
  });

  it('on a 401, re-reads the token file once before failing (the token rotated)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'token-')), 'token');
    writeFileSync(file, 'old\n');
    const tokens: (string | undefined)[] = [];
    const url = await serve((req, res) => {
      tokens.push(req.headers.authorization);
      if (req.headers.authorization === 'Bearer new') res.end('{"ok":true}');
      else res.writeHead(401).end('{"kind":"Status","code":401,"message":"Unauthorized"}');
    });
    const { connection } = connect(url, { tokenFile: file });
    await failureOf(connection.json(get));
    writeFileSync(file, 'new\n');
    expect(await connection.json(get)).toEqual({ ok: true });
    expect(tokens).toEqual(['Bearer old', 'Bearer old', 'Bearer new']);
    connection.close();
  });
});
