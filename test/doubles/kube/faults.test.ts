/**
 * The fault catalogue beyond 409/500/delay: answers lost after the write committed (reset or 504), connections
 * reset before anything is done, connections that go silent without closing (requests and watches), and 429
 * as API Priority and Fairness sends it; each can be aimed at watches (verb `watch`).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openWatch, request, type Answer, startAdminDouble } from './test-client.js';
import { flinkDeployment, type KubeDouble } from './index.js';

const ns = 'jobs';
const fd = (name = '', sub = '') =>
  `/apis/flink.apache.org/v1beta1/namespaces/${ns}/flinkdeployments${name === '' ? '' : `/${name}`}${sub}`;

let double: KubeDouble;

beforeAll(async () => {
  double = await startAdminDouble(ns);
}, 60_000);

afterAll(async () => {
  await double?.close();
});

afterEach(() => double.clearFaults());

function seed(name: string, replicas = 2) {
  return double.flinkDeployments.put(flinkDeployment({ name, namespace: ns, replicas }));
}

const scale = (name: string, replicas: number): Promise<Answer> =>
  request(double.url, fd(name, '/scale'), {
    method: 'PATCH',
    contentType: 'application/merge-patch+json',
    body: { spec: { replicas } },
  });

/** What a failed fetch says happened underneath (ECONNRESET, "other side closed", ...). */
async function failureOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return `${(error as Error).name}: ${cause?.code ?? cause?.message ?? (error as Error).message}`;
  }
  throw new Error('the request did not fail');
}

describe('loseAnswer: carried out and committed, then no answer', () => {
  it('reset (default): the socket is destroyed after the write committed', async () => {
    seed('lose-reset');
    double.setFault({ kind: 'loseAnswer', match: { subresource: 'scale' } });
    expect(await failureOf(scale('lose-reset', 5))).toMatch(/^TypeError: /);
    expect(double.flinkDeployments.get(ns, 'lose-reset')?.spec.taskManager?.replicas).toBe(5);
    expect((await scale('lose-reset', 6)).status).toBe(200); // times: 1
  });

  it('gatewayTimeout: a 504 Timeout Status after the write committed', async () => {
    seed('lose-504');
    double.setFault({ kind: 'loseAnswer', how: 'gatewayTimeout', match: { verbs: ['patch'] } });
    const answer = await scale('lose-504', 7);
    expect(answer.status).toBe(504);
    expect(answer.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Timeout: request did not complete within requested timeout - context deadline exceeded',
      reason: 'Timeout',
      details: {},
      code: 504,
    });
    expect(double.flinkDeployments.get(ns, 'lose-504')?.spec.taskManager?.replicas).toBe(7);
  });

  it('on a watch: the watch is set up, then the connection is reset', async () => {
    double.setFault({ kind: 'loseAnswer', match: { verbs: ['watch'] } });
    expect(await failureOf(openWatch(`${double.url}${fd()}?watch=true`))).toMatch(/^TypeError: /);
    const record = double.requests().at(-1);
    expect(record).toMatchObject({ verb: 'watch', resource: 'flinkdeployments' });
  });
});

describe('reset: the connection is destroyed before anything is done', () => {
  it('nothing is written', async () => {
    const before = seed('reset', 2);
    double.setFault({ kind: 'reset', times: 2, match: { resource: 'flinkdeployments' } });
    expect(await failureOf(scale('reset', 9))).toMatch(/^TypeError: /);
    expect(await failureOf(request(double.url, fd('reset')))).toMatch(/^TypeError: /);
    expect(double.flinkDeployments.get(ns, 'reset')?.metadata.resourceVersion).toBe(
      before.metadata.resourceVersion,
    );
    expect((await request(double.url, fd('reset'))).status).toBe(200);
  });
});

describe('silence: open, never an answer, never closed', () => {
  it('a request gets nothing, is not carried out, and outlives a restart', async () => {
    const before = seed('silent', 2);
    double.setFault({ kind: 'silence', match: { subresource: 'scale' } });
    const controller = new AbortController();
    const pending = fetch(double.url + fd('silent', '/scale'), {
      method: 'PATCH',
      headers: { Authorization: 'Bearer admin-token', 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { replicas: 4 } }),
      signal: controller.signal,
    });
    let settled = false;
    void pending.then(
      () => (settled = true),
      () => (settled = true),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    double.restart();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    expect(double.flinkDeployments.get(ns, 'silent')?.metadata.resourceVersion).toBe(
      before.metadata.resourceVersion,
    );
    controller.abort();
    await expect(pending).rejects.toThrow();
  });

  it('a watch sends its headers and afterEvents lines, then nothing: not even its end at timeoutSeconds', async () => {
    seed('silent-watch');
    double.setFault({ kind: 'silence', afterEvents: 1, match: { verbs: ['watch'] } });
    const stream = await openWatch<{ type: string }>(
      `${double.url}${fd()}?watch=true&timeoutSeconds=1&fieldSelector=metadata.name%3Dsilent-watch`,
    );
    expect(stream.response.status).toBe(200);
    await vi.waitFor(() => expect(stream.events).toHaveLength(1));
    await scale('silent-watch', 3);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(stream.events.map((e) => e.type)).toEqual(['ADDED']);
    expect(stream.ended()).toBe(false);
    stream.close();
  });
});

describe('every fault can aim at watches (verb watch)', () => {
  it('internalError, conflict and delay on a watch; a list is not a watch', async () => {
    double.setFault({ kind: 'internalError', match: { verbs: ['watch'] } });
    expect((await request(double.url, fd())).status).toBe(200); // a list: not matched
    expect((await request(double.url, `${fd()}?watch=true`)).status).toBe(500);
    double.setFault({ kind: 'conflict', match: { verbs: ['watch'] } });
    expect(
      (await request(double.url, `/apis/flink.apache.org/v1beta1/watch/namespaces/${ns}/flinkdeployments`))
        .status,
    ).toBe(409);
    double.setFault({ kind: 'delay', ms: 300, match: { verbs: ['watch'] } });
    const started = Date.now();
    const stream = await openWatch(`${double.url}${fd()}?watch=1&timeoutSeconds=1`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(stream.response.status).toBe(200);
    stream.close();
  });
});

describe('tooManyRequests as API Priority and Fairness sends it', () => {
  it('plain text with Retry-After (what APF writes), or a Status with Retry-After and details.retryAfterSeconds; watches too', async () => {
    double.setFault({ kind: 'tooManyRequests', retryAfterSeconds: 3, match: { verbs: ['watch'] } });
    const watch = await request(double.url, `${fd()}?watch=1`);
    expect(watch.status).toBe(429);
    expect(watch.headers.get('retry-after')).toBe('3');
    expect(watch.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(watch.text).toBe('Too many requests, please try again later.\n');

    double.setFault({ kind: 'tooManyRequests', body: 'status', retryAfterSeconds: 2 });
    const status = await request(double.url, fd());
    expect(status.status).toBe(429);
    expect(status.headers.get('retry-after')).toBe('2');
    expect(status.body).toMatchObject({
      reason: 'TooManyRequests',
      code: 429,
      details: { retryAfterSeconds: 2 },
    });
  });
});
