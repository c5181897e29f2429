/**
 * The gateway end to end with two jobs: each call reaches its own job's sidecar (found in the Kubernetes
 * double by the JobManager pod's labels, at the pod IP and its `autoscaler` port), the caller's headers go
 * along and the sidecar alone decides (TokenReview, SubjectAccessReview); a job without a running sidecar
 * gets a 503 that says why.
 */
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namespaceList } from '../../sidecar/src/cli/gateway.js';
import { createGatewayApp } from '../../sidecar/src/gateway/server.js';
import type { ManualScaleRequest, ManualScaleResult, SidecarApi } from '../../sidecar/src/http/contract.js';
import { listen, type RunningServer } from '../../sidecar/src/http/listen.js';
import { createSidecarApp } from '../../sidecar/src/http/server.js';
import { SidecarMetrics } from '../../sidecar/src/metrics/exporter.js';
import { serviceAccount, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';
import { jobManagerPod } from '../fixtures/admission.js';
import { connectKube, kubeClient } from '../fixtures/kube-connect.js';
import { scalerRule, sidecarRules } from '../fixtures/rbac.js';

const NS = 'streaming';
const SA = serviceAccount(NS, 'flink', 'sidecar-token');
const GATEWAY = serviceAccount('flink-autoscaler', 'gateway', 'gateway-token');
const ALICE = { token: 'alice-token', username: 'alice', groups: ['flink-operators'] };
const BOB = { token: 'bob-token', username: 'bob' };

class JobApi implements SidecarApi {
  calls: ManualScaleRequest[] = [];
  constructor(
    readonly name: string,
    public workers: number,
  ) {}
  status() {
    return { namespace: NS, name: this.name, workers: this.workers };
  }
  ready() {
    return { ready: true, reason: 'ok' };
  }
  bounds() {
    return { min: 1, max: 50 };
  }
  maxHoldSeconds() {
    return 3600;
  }
  async manualScale(request: ManualScaleRequest): Promise<ManualScaleResult> {
    this.calls.push(request);
    const result = { from: this.workers, to: request.replicas, holdUntil: 0, dryRun: request.dryRun };
    if (!request.dryRun) this.workers = request.replicas;
    return result;
  }
  async metrics() {
    return '';
  }
}

let kube: KubeDouble;
let gateway: RunningServer;
const servers: RunningServer[] = [];
const jobs: Record<string, JobApi> = {};

/** A JobManager pod with the sidecar container (as injected), running at `ip`. */
function runningJobManager(name: string, ip: string, port: number, sidecar = true) {
  const pod = jobManagerPod(name) as { metadata: Record<string, unknown>; spec: { containers: unknown[] } };
  pod.metadata = { ...pod.metadata, name: `${name}-jm`, namespace: NS };
  if (sidecar) {
    pod.spec.containers.push({
      name: 'flink-autoscaler',
      image: 'x',
      ports: [{ name: 'autoscaler', containerPort: port }],
    });
  }
  kube.pods.put(pod as never);
  kube.pods.markRunning(NS, `${name}-jm`, { podIP: ip });
}

beforeAll(async () => {
  kube = await startKubeDouble({
    namespace: NS,
    users: [SA, GATEWAY, ALICE, BOB],
    rules: [
      ...sidecarRules(NS, SA.username),
      scalerRule(NS, 'flink-operators'),
      {
        name: 'gateway-pods',
        users: [GATEWAY.username],
        verbs: ['get', 'list', 'watch'],
        apiGroups: [''],
        resources: ['pods'],
      },
    ],
  });
  const kubeconfig = kube.kubeconfig({ token: SA.token }, { namespace: NS });
  for (const [name, ip, workers] of [
    ['clickstream', '127.0.0.2', 4],
    ['orders', '127.0.0.3', 9],
  ] as const) {
    jobs[name] = new JobApi(name, workers);
    const app = createSidecarApp({
      api: jobs[name],
      kube: await kubeClient(kubeconfig, { namespace: NS, name }),
      metrics: new SidecarMetrics({ namespace: NS, flinkdeployment: name }),
      log: () => undefined,
    });
    const server = await listen(createServer(app), ip, 0);
    servers.push(server);
    runningJobManager(name, ip, Number(new URL(server.url).port));
  }
  runningJobManager('payments', '127.0.0.4', 9877, false);
  const connection = await connectKube(kube.kubeconfig({ token: GATEWAY.token }, { namespace: NS }));
  gateway = await listen(createServer(createGatewayApp({ connection, sidecarPort: 9877 })), '127.0.0.1', 0);
});

afterAll(async () => {
  await Promise.all([gateway?.close(), ...servers.map((s) => s.close())]);
  await kube?.close();
});

const path = (name: string, what: string, ns = NS) =>
  `${gateway.url}/api/v1/namespaces/${ns}/flinkdeployments/${name}/${what}`;

async function scale(name: string, token: string | undefined, body: unknown) {
  const res = await fetch(path(name, 'scale'), {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-Grafana-User': 'alice@example.com',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as { to?: number; error?: { reason: string; message: string } },
  };
}

describe('the gateway', () => {
  it('reads each job’s status from its own sidecar', async () => {
    const a = (await (await fetch(path('clickstream', 'status'))).json()) as {
      name: string;
      workers: number;
    };
    const b = (await (await fetch(path('orders', 'status'))).json()) as { name: string; workers: number };
    expect([a.name, a.workers, b.name, b.workers]).toEqual(['clickstream', 4, 'orders', 9]);
  });

  it('scales the job named in the path, as the caller, and only that job', async () => {
    const answer = await scale('orders', ALICE.token, {
      replicas: 12,
      reason: 'launch day',
      holdSeconds: 600,
    });
    expect(answer).toMatchObject({ status: 200, body: { to: 12 } });
    expect(jobs.orders?.calls.map((c) => [c.replicas, c.user])).toEqual([[12, 'alice']]);
    expect(jobs.clickstream?.calls).toEqual([]);
  });

  it('passes the caller’s headers on, so the sidecar refuses whom it must', async () => {
    const anonymous = await scale('clickstream', undefined, { replicas: 5, reason: 'x', holdSeconds: 60 });
    expect(anonymous.status).toBe(401);
    const bob = await scale('clickstream', BOB.token, { replicas: 5, reason: 'x', holdSeconds: 60 });
    expect(bob.status).toBe(403);
    expect(bob.body.error?.message).toMatch(/update on flinkdeployments\/scale/);
    expect(jobs.clickstream?.calls).toEqual([]);
  });

  it('answers 503 saying why when a job has no sidecar to reach', async () => {
    const none = await fetch(path('nosuchjob', 'status'));
    expect(none.status).toBe(503);
    expect(((await none.json()) as { error: { message: string } }).error.message).toMatch(
      /has no running JobManager pod/,
    );
    const noSidecar = await fetch(path('payments', 'status'));
    expect(noSidecar.status).toBe(503);
    expect(((await noSidecar.json()) as { error: { reason: string; message: string } }).error).toMatchObject({
      reason: 'no-sidecar',
      message: expect.stringMatching(/flink-autoscaler.io\/inject/),
    });
    runningJobManager('ghost', '127.0.0.5', 1, true); // nothing listens there
    const unreachable = await fetch(path('ghost', 'status'));
    expect(unreachable.status).toBe(503);
    expect(((await unreachable.json()) as { error: { reason: string } }).error.reason).toBe(
      'sidecar-unreachable',
    );
  });

  it('with --namespaces, serves those namespaces only and forwards nothing else', async () => {
    const connection = await connectKube(kube.kubeconfig({ token: GATEWAY.token }, { namespace: NS }));
    const namespaces = namespaceList(` ${NS},analytics,`);
    expect([...namespaces]).toEqual([NS, 'analytics']);
    const scoped = await listen(
      createServer(createGatewayApp({ connection, sidecarPort: 9877, namespaces })),
      '127.0.0.1',
      0,
    );
    const at = (ns: string, what: string) =>
      `${scoped.url}/api/v1/namespaces/${ns}/flinkdeployments/orders/${what}`;
    try {
      expect((await fetch(at(NS, 'status'))).status).toBe(200);
      const calls = jobs.orders?.calls.length;
      for (const answer of [
        await fetch(at('elsewhere', 'status')),
        await fetch(at('elsewhere', 'scale'), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ALICE.token}` },
          body: JSON.stringify({ replicas: 3, reason: 'x' }),
        }),
      ]) {
        expect(answer.status).toBe(404);
        expect(((await answer.json()) as { error: unknown }).error).toMatchObject({
          reason: 'namespace-not-served',
          message: `this gateway serves FlinkDeployments in ${NS}, analytics only (--namespaces), not in elsewhere`,
        });
      }
      expect(jobs.orders?.calls.length).toBe(calls);
    } finally {
      await scoped.close();
      connection.close();
    }
  });

  it('reads --namespaces as a comma-separated list of namespaces', () => {
    expect([...namespaceList('')]).toEqual([]);
    expect([...namespaceList('a, b-2 ,a')]).toEqual(['a', 'b-2']);
    expect(() => namespaceList('flink-jobs,Bad_NS,x.y')).toThrow(
      '--namespaces must list Kubernetes namespaces, comma-separated; not: Bad_NS, x.y',
    );
  });

  it('refuses names that are not Kubernetes names, and wrong methods', async () => {
    expect((await fetch(path('Bad_Name', 'status'))).status).toBe(400);
    expect((await fetch(path('orders', 'scale'))).status).toBe(405);
  });
});
