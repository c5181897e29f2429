/**
 * The sidecar keeps its view of the FlinkDeployment current through a list+watch on the Kubernetes double:
 * changes arrive, a failed list is retried, a watch-driven label change flips the loop's mode, and a watch
 * cache that forgets old versions causes one relist, never a storm.
 */
import { DEFAULT_CONFIG } from '@flink-autoscaler/shared';
import { connectKube, kubeClient } from '../fixtures/kube-connect.js';
import { afterEach, describe, expect, it } from 'vitest';

import { KubeConnection } from '../../sidecar/src/kube/connection.js';
import { ENABLED_LABEL, type FlinkDeployment } from '../../sidecar/src/kube/deployment.js';
import { loadKubeSettings } from '../../sidecar/src/kube/kubeconfig.js';
import { Sidecar } from '../../sidecar/src/loop/sidecar.js';
import { keepWatching, type WatchHandle, type WatchOptions } from '../../sidecar/src/loop/watch.js';
import { SidecarMetrics } from '../../sidecar/src/metrics/exporter.js';
import { sidecarRules } from '../fixtures/rbac.js';
import {
  flinkDeployment,
  serviceAccount,
  startKubeDouble,
  type KubeDouble,
  type KubeDoubleOptions,
} from '../doubles/kube/index.js';

const NS = 'streaming';
const NAME = 'clickstream';
const SA = serviceAccount(NS, 'flink', 'sidecar-token');
const target = { namespace: NS, name: NAME };

let kube: KubeDouble | undefined;
let watch: WatchHandle | undefined;
afterEach(async () => {
  await watch?.stop();
  await kube?.close();
  watch = undefined;
  kube = undefined;
});

async function setUp(options: KubeDoubleOptions = {}) {
  kube = await startKubeDouble({
    namespace: NS,
    users: [SA],
    rules: sidecarRules(NS, SA.username),
    ...options,
  });
  kube.flinkDeployments.put(flinkDeployment({ name: NAME, namespace: NS, replicas: 4 }));
  kube.flinkDeployments.reconcile(NS, NAME);
  const kubeconfig = kube.kubeconfig({ token: SA.token }, { namespace: NS });
  return { double: kube, connection: await connectKube(kubeconfig), kubeconfig };
}

function edit(double: KubeDouble, change: (fd: FlinkDeployment) => void): void {
  const fd = double.flinkDeployments.get(NS, NAME) as unknown as FlinkDeployment;
  change(fd);
  double.flinkDeployments.put(fd as never);
}

/** Writes of other objects: the global resourceVersion moves on, the watched object's does not. */
function otherWrites(double: KubeDouble, count: number): void {
  for (let i = 0; i < count; i++)
    double.flinkDeployments.put(flinkDeployment({ name: `other-${i}`, namespace: NS, replicas: 1 }));
}

/** The requests the loop made for FlinkDeployments since `from`: lists and watches. */
function reads(double: KubeDouble, from: number) {
  const mine = double
    .requests()
    .slice(from)
    .filter((r) => r.resource === 'flinkdeployments' && r.user === SA.username);
  return {
    lists: mine.filter((r) => r.verb === 'list').length,
    watches: mine.filter((r) => r.verb === 'watch').length,
    gets: mine.filter((r) => r.verb === 'get').length,
    watchQueries: mine.filter((r) => r.verb === 'watch').map((r) => new URLSearchParams(r.query)),
  };
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${what} did not happen`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function start(options: Omit<WatchOptions, 'target' | 'log'> & Partial<Pick<WatchOptions, 'log'>>) {
  watch = keepWatching({ target, log: () => undefined, ...options });
  return watch;
}

describe('watching the FlinkDeployment', () => {
  it('delivers the current object, then every change', async () => {
    const { double, connection } = await setUp();
    const seen: FlinkDeployment[] = [];
    start({ connection, onDeployment: (fd) => seen.push(fd) });
    await eventually(() => seen.length >= 1, 'the first read');
    edit(double, (fd) => {
      if (fd.spec?.taskManager) fd.spec.taskManager.replicas = 9;
    });
    await eventually(() => seen.at(-1)?.spec?.taskManager?.replicas === 9, 'the change');
  });

  it('lists by name and watches from the LIST’s version with bookmarks and a timeout in [300, 600) s', async () => {
    const { double, connection } = await setUp();
    otherWrites(double, 3);
    const before = double.requests().length;
    const statuses: boolean[] = [];
    start({ connection, onDeployment: () => undefined, onStatus: (s) => statuses.push(s.watching) });
    await eventually(() => statuses.includes(true), 'the watch');
    const { lists, watches, watchQueries } = reads(double, before);
    expect({ lists, watches }).toEqual({ lists: 1, watches: 1 });
    const query = watchQueries[0] as URLSearchParams;
    expect(query.get('fieldSelector')).toBe(`metadata.name=${NAME}`);
    expect(query.get('allowWatchBookmarks')).toBe('true');
    // the list's version is the store's latest, newer than the object's own
    expect(query.get('resourceVersion')).toBe(double.resourceVersion());
    expect(Number(double.flinkDeployments.get(NS, NAME)?.metadata.resourceVersion)).toBeLessThan(
      Number(double.resourceVersion()),
    );
    const timeout = Number(query.get('timeoutSeconds'));
    expect(timeout).toBeGreaterThanOrEqual(300);
    expect(timeout).toBeLessThan(600);
  });

  it('no resume storm: an object version gone from a small watch cache costs one list and one watch', async () => {
    // The reproduction: history of 5 writes, the object's own version older than that, 100 ms
    // first backoff. GET + watch from the object's version got 410 each time: 27 GET+watch pairs in 3 s.
    const { double, connection } = await setUp({ watchHistory: 5 });
    otherWrites(double, 6);
    double.compact();
    const before = double.requests().length;
    const seen: FlinkDeployment[] = [];
    start({ connection, onDeployment: (fd) => seen.push(fd), firstBackoffMs: 100 });
    await sleep(3000);
    const { lists, watches, gets } = reads(double, before);
    expect({ lists, watches, gets }).toEqual({ lists: 1, watches: 1, gets: 0 });
    edit(double, (fd) => {
      if (fd.spec?.taskManager) fd.spec.taskManager.replicas = 6;
    });
    await eventually(() => seen.at(-1)?.spec?.taskManager?.replicas === 6, 'the change through the watch');
  });

  it('resumes from the last BOOKMARK when a watch ends, so a compacted history needs no relist', async () => {
    const { double, connection } = await setUp({ bookmarkIntervalMs: 100 });
    const before = double.requests().length;
    start({ connection, onDeployment: () => undefined, watchTimeoutSeconds: 1, firstBackoffMs: 50 });
    await sleep(300);
    otherWrites(double, 4); // the object is unchanged; bookmarks carry the newer versions
    await sleep(300);
    double.compact();
    await eventually(() => reads(double, before).watches >= 3, 'two re-watches');
    const { lists, watchQueries } = reads(double, before);
    expect(lists).toBe(1);
    const versions = watchQueries.map((q) => Number(q.get('resourceVersion')));
    expect(versions[1]).toBeGreaterThan(versions[0] as number);
  });

  it('after the watch cache forgets (410), lists once and watches again', async () => {
    const { double, connection } = await setUp();
    const before = double.requests().length;
    const seen: FlinkDeployment[] = [];
    start({
      connection,
      onDeployment: (fd) => seen.push(fd),
      watchTimeoutSeconds: 1,
      firstBackoffMs: 50,
    });
    await eventually(() => reads(double, before).watches === 1, 'the first watch');
    otherWrites(double, 3);
    double.compact(); // the last version the loop saw (the list's) is now too old
    await eventually(() => reads(double, before).lists === 2, 'the relist');
    await eventually(() => reads(double, before).watches >= 3, 'a watch from the new list');
    await sleep(500);
    const { lists, watches } = reads(double, before);
    expect(lists).toBe(2);
    expect(watches).toBeLessThanOrEqual(4);
    expect(seen.length).toBe(2);
  });

  it('says when the FlinkDeployment is deleted, and when it is absent from a list', async () => {
    const { double, connection } = await setUp();
    let gone = 0;
    const seen: FlinkDeployment[] = [];
    start({ connection, onDeployment: (fd) => seen.push(fd), onGone: () => (gone += 1) });
    await eventually(() => seen.length === 1, 'the list');
    double.flinkDeployments.delete(NS, NAME);
    await eventually(() => gone === 1, 'DELETED');
    await watch?.stop();
    start({ connection, onDeployment: (fd) => seen.push(fd), onGone: () => (gone += 1) });
    await eventually(() => gone === 2, 'absent from the list');
    expect(seen).toHaveLength(1);
  });

  it('after an API server restart: 2 requests (list, watch), then changes arrive again', async () => {
    const { double, connection } = await setUp();
    const seen: FlinkDeployment[] = [];
    const statuses: boolean[] = [];
    start({
      connection,
      onDeployment: (fd) => seen.push(fd),
      onStatus: (s) => statuses.push(s.watching),
      firstBackoffMs: 100,
      droppedSpreadMs: 500,
      // The quickest comeback the spread allows: the loss and the recovery a few milliseconds apart.
      random: () => 0,
    });
    await eventually(() => statuses.at(-1) === true, 'the watch');
    otherWrites(double, 3); // the loop's last seen version is now older than the current one
    const before = double.requests().length;
    const mark = statuses.length;
    double.restart();
    // Every status from the restart on: the loss and the recovery may both come between two looks.
    const lost = () => statuses.indexOf(false, mark);
    await eventually(() => lost() >= 0, 'the watch lost');
    await eventually(() => statuses.indexOf(true, lost()) > lost(), 'watching again');
    await sleep(1000);
    const { lists, watches, gets } = reads(double, before);
    expect({ lists, watches, gets }).toEqual({ lists: 1, watches: 1, gets: 0 });
    edit(double, (fd) => {
      if (fd.spec?.taskManager) fd.spec.taskManager.replicas = 5;
    });
    await eventually(() => seen.at(-1)?.spec?.taskManager?.replicas === 5, 'a change after the restart');
  });

  it('a watch held silent (no data, no FIN) is restarted after idleTimeoutMs and sees changes', async () => {
    const { double, connection } = await setUp();
    double.setFault({ kind: 'silence', match: { verbs: ['watch'] } });
    const before = double.requests().length;
    const seen: FlinkDeployment[] = [];
    start({ connection, onDeployment: (fd) => seen.push(fd), idleTimeoutMs: 300, firstBackoffMs: 50 });
    await eventually(() => seen.length === 1, 'the list');
    edit(double, (fd) => {
      if (fd.spec?.taskManager) fd.spec.taskManager.replicas = 8;
    });
    await eventually(() => seen.at(-1)?.spec?.taskManager?.replicas === 8, 'the change after the restart');
    expect(reads(double, before)).toMatchObject({ lists: 1, watches: 2 });
  });

  it('a large object with Cyrillic and CJK text, written a few bytes at a time, arrives intact', async () => {
    const { double, connection } = await setUp({ maxWriteBytes: 7 });
    const text = 'Поток кликов — 点击流处理 — '.repeat(200);
    const seen: FlinkDeployment[] = [];
    start({ connection, onDeployment: (fd) => seen.push(fd) });
    await eventually(() => seen.length === 1, 'the list');
    edit(double, (fd) => {
      fd.metadata.annotations = { ...fd.metadata.annotations, 'example.com/note': text };
    });
    await eventually(() => seen.length === 2, 'the change');
    expect(seen[1]?.metadata.annotations?.['example.com/note']).toBe(text);
  });

  it('retries a failed list with backoff that grows, and logs why', async () => {
    const { double, kubeconfig } = await setUp();
    // one attempt per list: the loop's own backoff is what is tested here
    const connection = new KubeConnection({
      ...(await loadKubeSettings(kubeconfig, {})),
      retry: { attempts: 1 },
    });
    double.setFault({
      kind: 'internalError',
      times: 3,
      match: { verbs: ['list'], resource: 'flinkdeployments' },
    });
    const seen: FlinkDeployment[] = [];
    const logs: string[] = [];
    const errors: string[] = [];
    start({
      connection,
      onDeployment: (fd) => seen.push(fd),
      onStatus: (s) => (s.error ? errors.push(s.error) : undefined),
      log: (_level, msg) => logs.push(msg),
      firstBackoffMs: 10,
      random: () => 0.999,
    });
    await eventually(() => seen.length >= 1, 'a list after the failures');
    expect(logs.filter((m) => m === 'cannot list the FlinkDeployment')).toHaveLength(3);
    expect(errors[0]).toMatch(/list flinkdeployment streaming\/clickstream: HTTP 500/);
    connection.close();
  });

  it('a label added to the FlinkDeployment switches the sidecar from advisor to active', async () => {
    const { double, connection, kubeconfig } = await setUp();
    const sidecar = new Sidecar({
      collector: { collect: async () => ({ time: 0, jobState: undefined }), drops: new Map() },
      kube: await kubeClient(kubeconfig, target),
      metrics: new SidecarMetrics({ namespace: NS, flinkdeployment: NAME }),
      clock: () => 0,
      log: () => undefined,
      baseConfig: DEFAULT_CONFIG,
    });
    await sidecar.start();
    start({ connection, onDeployment: (fd) => sidecar.updateDeployment(fd) });
    expect(sidecar.mode).toBe('advisor');
    edit(double, (fd) => {
      fd.metadata.labels = { ...fd.metadata.labels, [ENABLED_LABEL]: 'true' };
    });
    await eventually(() => sidecar.mode === 'active', 'the switch to active');
  });
});
