/**
 * Leader election against the Kubernetes double's `coordination.k8s.io/v1` Leases, over HTTPS with the
 * sidecar's own connection and only the sidecar's RBAC (leases get, create, update): two sidecars of one
 * FlinkDeployment (HA JobManagers), never two leaders; a cut connection, a conflict, a lost answer and a stop,
 * each as the API server plays it. Durations are scaled down (lease 2 s, renew deadline 1.5 s, retry 0.5 s)
 * so the real timers run them in seconds; the request counts scale back to the defaults (retry 60 s).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubeConnection } from '../../sidecar/src/kube/connection.js';
import { loadKubeSettings } from '../../sidecar/src/kube/kubeconfig.js';
import { LeaderElector, leaseNameFor } from '../../sidecar/src/kube/lease.js';
import { runKubectl, serviceAccount, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';
import { sidecarRules } from '../fixtures/rbac.js';
import { until } from '../fixtures/wait.js';

const NS = 'streaming';
const A = serviceAccount(NS, 'jobmanager-a', 'token-a');
const B = serviceAccount(NS, 'jobmanager-b', 'token-b');
const ADMIN = { token: 'admin-token', username: 'admin', groups: ['system:masters'] };
const TIMING = { leaseDurationSeconds: 2, renewDeadlineSeconds: 1.5, retryPeriodSeconds: 0.5 };

let kube: KubeDouble;
let home: string;
let lease = 0;

beforeAll(async () => {
  kube = await startKubeDouble({
    namespace: NS,
    users: [A, B, ADMIN],
    rules: [A, B].flatMap((sa, i) =>
      sidecarRules(NS, sa.username).map((rule) => ({ ...rule, name: `${rule.name}-${i}` })),
    ),
  });
  home = mkdtempSync(join(tmpdir(), 'fa-lease-'));
}, 60_000);

afterAll(async () => {
  await kube?.close();
});

const running: LeaderElector[] = [];
afterEach(async () => {
  kube.clearFaults();
  await Promise.all(running.splice(0).map((e) => e.stop()));
});

interface Sidecar {
  name: string;
  user: string;
  elector: LeaderElector;
  logs: string[];
}

/** Two sidecars (pods a and b, each with its service account) electing on a fresh Lease. */
async function twoSidecars(): Promise<{ a: Sidecar; b: Sidecar; name: string; leaders: () => string[] }> {
  const name = leaseNameFor(`orders-${++lease}`);
  const make = async (pod: string, sa: typeof A): Promise<Sidecar> => {
    const settings = await loadKubeSettings(kube.kubeconfig({ token: sa.token }, { namespace: NS }), {});
    const connection = new KubeConnection({
      ...settings,
      timeoutMs: 1000,
      retry: { attempts: 3, maxBackoffMs: 200, deadlineMs: 1000 },
    });
    const logs: string[] = [];
    const elector = new LeaderElector({
      connection,
      namespace: NS,
      name,
      identity: pod,
      ...TIMING,
      log: (level, msg) => logs.push(`${level} ${msg}`),
    });
    running.push(elector);
    return { name: pod, user: sa.username, elector, logs };
  };
  const a = await make('orders-jm-a', A);
  const b = await make('orders-jm-b', B);
  return {
    a,
    b,
    name,
    leaders: () => [a, b].filter((s) => s.elector.isLeader()).map((s) => s.name),
  };
}

/** Samples who leads every 10 ms while `during` runs; fails on any moment with two leaders. */
async function watchLeaders<T>(leaders: () => string[], during: () => Promise<T>) {
  const seen: string[][] = [];
  const timer = setInterval(() => seen.push(leaders()), 10);
  try {
    return { result: await during(), seen };
  } finally {
    clearInterval(timer);
    expect(seen.filter((l) => l.length > 1)).toEqual([]);
  }
}

async function stored(name: string) {
  const config = kube.kubeconfig({ token: ADMIN.token }, { namespace: NS });
  const got = await runKubectl(config, ['get', 'lease', name, '-n', NS, '-o', 'json'], { home });
  expect(got.stderr).toBe('');
  return JSON.parse(got.stdout) as {
    metadata: { resourceVersion: string };
    spec: { holderIdentity?: string; leaseDurationSeconds?: number; leaseTransitions?: number };
  };
}

const leaseRequests = (name: string, user: string, since = 0) =>
  kube
    .requests()
    .filter((r) => r.resource === 'leases' && r.user === user && r.at >= since)
    .filter((r) => r.name === name || r.verb === 'create');

describe('leader election on the double’s Leases', () => {
  it('one of two sidecars leads, the Lease names it, and kubectl reads it; never two leaders', async () => {
    const { a, b, name, leaders } = await twoSidecars();
    const { seen } = await watchLeaders(leaders, async () => {
      a.elector.start();
      b.elector.start();
      await until('a leader', 10, async () => (leaders().length === 1 ? true : undefined));
      await new Promise((r) => setTimeout(r, 3000));
    });
    const [leader] = leaders();
    expect(seen.at(-1)).toEqual([leader]);
    const lease = await stored(name);
    expect(lease.spec).toMatchObject({ holderIdentity: leader, leaseDurationSeconds: 2 });
    expect(a.elector.holder()).toBe(leader);
    expect(b.elector.holder()).toBe(leader);
    const printed = await runKubectl(
      kube.kubeconfig({ token: ADMIN.token }, { namespace: NS }),
      ['get', 'leases', '-n', NS],
      { home },
    );
    expect(printed.stdout).toMatch(new RegExp(`^${name}\\s+${leader}\\s+\\S+$`, 'm'));
    // Only what the sidecar's Role allows was needed.
    expect(kube.requests().filter((r) => r.resource === 'leases' && r.status === 403)).toEqual([]);
  }, 30_000);

  it('costs one request per retry period per sidecar at steady state: the leader PUTs, the follower GETs', async () => {
    const { a, b, leaders } = await twoSidecars();
    a.elector.start();
    await until('a leads', 10, async () => (a.elector.isLeader() ? true : undefined));
    b.elector.start();
    await new Promise((r) => setTimeout(r, 1500));
    const since = Date.now();
    await watchLeaders(leaders, () => new Promise((r) => setTimeout(r, 5000)));
    const name = (await stored(leaseNameFor(`orders-${lease}`))).spec.holderIdentity;
    expect(name).toBe('orders-jm-a');
    const ofA = leaseRequests(leaseNameFor(`orders-${lease}`), A.username, since);
    const ofB = leaseRequests(leaseNameFor(`orders-${lease}`), B.username, since);
    // 5 s at one try per 0.5 s (the follower's stretched by up to 10%): 10 each at most, 1 a minute at 60 s.
    expect(ofA.map((r) => r.verb)).toEqual(Array(ofA.length).fill('update'));
    expect(ofB.map((r) => r.verb)).toEqual(Array(ofB.length).fill('get'));
    expect(ofA.length).toBeGreaterThanOrEqual(6);
    expect(ofA.length).toBeLessThanOrEqual(11);
    expect(ofB.length).toBeGreaterThanOrEqual(6);
    expect(ofB.length).toBeLessThanOrEqual(11);
  }, 30_000);

  it('the leader’s connection cut: it steps down at its renew deadline, the other takes over after the lease duration', async () => {
    const { a, b, name, leaders } = await twoSidecars();
    a.elector.start();
    await until('a leads', 10, async () => (a.elector.isLeader() ? true : undefined));
    b.elector.start();
    await new Promise((r) => setTimeout(r, 1500));
    const changes: [string, boolean, number][] = [];
    a.elector.onChange((l) => changes.push(['a', l, Date.now()]));
    b.elector.onChange((l) => changes.push(['b', l, Date.now()]));
    const cut = Date.now();
    kube.setFault({ kind: 'reset', times: Infinity, match: { user: A.username, resource: 'leases' } });
    await watchLeaders(leaders, () =>
      until('b leads', 15, async () => (b.elector.isLeader() ? true : undefined)),
    );
    const aDown = changes.find(([who, l]) => who === 'a' && !l)?.[2];
    const bUp = changes.find(([who, l]) => who === 'b' && l)?.[2];
    expect(aDown).toBeDefined();
    expect(aDown! - cut).toBeLessThanOrEqual(1500 + 500); // (timers run late on a loaded machine)
    // B last saw A's record change at most one retry period (and a request) before the cut.
    expect(bUp! - cut).toBeGreaterThanOrEqual(2000 - 500 - 300);
    expect(bUp!).toBeGreaterThan(aDown!);
    expect((await stored(name)).spec).toMatchObject({ holderIdentity: 'orders-jm-b', leaseTransitions: 1 });
    expect(a.logs).toContain('warn lease not renewed within the renew deadline: stepping down');

    // A's connection comes back: it reads B's Lease and only observes.
    kube.clearFaults();
    await watchLeaders(leaders, () => new Promise((r) => setTimeout(r, 2000)));
    expect(leaders()).toEqual(['orders-jm-b']);
    expect(a.elector.holder()).toBe('orders-jm-b');
  }, 30_000);

  it('a conflict (someone else wrote): the leader re-reads and renews, still the leader', async () => {
    const { a, b, name, leaders } = await twoSidecars();
    a.elector.start();
    await until('a leads', 10, async () => (a.elector.isLeader() ? true : undefined));
    b.elector.start();
    const since = Date.now();
    kube.setFault({
      kind: 'conflict',
      times: 1,
      match: { user: A.username, resource: 'leases', verbs: ['update'] },
    });
    await watchLeaders(leaders, () => new Promise((r) => setTimeout(r, 1500)));
    const verbs = leaseRequests(name, A.username, since).map((r) => `${r.verb} ${r.status}`);
    expect(verbs.slice(0, 3)).toEqual(['update 409', 'get 200', 'update 200']);
    expect(leaders()).toEqual(['orders-jm-a']);
  }, 30_000);

  it('a renew committed whose answer is lost: the next try meets a conflict, re-reads its own record, renews', async () => {
    const { a, b, name, leaders } = await twoSidecars();
    a.elector.start();
    await until('a leads', 10, async () => (a.elector.isLeader() ? true : undefined));
    b.elector.start();
    const before = (await stored(name)).metadata.resourceVersion;
    const since = Date.now();
    kube.setFault({
      kind: 'loseAnswer',
      how: 'gatewayTimeout',
      times: 1,
      match: { user: A.username, resource: 'leases', verbs: ['update'] },
    });
    await watchLeaders(leaders, () => new Promise((r) => setTimeout(r, 1500)));
    const verbs = leaseRequests(name, A.username, since).map((r) => `${r.verb} ${r.status}`);
    expect(verbs.slice(0, 4)).toEqual(['update 504', 'update 409', 'get 200', 'update 200']);
    expect(leaders()).toEqual(['orders-jm-a']);
    expect(Number((await stored(name)).metadata.resourceVersion)).toBeGreaterThan(Number(before));
  }, 30_000);

  it('stop(): the leader releases the Lease (holder cleared) and the other takes over at its next try', async () => {
    const { a, b, name, leaders } = await twoSidecars();
    a.elector.start();
    await until('a leads', 10, async () => (a.elector.isLeader() ? true : undefined));
    b.elector.start();
    await new Promise((r) => setTimeout(r, 1000));
    const { result: took } = await watchLeaders(leaders, async () => {
      const stopped = Date.now();
      await a.elector.stop();
      expect(a.elector.isLeader()).toBe(false);
      await until('b leads', 5, async () => (b.elector.isLeader() ? true : undefined));
      return Date.now() - stopped;
    });
    // At its next poll (0.5–0.55 s), not after the lease duration (2 s).
    expect(took).toBeLessThan(1200);
    expect((await stored(name)).spec.holderIdentity).toBe('orders-jm-b');
  }, 30_000);
});
