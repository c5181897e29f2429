/**
 * The list+watch loop against a scripted connection: which version each watch starts from, when it lists
 * again, how its backoff grows (and is not reset by a list that leads nowhere), the options it gives each
 * watch (bookmarks, server timeout, idle timeout), and that it stops.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { KubeError } from '../src/kube/api-error.js';
import { KubeConnection, type KubeRequest, type WatchEvent } from '../src/kube/connection.js';
import type { FlinkDeployment } from '../src/kube/deployment.js';
import { keepWatching, type WatchHandle, type WatchOptions } from '../src/loop/watch.js';
import { closeServer, serve } from './loopback-server.js';

type WatchScript = (emit: (event: WatchEvent) => void, signal: AbortSignal) => Promise<void> | void;

interface Call {
  kind: 'list' | 'watch';
  at: number;
  query: KubeRequest['query'];
  options?: { idleTimeoutMs?: number };
}

/** A connection that answers lists with `list()` and plays `watches` in turn (then watches that hang). */
function scripted(list: () => { rv: string; items: FlinkDeployment[] } | Error, watches: WatchScript[]) {
  const calls: Call[] = [];
  const t0 = Date.now();
  const connection: Pick<KubeConnection, 'json' | 'watch'> = {
    json: (async (request: KubeRequest) => {
      calls.push({ kind: 'list', at: Date.now() - t0, query: request.query });
      const answer = list();
      if (answer instanceof Error) throw answer;
      return { metadata: { resourceVersion: answer.rv }, items: answer.items };
    }) as KubeConnection['json'],
    watch: async (request, onEvent, signal, options) => {
      calls.push({
        kind: 'watch',
        at: Date.now() - t0,
        query: request.query,
        ...(options ? { options } : {}),
      });
      options?.onOpen?.();
      const script =
        watches.shift() ??
        ((_emit, s) => new Promise<void>((resolve) => s.addEventListener('abort', () => resolve())));
      await script(onEvent, signal);
    },
  };
  return { connection, calls };
}

const fd = (rv: string, replicas = 1): FlinkDeployment =>
  ({
    apiVersion: 'flink.apache.org/v1beta1',
    kind: 'FlinkDeployment',
    metadata: { name: 'job', namespace: 'ns', resourceVersion: rv },
    spec: { taskManager: { replicas } },
  }) as unknown as FlinkDeployment;

let handle: WatchHandle | undefined;
afterEach(async () => {
  await handle?.stop();
  handle = undefined;
  await closeServer();
});

function run(connection: WatchOptions['connection'], options: Partial<WatchOptions> = {}) {
  const seen: FlinkDeployment[] = [];
  let gone = 0;
  handle = keepWatching({
    connection,
    target: { namespace: 'ns', name: 'job' },
    onDeployment: (d) => seen.push(d),
    onGone: () => (gone += 1),
    log: () => undefined,
    firstBackoffMs: 10,
    random: () => 0.5,
    ...options,
  });
  return { seen, gone: () => gone };
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${what} did not happen`);
}

const expired = () => new KubeError('expired', 'watch: HTTP 410: too old resource version', 410);
const failed = () => new KubeError('server-error', 'watch: HTTP 500', 500);

describe('keepWatching', () => {
  it('watches from the list’s version, then from the last event or bookmark seen; lists only on 410', async () => {
    const { connection, calls } = scripted(
      () => ({ rv: '100', items: [fd('7')] }),
      [
        (emit) => {
          emit({ type: 'MODIFIED', object: fd('101', 2) });
          emit({
            type: 'BOOKMARK',
            object: { kind: 'FlinkDeployment', metadata: { resourceVersion: '150' } },
          });
        }, // ends cleanly after delivering
        () => {
          throw failed();
        },
        () => {
          throw expired();
        },
      ],
    );
    const { seen } = run(connection);
    await until(() => calls.filter((c) => c.kind === 'watch').length === 4, 'four watches');
    expect(calls.map((c) => [c.kind, c.query?.resourceVersion])).toEqual([
      ['list', undefined],
      ['watch', '100'],
      ['watch', '150'], // after a clean end: from the bookmark
      ['watch', '150'], // after a 500: the same version, no list
      ['list', undefined], // after the 410
      ['watch', '100'],
    ]);
    expect(seen.map((d) => d.metadata.resourceVersion)).toEqual(['7', '101', '7']);
    const watch = calls[1]?.query ?? {};
    expect(watch).toMatchObject({
      watch: true,
      fieldSelector: 'metadata.name=job',
      allowWatchBookmarks: true,
    });
    expect(calls[0]?.query).toEqual({ fieldSelector: 'metadata.name=job' });
  });

  it('backs off exponentially with full jitter; a list that succeeds does not reset it', async () => {
    // every watch expires at once: list, watch, list, watch, … with growing pauses
    const { connection, calls } = scripted(
      () => ({ rv: '100', items: [fd('7')] }),
      Array.from({ length: 20 }, () => () => {
        throw expired();
      }),
    );
    run(connection, { firstBackoffMs: 20, maxBackoffMs: 10_000, random: () => 0.999 });
    await new Promise((r) => setTimeout(r, 700));
    const lists = calls.filter((c) => c.kind === 'list');
    // 20, 40, 80, 160, 320 ms: about 5 relists in 700 ms (a reset backoff would give 30)
    expect(lists.length).toBeGreaterThanOrEqual(4);
    expect(lists.length).toBeLessThanOrEqual(6);
    const gaps = lists.slice(1).map((c, i) => c.at - (lists[i]?.at ?? 0));
    // timers never fire early: each pause is at least its nominal 20 ms × 2^i × 0.999
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(20 * 2 ** i * 0.999 - 2));
  });

  it('resets the backoff after a watch that delivered something', async () => {
    const script: WatchScript[] = [];
    for (let i = 0; i < 4; i++)
      script.push(() => {
        throw failed();
      });
    script.push((emit) => {
      emit({ type: 'MODIFIED', object: fd('200') });
      throw failed();
    });
    script.push(() => {
      throw failed();
    });
    const { connection, calls } = scripted(() => ({ rv: '100', items: [fd('7')] }), script);
    run(connection, { firstBackoffMs: 50, random: () => 0.999 });
    await until(() => calls.filter((c) => c.kind === 'watch').length === 7, 'seven watches');
    const watches = calls.filter((c) => c.kind === 'watch');
    const gaps = watches.slice(1).map((c, i) => c.at - (watches[i]?.at ?? 0));
    // 50, 100, 200, 400 ms, then (the fifth delivered) 50 again, 100 (timers never fire early; late by load)
    expect(gaps[3]).toBeGreaterThanOrEqual(395);
    expect(gaps[4]).toBeLessThan(200);
    expect(gaps[5]).toBeGreaterThanOrEqual(98);
    expect(gaps[5]).toBeLessThan(300);
  });

  it('asks each watch for a server timeout in [300, 600) s and passes the idle timeout', async () => {
    for (const [random, expected] of [
      [0, 300],
      [0.9999, 599],
    ] as const) {
      const { connection, calls } = scripted(() => ({ rv: '1', items: [fd('1')] }), []);
      run(connection, { random: () => random });
      await until(() => calls.some((c) => c.kind === 'watch'), 'the watch');
      const watch = calls.find((c) => c.kind === 'watch');
      expect(watch?.query?.timeoutSeconds).toBe(expected);
      expect(watch?.options?.idleTimeoutMs).toBe(150_000);
      await handle?.stop();
    }
    const { connection, calls } = scripted(() => ({ rv: '1', items: [fd('1')] }), []);
    run(connection, { watchTimeoutSeconds: 42, idleTimeoutMs: 5000 });
    await until(() => calls.some((c) => c.kind === 'watch'), 'the watch');
    expect(calls[1]?.query?.timeoutSeconds).toBe(42);
    expect(calls[1]?.options?.idleTimeoutMs).toBe(5000);
  });

  it('a throttled watch waits as long as Retry-After asks, not just its backoff', async () => {
    const { connection, calls } = scripted(
      () => ({ rv: '5', items: [fd('5')] }),
      [
        () => {
          throw new KubeError('throttled', 'watch: HTTP 429', 429, { retryAfterSeconds: 0.3 });
        },
      ],
    );
    run(connection, { firstBackoffMs: 10 });
    await until(() => calls.filter((c) => c.kind === 'watch').length === 2, 'the second watch');
    const watches = calls.filter((c) => c.kind === 'watch');
    expect((watches[1]?.at ?? 0) - (watches[0]?.at ?? 0)).toBeGreaterThanOrEqual(295);
    expect(calls.filter((c) => c.kind === 'list')).toHaveLength(1);
  });

  it('a watch that times out idle is started again from the same version', async () => {
    const { connection, calls } = scripted(
      () => ({ rv: '5', items: [fd('5')] }),
      [
        () => {
          throw new KubeError('timeout', 'watch: nothing received for 150000 ms');
        },
      ],
    );
    run(connection);
    await until(() => calls.filter((c) => c.kind === 'watch').length === 2, 'the second watch');
    expect(calls.map((c) => c.kind)).toEqual(['list', 'watch', 'watch']);
    expect(calls[2]?.query?.resourceVersion).toBe('5');
  });

  it('calls onGone when the object is absent from the list or DELETED, and reports its status', async () => {
    let items: FlinkDeployment[] = [];
    const statuses: { watching: boolean; error?: string }[] = [];
    const { connection, calls } = scripted(
      () => ({ rv: '9', items }),
      [
        (emit) => {
          emit({ type: 'ADDED', object: fd('10') });
          emit({ type: 'DELETED', object: fd('11') });
          throw expired();
        },
      ],
    );
    const { seen, gone } = run(connection, { onStatus: (s) => statuses.push(s), firstBackoffMs: 400 });
    await until(() => gone() === 2, 'DELETED');
    items = [fd('12')];
    await until(() => seen.length === 2, 'the relist');
    expect(gone()).toBe(2);
    expect(calls.filter((c) => c.kind === 'list')).toHaveLength(2);
    expect(statuses[0]).toEqual({ watching: true });
    expect(statuses[1]).toMatchObject({ watching: false, error: expect.stringMatching(/410/) });
    expect(statuses[2]).toEqual({ watching: true });
  });

  it('stops at once, even while backing off', async () => {
    const { connection } = scripted(() => new KubeError('forbidden', 'list: HTTP 403', 403), []);
    run(connection, { firstBackoffMs: 60_000, random: () => 0.999 });
    await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    await handle?.stop();
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('over HTTP: a watch connection that goes silent without closing is replaced from the last version', async () => {
    const watches: (string | null)[] = [];
    const url = await serve((req, res) => {
      const query = new URL(req.url ?? '/', 'http://x').searchParams;
      res.setHeader('Content-Type', 'application/json');
      if (query.get('watch') !== 'true') {
        res.end(JSON.stringify({ metadata: { resourceVersion: '5' }, items: [fd('5')] }));
        return;
      }
      watches.push(query.get('resourceVersion'));
      res.writeHead(200);
      // one event, then nothing: no data, no FIN (a dropped NAT entry, a hung proxy)
      res.write(`${JSON.stringify({ type: 'MODIFIED', object: fd(String(5 + watches.length)) })}\n`);
    });
    const connection = new KubeConnection({ server: url });
    const { seen } = run(connection, { idleTimeoutMs: 200 });
    await until(() => watches.length >= 3, 'two restarted watches');
    expect(watches.slice(0, 3)).toEqual(['5', '6', '7']);
    expect(seen.map((d) => d.metadata.resourceVersion).slice(0, 3)).toEqual(['5', '6', '7']);
    await handle?.stop();
    connection.close();
  });
});
