/**
 * Watches of FlinkDeployments with the official Python client (kubernetes.watch.Watch, and call_api for the
 * wire): initial events, resuming from a list's version, 410 from a compacted version and after an API server
 * restart, bookmarks, timeoutSeconds, boolean query values and the deprecated /watch/ paths, as kube-apiserver
 * documents them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeDouble } from '../doubles/kube/index.js';
import { apiServerRestart, fd, ns, startConformanceDouble, startupTimeoutMs } from './double.js';
import {
  pythonClientForTests,
  type Attempt,
  type PythonClient,
  type RawAnswer,
  type WatchEvent,
  type WatchOutcome,
} from './python-client.js';

let double: KubeDouble;
let py: PythonClient;

beforeAll(async () => {
  double = await startConformanceDouble({ bookmarkIntervalMs: 100 });
  py = await pythonClientForTests(double.kubeconfig('conformance-admin'), ns);
}, startupTimeoutMs);

afterAll(async () => {
  await py?.close();
  await double?.close();
});

const tooOld = /^Expired: too old resource version: \d+ \(\d+\)$/;

/** The resourceVersion of a list of one object (what a client watches from). */
async function listVersion(name: string): Promise<string> {
  const attempt = await py.step<Attempt<{ metadata: { resourceVersion: string } }>>('flinkdeployments.list', {
    fieldSelector: `metadata.name=${name}`,
  });
  if (!attempt.ok) throw new Error(`list failed: ${attempt.status} ${JSON.stringify(attempt.body)}`);
  return attempt.value.metadata.resourceVersion;
}

function watch(name: string, args: Record<string, unknown>, onEvent?: (event: WatchEvent) => void) {
  return py.step<WatchOutcome>(
    'watch.flinkdeployments',
    { fieldSelector: `metadata.name=${name}`, timeoutSeconds: 5, ...args },
    { timeoutMs: 30_000, ...(onEvent ? { onProgress: (event) => onEvent(event as WatchEvent) } : {}) },
  );
}

function scaleTo(name: string, replicas: number): void {
  const current = double.flinkDeployments.get(ns, name);
  if (!current) throw new Error(`no FlinkDeployment ${name}`);
  double.flinkDeployments.put({
    ...current,
    spec: { ...current.spec, taskManager: { ...current.spec.taskManager, replicas } },
  });
}

describe('watch with kubernetes.watch.Watch', () => {
  it('without a resourceVersion: a synthetic ADDED for the current object first', async () => {
    const stored = double.flinkDeployments.put(fd('w-initial', 2));
    const outcome = await watch('w-initial', { stopAfter: 1 });
    expect(outcome.ended).toBe('stopped');
    expect(outcome.events.map((event) => event.type)).toEqual(['ADDED']);
    expect(outcome.events[0]?.object.metadata?.resourceVersion).toBe(stored.metadata.resourceVersion);
  });

  it('from a list’s resourceVersion: only the changes after it (MODIFIED), no synthetic ADDED', async () => {
    double.flinkDeployments.put(fd('w-resume', 2));
    const version = await listVersion('w-resume');
    scaleTo('w-resume', 3);
    const outcome = await watch('w-resume', { resourceVersion: version, stopAfter: 1 });
    expect(outcome.events.map((event) => event.type)).toEqual(['MODIFIED']);
    expect(outcome.events[0]?.object.spec?.taskManager?.replicas).toBe(3);
    expect(Number(outcome.events[0]?.object.metadata?.resourceVersion)).toBeGreaterThan(Number(version));
  });

  it('from a compacted resourceVersion: the client raises ApiException 410 "Expired: too old resource version"', async () => {
    double.flinkDeployments.put(fd('w-compacted', 2));
    const version = await listVersion('w-compacted');
    scaleTo('w-compacted', 3);
    double.compact();
    const outcome = await watch('w-compacted', { resourceVersion: version });
    expect(outcome.ended).toBe('error');
    expect(outcome.error?.status).toBe(410);
    expect(outcome.error?.reason).toMatch(tooOld);
    expect(outcome.events).toEqual([]);
  });

  it('timeoutSeconds ends the stream cleanly at the timeout; no BOOKMARK unless asked for', async () => {
    double.flinkDeployments.put(fd('w-timeout', 2));
    const version = await listVersion('w-timeout');
    const outcome = await watch('w-timeout', { resourceVersion: version, timeoutSeconds: 1 });
    expect(outcome.ended).toBe('stream-ended');
    expect(outcome.events).toEqual([]);
    expect(outcome.seconds).toBeGreaterThanOrEqual(0.9);
    expect(outcome.seconds).toBeLessThan(4);
  });

  it('allow_watch_bookmarks: BOOKMARK events carrying only apiVersion, kind and metadata.resourceVersion', async () => {
    double.flinkDeployments.put(fd('w-bookmark', 2));
    const version = await listVersion('w-bookmark');
    const outcome = await watch('w-bookmark', {
      resourceVersion: version,
      allowWatchBookmarks: true,
      timeoutSeconds: 3,
      stopAfter: 1,
    });
    expect(outcome.events.map((event) => event.type)).toEqual(['BOOKMARK']);
    const bookmark = outcome.events[0]?.object;
    expect(bookmark).toEqual({
      apiVersion: 'flink.apache.org/v1beta1',
      kind: 'FlinkDeployment',
      metadata: { resourceVersion: expect.stringMatching(/^\d+$/) },
    });
    expect(Number(bookmark?.metadata?.resourceVersion)).toBeGreaterThanOrEqual(Number(version));
  });
});

describe('watch requests on the wire (call_api)', () => {
  const path = (name: string) => ({ fieldSelector: `metadata.name=${name}`, timeoutSeconds: '1' });

  it('from a compacted version: HTTP 200, then one ERROR event with a 410 Expired Status', async () => {
    double.flinkDeployments.put(fd('w-raw-expired', 2));
    const version = await listVersion('w-raw-expired');
    scaleTo('w-raw-expired', 4);
    double.compact();
    const answer = await py.step<RawAnswer>('watch.raw', {
      query: { ...path('w-raw-expired'), watch: 'true', resourceVersion: version },
    });
    expect(answer.status).toBe(200);
    expect(answer.lines).toEqual([
      {
        type: 'ERROR',
        object: expect.objectContaining({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: 'Expired',
          code: 410,
          message: expect.stringMatching(/^too old resource version: \d+ \(\d+\)$/),
        }),
      },
    ]);
  });

  it('watch=True (a boolean as the Python client writes it) is a watch, not a list', async () => {
    double.flinkDeployments.put(fd('w-boolean', 2));
    const answer = await py.step<RawAnswer>('watch.raw', { query: { ...path('w-boolean'), watch: 'True' } });
    expect(answer.status).toBe(200);
    expect((answer.lines as WatchEvent[]).map((line) => line.type)).toEqual(['ADDED']);
  });

  it('allowWatchBookmarks=True is honoured like true', async () => {
    double.flinkDeployments.put(fd('w-boolean-bookmarks', 2));
    const version = await listVersion('w-boolean-bookmarks');
    const answer = await py.step<RawAnswer>('watch.raw', {
      query: {
        ...path('w-boolean-bookmarks'),
        watch: '1',
        allowWatchBookmarks: 'True',
        resourceVersion: version,
      },
    });
    expect(answer.status).toBe(200);
    expect((answer.lines as WatchEvent[]).some((line) => line.type === 'BOOKMARK')).toBe(true);
  });

  it('the deprecated /watch/ path is still served', async () => {
    double.flinkDeployments.put(fd('w-deprecated', 2));
    const answer = await py.step<RawAnswer>('watch.raw', {
      deprecatedPath: true,
      query: path('w-deprecated'),
    });
    expect(answer.status).toBe(200);
    expect((answer.lines as WatchEvent[]).map((line) => line.type)).toEqual(['ADDED']);
  });
});

describe('an API server restart (double.restart())', () => {
  let before = '';

  it('ends every open watch', async () => {
    const restart = apiServerRestart(double);
    double.flinkDeployments.put(fd('w-restart', 2));
    let restarted: Promise<void> | undefined;
    const outcome = await watch('w-restart', { timeoutSeconds: 20 }, (event) => {
      before = event.object.metadata?.resourceVersion ?? '';
      restarted ??= restart();
    });
    await restarted;
    expect(outcome.events.map((event) => event.type)).toEqual(['ADDED']);
    expect(['stream-ended', 'connection-broken']).toContain(outcome.ended);
    expect(outcome.seconds).toBeLessThan(10);
  });

  it('a watch from a version before the restart: ApiException 410 Expired', async () => {
    expect(before).toMatch(/^\d+$/);
    const outcome = await watch('w-restart', { resourceVersion: before });
    expect(outcome.ended).toBe('error');
    expect(outcome.error?.status).toBe(410);
    expect(outcome.error?.reason).toMatch(tooOld);
  });

  it('a watch from a fresh list’s version delivers the changes after it', async () => {
    const version = await listVersion('w-restart');
    scaleTo('w-restart', 7);
    const outcome = await watch('w-restart', { resourceVersion: version, stopAfter: 1 });
    expect(outcome.events.map((event) => event.type)).toEqual(['MODIFIED']);
    expect(outcome.events[0]?.object.spec?.taskManager?.replicas).toBe(7);
  });
});
