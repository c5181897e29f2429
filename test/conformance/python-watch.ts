/**
 * Watches of FlinkDeployments with the official Python client (kubernetes.watch.Watch, and call_api for the
 * wire): initial events, resuming from a list's version, 410 from a compacted version and after an API server
 * restart, bookmarks, timeoutSeconds, boolean query values and the deprecated /watch/ paths, as kube-apiserver
 * documents them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { KubeDouble } from '../doubles/kube/index.js';
import { fd, ns, watchCacheSize, type Conformance } from './double.js';
import {
  type Attempt,
  type PythonClient,
  type RawAnswer,
  type WatchEvent,
  type WatchOutcome,
} from './python-client.js';

let double: KubeDouble;
let py: PythonClient;

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

/** Registers these cases against the double and Python client that python.test.ts starts once for all. */
export function watchCases(conformance: Conformance): void {
  beforeAll(() => {
    ({ double, py } = conformance);
  });

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

    it('with a label selector: an object entering it comes as ADDED, one leaving it as DELETED', async () => {
      double.flinkDeployments.put(fd('w-enters', 2));
      double.flinkDeployments.put(fd('w-leaves', 2, { conformance: 'selected' }));
      const list = await py.step<Attempt<{ metadata: { resourceVersion: string } }>>(
        'flinkdeployments.list',
        {
          labelSelector: 'conformance=selected',
        },
      );
      if (!list.ok) throw new Error(`list failed: ${list.status}`);
      const relabel = (name: string, labels: Record<string, string>): void => {
        const current = double.flinkDeployments.get(ns, name);
        if (!current) throw new Error(`no FlinkDeployment ${name}`);
        double.flinkDeployments.put({ ...current, metadata: { ...current.metadata, labels } });
      };
      relabel('w-enters', { conformance: 'selected' });
      relabel('w-leaves', { conformance: 'elsewhere' });
      const outcome = await py.step<WatchOutcome>(
        'watch.flinkdeployments',
        {
          labelSelector: 'conformance=selected',
          resourceVersion: list.value.metadata.resourceVersion,
          timeoutSeconds: 5,
          stopAfter: 2,
        },
        { timeoutMs: 30_000 },
      );
      expect(outcome.events.map((event) => `${event.type} ${event.object.metadata?.name ?? ''}`)).toEqual([
        'ADDED w-enters',
        'DELETED w-leaves',
      ]);
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

  describe('the watch cache, per resource type', () => {
    it('a stable object’s own version expires once its kind has changed more than the cache holds; a list’s does not', async () => {
      double.flinkDeployments.put(fd('w-stable', 2));
      const read = await py.step<Attempt<{ metadata: { resourceVersion: string } }>>('flinkdeployments.get', {
        name: 'w-stable',
      });
      if (!read.ok) throw new Error(`get failed: ${read.status}`);
      for (let i = 0; i <= watchCacheSize; i += 1) double.flinkDeployments.put(fd(`w-churn-${i}`, 2));
      const fromObject = await watch('w-stable', { resourceVersion: read.value.metadata.resourceVersion });
      expect(fromObject.error?.status).toBe(410);
      expect(fromObject.error?.reason).toMatch(tooOld);

      const version = await listVersion('w-stable');
      scaleTo('w-stable', 3);
      const fromList = await watch('w-stable', { resourceVersion: version, stopAfter: 1 });
      expect(fromList.events.map((event) => event.type)).toEqual(['MODIFIED']);
    });

    it('changes of another kind (Events) do not expire FlinkDeployment versions', async () => {
      double.flinkDeployments.put(fd('w-other-kind', 2));
      const version = await listVersion('w-other-kind');
      for (let i = 0; i <= watchCacheSize; i += 1) {
        const created = await py.step<Attempt>('events.create', {
          body: {
            metadata: { name: `w-other-kind-${i}`, namespace: ns },
            involvedObject: { kind: 'FlinkDeployment', name: 'w-other-kind', namespace: ns },
            reason: 'Churn',
            message: `event ${i}`,
            type: 'Normal',
            source: { component: 'conformance' },
          },
        });
        expect(created.ok).toBe(true);
      }
      scaleTo('w-other-kind', 3);
      const outcome = await watch('w-other-kind', { resourceVersion: version, stopAfter: 1 });
      expect(outcome.events.map((event) => event.type)).toEqual(['MODIFIED']);
    });
  });

  describe('watch requests on the wire (call_api)', () => {
    const path = (name: string) => ({ fieldSelector: `metadata.name=${name}`, timeoutSeconds: '5' });

    it('from a compacted version: HTTP 200, then one ERROR event with a 410 Expired Status', async () => {
      double.flinkDeployments.put(fd('w-raw-expired', 2));
      const version = await listVersion('w-raw-expired');
      scaleTo('w-raw-expired', 4);
      double.compact();
      const answer = await py.step<RawAnswer>('flinkdeployments.rawGet', {
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
      const answer = await py.step<RawAnswer>('flinkdeployments.rawGet', {
        query: { ...path('w-boolean'), watch: 'True' },
        untilType: 'ADDED',
      });
      expect(answer.status).toBe(200);
      expect((answer.lines as WatchEvent[]).map((line) => line.type)).toEqual(['ADDED']);
    });

    it('allowWatchBookmarks=True is honoured like true', async () => {
      double.flinkDeployments.put(fd('w-boolean-bookmarks', 2));
      const version = await listVersion('w-boolean-bookmarks');
      const answer = await py.step<RawAnswer>('flinkdeployments.rawGet', {
        query: {
          ...path('w-boolean-bookmarks'),
          watch: '1',
          allowWatchBookmarks: 'True',
          resourceVersion: version,
        },
        untilType: 'BOOKMARK',
      });
      expect(answer.status).toBe(200);
      expect((answer.lines as WatchEvent[]).some((line) => line.type === 'BOOKMARK')).toBe(true);
    });

    it('a non-numeric resourceVersion: refused (4xx), not a stream', async () => {
      const answer = await py.step<RawAnswer>('flinkdeployments.rawGet', {
        query: { ...path('w-initial'), watch: 'true', resourceVersion: 'abc' },
      });
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
    });

    it('sendInitialEvents=true without resourceVersionMatch=NotOlderThan: refused (4xx)', async () => {
      const answer = await py.step<RawAnswer>('flinkdeployments.rawGet', {
        query: { ...path('w-initial'), watch: 'true', sendInitialEvents: 'true' },
      });
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
    });

    it('the deprecated /watch/ path is still served', async () => {
      double.flinkDeployments.put(fd('w-deprecated', 2));
      const answer = await py.step<RawAnswer>('flinkdeployments.rawGet', {
        deprecatedPath: true,
        query: path('w-deprecated'),
        untilType: 'ADDED',
      });
      expect(answer.status).toBe(200);
      expect((answer.lines as WatchEvent[]).map((line) => line.type)).toEqual(['ADDED']);
    });
  });

  describe('an API server restart (double.restart())', () => {
    let before = '';

    it('ends every open watch', async () => {
      double.flinkDeployments.put(fd('w-restart', 2));
      let restarted = false;
      const outcome = await watch('w-restart', { timeoutSeconds: 20 }, (event) => {
        if (restarted) return;
        restarted = true;
        before = event.object.metadata?.resourceVersion ?? '';
        // another write first, so that the version seen is older than the one the API server restarts at
        double.flinkDeployments.put(fd('w-restart-other', 2));
        double.restart();
      });
      expect(outcome.events.map((event) => event.type)).toEqual(['ADDED']);
      expect(['stream-ended', 'connection-broken']).toContain(outcome.ended);
      expect(outcome.seconds).toBeLessThan(10);
    });

    it('a watch from a version older than the restart’s: ApiException 410 Expired', async () => {
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
}
