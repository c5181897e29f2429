/**
 * The watch cache as the apiserver's cacher keeps it: bounded per kind, compacted periodically, emptied by a
 * restart (every watch and keep-alive connection dropped); a stable object's own resourceVersion becomes
 * unwatchable (200 + ERROR 410 Expired) while a list's stays current; bookmarks as the server sends them.
 */
import { Agent, createServer, get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openWatch, request } from './test-client.js';
import { flinkDeployment, runKubectl, startKubeDouble, type KubeDouble } from './index.js';

const ns = 'jobs';
const fds = `/apis/flink.apache.org/v1beta1/namespaces/${ns}/flinkdeployments`;
const leases = `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases`;
const admin = { token: 'admin-token', username: 'admin', groups: ['system:masters'] };

interface WatchLine {
  type: string;
  object: {
    kind?: string;
    metadata?: Record<string, unknown>;
    code?: number;
    reason?: string;
    message?: string;
  };
}

const doubles: KubeDouble[] = [];
async function start(options: Parameters<typeof startKubeDouble>[0] = {}): Promise<KubeDouble> {
  const double = await startKubeDouble({ namespace: ns, users: [admin], ...options });
  doubles.push(double);
  return double;
}

afterAll(async () => {
  await Promise.all(doubles.map((d) => d.close()));
});

function seed(double: KubeDouble, name: string): string {
  return double.flinkDeployments.put(flinkDeployment({ name, namespace: ns, replicas: 2 })).metadata
    .resourceVersion as string;
}

async function watchFrom(double: KubeDouble, path: string) {
  return openWatch<WatchLine>(double.url + path);
}

async function firstLine(double: KubeDouble, path: string): Promise<WatchLine> {
  const stream = await watchFrom(double, path);
  await vi.waitFor(() => expect(stream.events.length).toBeGreaterThan(0), { timeout: 3000 });
  stream.close();
  return stream.events[0] as WatchLine;
}

function expectExpired(line: WatchLine, requested: string, floor: string | RegExp): void {
  expect(line).toEqual({
    type: 'ERROR',
    object: {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        typeof floor === 'string'
          ? `too old resource version: ${requested} (${floor})`
          : expect.stringMatching(floor),
      reason: 'Expired',
      code: 410,
    },
  });
}

describe('the watch cache, bounded per kind (watchCacheSize)', () => {
  let double: KubeDouble;
  beforeAll(async () => {
    double = await start({ watchCacheSize: 5, compactionIntervalMs: 0 });
  }, 60_000);

  it('a stable object’s version falls out after more changes of its kind than the cache holds; a list’s version stays watchable', async () => {
    const lease = await request(double.url, leases, {
      method: 'POST',
      body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'stable' }, spec: {} },
    });
    const leaseVersion = (lease.body['metadata'] as { resourceVersion: string }).resourceVersion;
    const stable = seed(double, 'stable');
    for (let i = 0; i < 6; i += 1) seed(double, `busy-${i}`);
    const stableWatch = await watchFrom(double, `${fds}?watch=true&resourceVersion=${stable}`);
    expect(stableWatch.response.status).toBe(200);
    await vi.waitFor(() => expect(stableWatch.ended()).toBe(true));
    expect(stableWatch.events).toHaveLength(1);
    expectExpired(stableWatch.events[0] as WatchLine, stable, /^too old resource version: \d+ \(\d+\)$/);
    const floor = Number(/\((\d+)\)$/.exec((stableWatch.events[0] as WatchLine).object.message ?? '')?.[1]);
    expect(floor).toBeGreaterThan(Number(stable));

    // One resume point is enough: the newest 5 changes of the kind are still there.
    const resumed = await watchFrom(double, `${fds}?watch=true&resourceVersion=${floor}`);
    await vi.waitFor(() => expect(resumed.events).toHaveLength(5));
    expect(resumed.events.every((e) => e.type === 'ADDED')).toBe(true);
    resumed.close();

    const list = await request(double.url, fds);
    const listVersion = (list.body['metadata'] as { resourceVersion: string }).resourceVersion;
    const fromList = await watchFrom(double, `${fds}?watch=true&resourceVersion=${listVersion}`);
    seed(double, 'after-list');
    await vi.waitFor(() => expect(fromList.events.map((e) => e.type)).toEqual(['ADDED']));
    fromList.close();

    // Leases have their own cache: the FlinkDeployments' churn did not push the lease's version out.
    const leaseWatch = await watchFrom(double, `${leases}?watch=true&resourceVersion=${leaseVersion}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(leaseWatch.events).toEqual([]);
    expect(leaseWatch.ended()).toBe(false);
    leaseWatch.close();
  });
});

describe('compaction (compactionIntervalMs)', () => {
  it('each compaction takes away the versions seen at the previous one: an object’s own version expires, the list’s does not', async () => {
    const double = await start({ compactionIntervalMs: 150 });
    const version = seed(double, 'old');
    seed(double, 'newer'); // the version moves on, as it always does on a real cluster
    expect((await firstLine(double, `${fds}?watch=true&resourceVersion=${version}`)).type).toBe('ADDED');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expectExpired(
      await firstLine(double, `${fds}?watch=true&resourceVersion=${version}`),
      version,
      /^too old resource version: \d+ \(\d+\)$/,
    );
    const list = await request(double.url, fds);
    const listVersion = (list.body['metadata'] as { resourceVersion: string }).resourceVersion;
    const fromList = await watchFrom(double, `${fds}?watch=true&resourceVersion=${listVersion}`);
    seed(double, 'newest');
    await vi.waitFor(() => expect(fromList.events.map((e) => e.type)).toEqual(['ADDED']));
    fromList.close();
  });

  it('is on by default every 5 minutes, as the apiserver compacts etcd', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const double = await start();
      const version = seed(double, 'five-minutes');
      seed(double, 'moved-on');
      vi.advanceTimersByTime(299_000);
      expect((await firstLine(double, `${fds}?watch=true&resourceVersion=${version}`)).type).toBe('ADDED');
      vi.advanceTimersByTime(2_000); // first compaction: through the version at start
      seed(double, 'later');
      vi.advanceTimersByTime(300_000); // second: through the version at the first
      expectExpired(
        await firstLine(double, `${fds}?watch=true&resourceVersion=${version}`),
        version,
        /^too old resource version: \d+ \(\d+\)$/,
      );
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('restart()', () => {
  it('drops every watch and keep-alive connection; older versions answer 200 + 410 Expired; lists work', async () => {
    const double = await start({ compactionIntervalMs: 0 });
    const version = seed(double, 'before-restart');
    seed(double, 'also-before-restart');
    const open = await watchFrom(double, `${fds}?watch=true&resourceVersion=${version}`);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const closed = await new Promise<Promise<void>>((resolve, reject) => {
      const asked = get(`${double.url}/version`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(socketClosed));
      });
      let socketClosed: Promise<void> = Promise.resolve();
      asked.on('socket', (socket) => {
        socketClosed = new Promise<void>((done) => socket.once('close', () => done()));
      });
      asked.on('error', reject);
    });
    const current = double.resourceVersion();

    double.restart();
    await vi.waitFor(() => expect(open.ended()).toBe(true));
    await closed;
    agent.destroy();

    const expired = await watchFrom(double, `${fds}?watch=true&resourceVersion=${version}`);
    expect(expired.response.status).toBe(200);
    await vi.waitFor(() => expect(expired.ended()).toBe(true));
    expectExpired(expired.events[0] as WatchLine, version, current);

    const list = await request(double.url, fds);
    expect(list.status).toBe(200);
    expect((list.body['metadata'] as { resourceVersion: string }).resourceVersion).toBe(current);
    const fromList = await watchFrom(double, `${fds}?watch=true&resourceVersion=${current}`);
    seed(double, 'after-restart');
    await vi.waitFor(() => expect(fromList.events.map((e) => e.type)).toEqual(['ADDED']));
    fromList.close();
    expect(double.requests().every((r) => typeof r.at === 'number' && r.at > 0)).toBe(true);
  });
});

describe('restart({ downMs })', () => {
  it('refuses connections for downMs, then serves on the same ports, the watch cache empty', async () => {
    const double = await start({ compactionIntervalMs: 0 });
    const version = seed(double, 'down-1');
    seed(double, 'down-2');
    double.restart({ downMs: 600 });
    const refused = await fetch(`${double.url}/version`).then(
      () => 'answered',
      (error: Error & { cause?: { code?: string } }) => error.cause?.code ?? error.message,
    );
    expect(refused).toBe('ECONNREFUSED');
    await new Promise((resolve) => setTimeout(resolve, 900));
    expect((await request(double.url, '/version')).status).toBe(200);
    const tls = await runKubectl(double.kubeconfig('admin'), ['get', '--raw', '/version'], {
      home: double.dir,
    });
    expect(tls.code).toBe(0); // the https port is back too
    expectExpired(
      await firstLine(double, `${fds}?watch=true&resourceVersion=${version}`),
      version,
      double.resourceVersion(),
    );
  });
});

describe('restart({ downMs }) when another process holds the port as it comes back', () => {
  it('keeps trying until the port is free, as a restarted API server on a fixed port does, instead of staying down', async () => {
    const double = await start({ compactionIntervalMs: 0 });
    // The https port, the one kubectl talks to.
    const port = Number(new URL(double.httpsUrl).port);
    double.restart({ downMs: 100 });
    // Another listener takes the port in the gap and lets it go 500 ms later.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const squatter = createServer((_req, res) => res.end('not the API server'));
    await new Promise<void>((resolve, reject) => {
      squatter.once('error', reject);
      squatter.listen(port, '127.0.0.1', () => resolve());
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await new Promise<void>((resolve) => squatter.close(() => resolve()));
    await vi.waitFor(
      async () => {
        const version = await runKubectl(double.kubeconfig('admin'), ['get', '--raw', '/version'], {
          home: double.dir,
        });
        expect(version.code).toBe(0);
        expect(JSON.parse(version.stdout)).toMatchObject({ gitVersion: expect.any(String) });
      },
      { timeout: 5000, interval: 250 },
    );
    expect((await request(double.url, '/version')).status).toBe(200);
  });
});

describe('bookmarks', () => {
  it('every bookmarkIntervalMs: a custom resource’s is {kind, apiVersion, metadata: {resourceVersion}}; a built-in kind’s has creationTimestamp null', async () => {
    const double = await start({ bookmarkIntervalMs: 100 });
    seed(double, 'bookmarked');
    const fd = await watchFrom(
      double,
      `${fds}?watch=1&allowWatchBookmarks=True&resourceVersion=${double.resourceVersion()}`,
    );
    const lease = await watchFrom(
      double,
      `${leases}?watch=true&allowWatchBookmarks=true&resourceVersion=${double.resourceVersion()}`,
    );
    await vi.waitFor(() => {
      expect(fd.events.length).toBeGreaterThan(1);
      expect(lease.events.length).toBeGreaterThan(0);
    });
    expect(fd.events[0]).toEqual({
      type: 'BOOKMARK',
      object: {
        kind: 'FlinkDeployment',
        apiVersion: 'flink.apache.org/v1beta1',
        metadata: { resourceVersion: double.resourceVersion() },
      },
    });
    expect(lease.events[0]).toEqual({
      type: 'BOOKMARK',
      object: {
        kind: 'Lease',
        apiVersion: 'coordination.k8s.io/v1',
        metadata: { resourceVersion: double.resourceVersion(), creationTimestamp: null },
      },
    });
    fd.close();
    lease.close();
  });

  it('shortly (2 s) before timeoutSeconds ends, then the stream ends cleanly', async () => {
    const double = await start();
    const started = Date.now();
    const stream = await watchFrom(
      double,
      `${fds}?watch=true&allowWatchBookmarks=true&timeoutSeconds=3&resourceVersion=${double.resourceVersion()}`,
    );
    await vi.waitFor(() => expect(stream.events.length).toBe(1), { timeout: 2500, interval: 20 });
    const bookmarkAfter = Date.now() - started;
    expect(stream.events[0]?.type).toBe('BOOKMARK');
    expect(bookmarkAfter).toBeGreaterThanOrEqual(900);
    await vi.waitFor(() => expect(stream.ended()).toBe(true), { timeout: 4000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
    expect(stream.events).toHaveLength(1);
  });
});
