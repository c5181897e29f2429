import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { GetFailure, getText } from '../src/flink/get-text.js';
import { FlinkError, FlinkHttp } from '../src/flink/http.js';
import { accepted, closeServer, serve } from './loopback-server.js';

afterEach(closeServer);

const limits = { timeoutMs: 1000, maxBytes: 1024 };

async function failureOf(promise: Promise<unknown>): Promise<GetFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GetFailure);
  return error as GetFailure;
}

describe('one GET to the JobManager', () => {
  it('gives the status and the text, asks for JSON, and reuses its connection', async () => {
    const accepts: (string | undefined)[] = [];
    const url = await serve((req, res) => {
      accepts.push(req.headers.accept);
      res.statusCode = req.url === '/missing' ? 404 : 200;
      res.end(req.url === '/missing' ? '{"errors":["Not found"]}' : '{"jobs":[]}');
    });
    const headers = { accept: 'application/json' };
    expect(await getText(new URL('/jobs/overview', url), { ...limits, headers })).toEqual({
      status: 200,
      text: '{"jobs":[]}',
    });
    expect(await getText(new URL('/missing', url), { ...limits, headers })).toEqual({
      status: 404,
      text: '{"errors":["Not found"]}',
    });
    expect(accepts).toEqual(['application/json', 'application/json']);
    expect(accepted.connections).toBe(1);
  });

  it('refuses an answer larger than the cap without keeping it', async () => {
    const url = await serve((_req, res) => res.end('x'.repeat(4096)));
    const failure = await failureOf(getText(new URL('/big', url), limits));
    expect(failure.kind).toBe('too-large');
    expect(failure.message).toBe('the answer is larger than 1024 bytes');
  });

  it('says the answer was cut off when the connection drops mid-body', async () => {
    const url = await serve((_req, res) => {
      res.setHeader('Content-Length', '100');
      res.write('{"jobs":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const failure = await failureOf(getText(new URL('/cut', url), limits));
    expect(failure.kind).toBe('timeout');
    expect(failure.message).toMatch(/cut off/);
  });

  it('gives up at the deadline, even while the answer trickles in', async () => {
    const url = await serve((_req, res) => {
      res.write('{');
      const drip = setInterval(() => res.write(' '), 20);
      res.on('close', () => clearInterval(drip));
    });
    const failure = await failureOf(getText(new URL('/slow', url), { ...limits, timeoutMs: 200 }));
    expect(failure.kind).toBe('timeout');
    expect(failure.message).toBe('no answer within 200 ms');
  });

  it('says nobody answered on a closed port, and refuses other schemes', async () => {
    const url = await serve((_req, res) => res.end());
    const closed = url;
    await closeServer();
    expect((await failureOf(getText(new URL('/', closed), limits))).kind).toBe('unreachable');
    const ftp = await failureOf(getText(new URL('ftp://127.0.0.1/'), limits));
    expect(ftp.kind).toBe('unreachable');
    expect(ftp.message).toMatch(/unsupported scheme ftp:/);
  });
});

describe('the Flink client over it', () => {
  it('turns an oversized answer into an unexpected-shape error, without retrying', async () => {
    let requests = 0;
    const url = await serve((_req, res) => {
      requests++;
      res.end(JSON.stringify({ jobs: 'x'.repeat(2048) }));
    });
    const client = new FlinkHttp({ baseUrl: url, maxBytes: 1024, attempts: 3, backoffMs: 1 });
    const error = await client.get('/jobs/overview', z.object({ jobs: z.string() })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlinkError);
    expect((error as FlinkError).failure).toBe('unexpected-shape');
    expect(requests).toBe(1);
  });

  it('retries a 503 and reads the JSON that follows', async () => {
    let requests = 0;
    const url = await serve((_req, res) => {
      requests++;
      res.statusCode = requests === 1 ? 503 : 200;
      res.end(requests === 1 ? 'busy' : '{"jobs":"ok"}');
    });
    const client = new FlinkHttp({ baseUrl: url, attempts: 3, backoffMs: 1 });
    expect(await client.get('/jobs/overview', z.object({ jobs: z.string() }))).toEqual({ jobs: 'ok' });
    expect(requests).toBe(2);
  });
});
