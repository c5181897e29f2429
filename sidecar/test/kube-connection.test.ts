import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KubeError } from '../src/kube/api-error.js';
import { KubeConnection, type WatchEvent } from '../src/kube/connection.js';
import { closeServer, serve } from './loopback-server.js';

afterEach(async () => {
  await closeServer();
  vi.useRealTimers();
});

const get = { method: 'GET' as const, path: '/api/v1/x', what: 'get x' };

describe('the Kubernetes connection', () => {
  it('sends the bearer token, the query and a JSON body with its patch type', async () => {
    const seen: Record<string, unknown>[] = [];
    const url = await serve((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ url: req.url, auth: req.headers.authorization, type: req.headers['content-type'], body });
        res.setHeader('Content-Type', 'application/json').end('{"ok":true}');
      });
    });
    const connection = new KubeConnection({ server: url, token: 't0k' });
    const answer = await connection.json({
      method: 'PATCH',
      path: '/apis/g/v1/x',
      query: { fieldSelector: 'metadata.name=a b', dryRun: undefined },
      body: [{ op: 'test' }],
      contentType: 'application/json-patch+json',
      what: 'patch x',
    });
    expect(answer).toEqual({ ok: true });
    expect(seen).toEqual([
      {
        url: '/apis/g/v1/x?fieldSelector=metadata.name%3Da+b',
        auth: 'Bearer t0k',
        type: 'application/json-patch+json',
        body: '[{"op":"test"}]',
      },
    ]);
    connection.close();
  });

  it('turns an apiserver Status into a KubeError with its message, and garbage into a server error', async () => {
    let answer = { status: 409, body: '{"kind":"Status","message":"the object has been modified"}' };
    const url = await serve((_req, res) => res.writeHead(answer.status).end(answer.body));
    const connection = new KubeConnection({ server: url, retry: { attempts: 1 } });
    await expect(connection.json(get)).rejects.toMatchObject({
      failure: 'conflict',
      status: 409,
      message: 'get x: HTTP 409: the object has been modified',
    });
    answer = { status: 200, body: '<html>proxy</html>' };
    await expect(connection.json(get)).rejects.toMatchObject({
      failure: 'server-error',
      message: 'get x: the answer is not JSON (HTTP 200)',
    });
    answer = { status: 502, body: 'bad gateway' };
    await expect(connection.json(get)).rejects.toMatchObject({ failure: 'server-error', status: 502 });
    connection.close();
  });

  it('gives up on a server that does not answer in time', async () => {
    const url = await serve(() => undefined);
    const connection = new KubeConnection({ server: url, timeoutMs: 100, retry: { attempts: 1 } });
    await expect(connection.json(get)).rejects.toThrow(/get x: no answer within 100 ms/);
    await expect(connection.json(get)).rejects.toMatchObject({ failure: 'timeout', mayHaveHappened: false });
    connection.close();
  });

  it('re-reads a token file after a minute, as rotated service account tokens need', async () => {
    const tokens: (string | undefined)[] = [];
    const url = await serve((req, res) => {
      tokens.push(req.headers.authorization);
      res.end('{}');
    });
    const file = join(mkdtempSync(join(tmpdir(), 'token-')), 'token');
    writeFileSync(file, 'first\n');
    vi.useFakeTimers({ toFake: ['Date'] });
    const connection = new KubeConnection({ server: url, tokenFile: file });
    await connection.json(get);
    writeFileSync(file, 'second\n');
    await connection.json(get);
    vi.advanceTimersByTime(61_000);
    await connection.json(get);
    expect(tokens).toEqual(['Bearer first', 'Bearer first', 'Bearer second']);
    connection.close();
  });

  it('streams watch events line by line, even split across chunks, and ends on an ERROR event', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"type":"ADDED","object":{"n":1}}\n{"type":"MODI');
      setTimeout(() => {
        res.write('FIED","object":{"n":2}}\n');
        res.end(
          '{"type":"ERROR","object":{"kind":"Status","code":410,"message":"too old resource version"}}\n',
        );
      }, 20);
    });
    const connection = new KubeConnection({ server: url });
    const events: WatchEvent[] = [];
    const error = await connection
      .watch({ ...get, query: { watch: true } }, (e) => events.push(e), new AbortController().signal)
      .catch((e: unknown) => e);
    expect(events).toEqual([
      { type: 'ADDED', object: { n: 1 } },
      { type: 'MODIFIED', object: { n: 2 } },
    ]);
    expect(error).toBeInstanceOf(KubeError);
    expect((error as KubeError).message).toMatch(/HTTP 410: too old resource version/);
    expect((error as KubeError).failure).toBe('expired');
    connection.close();
  });

  it('decodes a multi-byte character split between chunks (a large object arrives byte by byte)', async () => {
    const object = { name: 'поток-流处理-𝄞', note: 'Ключ'.repeat(20) };
    const wire = Buffer.from(`${JSON.stringify({ type: 'ADDED', object })}\n`);
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      let at = 0;
      const next = (): void => {
        if (at >= wire.length) {
          res.end();
          return;
        }
        res.write(wire.subarray(at, at + 1));
        at += 1;
        setImmediate(next);
      };
      next();
    });
    const connection = new KubeConnection({ server: url });
    const events: WatchEvent[] = [];
    await connection.watch(get, (e) => events.push(e), new AbortController().signal);
    expect(events).toEqual([{ type: 'ADDED', object }]);
    connection.close();
  });

  it('abandons a watch that has gone silent without closing (no FIN), as a timeout', async () => {
    const url = await serve((_req, res) => res.writeHead(200).write('{"type":"ADDED","object":{}}\n'));
    const connection = new KubeConnection({ server: url });
    const events: WatchEvent[] = [];
    let opened = 0;
    const started = Date.now();
    const error = await connection
      .watch(get, (e) => events.push(e), new AbortController().signal, {
        idleTimeoutMs: 200,
        onOpen: () => (opened += 1),
      })
      .catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(error).toMatchObject({ failure: 'timeout', message: 'get x: nothing received for 200 ms' });
    expect(events).toHaveLength(1);
    expect(opened).toBe(1);
    connection.close();
  });

  it('a watch the server refuses is classified like any answer (403, 410)', async () => {
    let status = 403;
    const url = await serve((_req, res) => res.writeHead(status).end('{"kind":"Status","message":"no"}'));
    const connection = new KubeConnection({ server: url });
    const signal = new AbortController().signal;
    await expect(connection.watch(get, () => undefined, signal)).rejects.toMatchObject({
      failure: 'forbidden',
    });
    status = 410;
    await expect(connection.watch(get, () => undefined, signal)).rejects.toMatchObject({
      failure: 'expired',
    });
    connection.close();
  });

  it('ends a watch quietly when stopped', async () => {
    const url = await serve((_req, res) => res.writeHead(200).write('{"type":"ADDED","object":{}}\n'));
    const connection = new KubeConnection({ server: url });
    const controller = new AbortController();
    const events: WatchEvent[] = [];
    const done = connection.watch(
      get,
      (e) => {
        events.push(e);
        controller.abort();
      },
      controller.signal,
    );
    await expect(done).resolves.toBeUndefined();
    expect(events).toHaveLength(1);
    connection.close();
  });

  it('refuses a server that is not an http(s) URL', () => {
    expect(() => new KubeConnection({ server: 'ftp://x' })).toThrow(/must be an http\(s\) URL/);
  });
});
