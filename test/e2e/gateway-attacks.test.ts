/**
 * Issue 11's attacks on the manual-scale path, each played against the real gateway and the Kubernetes
 * double: a look-alike JobManager pod (it must receive nothing: no token, no request; its redirect and its
 * huge answer are never followed nor read), a forged X-Grafana-User from a caller that may not speak for
 * people, a direct call without Grafana's credential, a person without the right while Grafana's own
 * account has it, and 200 junk requests (the reviews they cost are bounded).
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../../sidecar/src/http/listen.js';
import {
  apiServerAudience,
  flinkDeployment,
  serviceAccount,
  startKubeDouble,
  type KubeDouble,
} from '../doubles/kube/index.js';
import { jobManagerPod } from '../fixtures/admission.js';
import {
  asserterRule,
  GATEWAY_AUDIENCE,
  GATEWAY_SA,
  gatewayRules,
  GRAFANA_SA,
  personScaler,
  reviewCounts,
  startGateway,
  type StartedGateway,
} from '../fixtures/gateway.js';
import { startGrafanaSigner, type GrafanaSigner } from '../fixtures/grafana-id.js';

const NS = 'streaming';
/** A CI job's account: may scale in NS itself, has a token for the gateway, may not speak for people. */
const DEPLOYER = serviceAccount(NS, 'deployer', 'deployer-token', {
  audiences: [GATEWAY_AUDIENCE, apiServerAudience],
});

let kube: KubeDouble;
let signer: GrafanaSigner;
let gateway: StartedGateway | undefined;
const extra: RunningServer[] = [];

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** A server that records what reaches it and answers with `answer`. */
async function recorder(
  host: string,
  answer: (res: ServerResponse) => void,
): Promise<{ server: RunningServer; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = await listen(
    createServer((req, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      answer(res);
    }),
    host,
    0,
  );
  extra.push(server);
  return { server, seen };
}

beforeAll(async () => {
  signer = await startGrafanaSigner();
  kube = await startKubeDouble({
    namespace: NS,
    users: [GATEWAY_SA, GRAFANA_SA, DEPLOYER],
    rules: [
      ...gatewayRules([NS]),
      asserterRule(),
      // Grafana's own account may scale too (as the old chart granted): the person must still be checked.
      personScaler(NS, { users: [GRAFANA_SA.username, DEPLOYER.username, 'grafana:alice'] }),
    ],
  });
  for (const [name, replicas] of [
    ['orders', 4],
    ['payments', 3],
  ] as const) {
    kube.flinkDeployments.put(flinkDeployment({ name, namespace: NS, replicas }));
    kube.flinkDeployments.reconcile(NS, name);
  }
}, 60_000);

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

afterAll(async () => {
  await Promise.all(extra.map((s) => s.close()));
  await signer?.close();
  await kube?.close();
});

const base = (name: string) => `${gateway?.url}/api/v1/namespaces/${NS}/flinkdeployments/${name}`;

/** Grafana's server-side call for a signed-in user: its token, the person's ID token and login. */
async function asGrafana(login: string): Promise<Record<string, string>> {
  return {
    Authorization: `Bearer ${GRAFANA_SA.token}`,
    'X-Grafana-Id': await signer.sign({ login }),
    'X-Grafana-User': login,
  };
}

function post(url: string, headers: Record<string, string>, body: unknown) {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function errorOf(res: Response): Promise<{ status: number; reason: string; message: string }> {
  return ((await res.json()) as { error: { status: number; reason: string; message: string } }).error;
}

const grafanaOptions = () => ({ grafanaJwksUrl: signer.jwksUrl, grafanaIssuer: signer.issuer });

describe('attacks on manual scaling', () => {
  it('a look-alike JobManager pod receives nothing: no token, no request; its redirect and huge answer are never touched', async () => {
    // What the look-alike redirects to: an internal URL the gateway must never fetch.
    const internal = await recorder('127.0.0.8', (res) => res.writeHead(200).end('internal'));
    const lookalike = await recorder('127.0.0.7', (res) => {
      res.writeHead(302, { Location: `${internal.server.url}/admin` }).end();
    });
    const pod = jobManagerPod('payments') as {
      metadata: Record<string, unknown>;
      spec: { containers: unknown[] };
    };
    pod.metadata = { ...pod.metadata, name: 'payments-lookalike', namespace: NS };
    pod.spec.containers.push({
      name: 'flink-autoscaler',
      image: 'attacker',
      ports: [{ name: 'autoscaler', containerPort: Number(new URL(lookalike.server.url).port) }],
    });
    kube.pods.put(pod as never);
    kube.pods.markRunning(NS, 'payments-lookalike', { podIP: '127.0.0.7' });
    gateway = await startGateway(kube, grafanaOptions());

    const scaled = await post(`${base('payments')}/scale`, await asGrafana('alice'), {
      replicas: 5,
      reason: 'load test',
    });
    const status = await fetch(`${base('payments')}/status`, { headers: await asGrafana('alice') });
    expect(lookalike.seen).toEqual([]);
    expect(internal.seen).toEqual([]);
    expect(scaled.status).toBe(200);
    expect(status.status).toBe(200);
    expect(kube.flinkDeployments.get(NS, 'payments')?.spec.taskManager?.replicas).toBe(5);
    // The gateway never asked the API server about pods at all.
    expect(kube.requests().filter((r) => r.user === GATEWAY_SA.username && r.resource === 'pods')).toEqual(
      [],
    );
  });

  it('a forged X-Grafana-User from a caller that may not speak for people is refused, even trusted', async () => {
    gateway = await startGateway(kube, { ...grafanaOptions(), trustGrafanaUserHeader: true });
    const before = kube.flinkDeployments.get(NS, 'orders')?.spec.taskManager?.replicas;
    const forged = await post(
      `${base('orders')}/scale`,
      { Authorization: `Bearer ${DEPLOYER.token}`, 'X-Grafana-User': 'alice' },
      { replicas: 7, reason: 'forged' },
    );
    expect(forged.status).toBe(403);
    const error = await errorOf(forged);
    expect(error.reason).toBe('forbidden');
    expect(error.message).toContain('assert');
    expect(error.message).toContain('people');
    const anonymous = await post(
      `${base('orders')}/scale`,
      { 'X-Grafana-User': 'alice' },
      { replicas: 7, reason: 'forged' },
    );
    expect(anonymous.status).toBe(401);
    expect(kube.flinkDeployments.get(NS, 'orders')?.spec.taskManager?.replicas).toBe(before);
  });

  it('a direct call without Grafana’s credential is refused (401) on every route', async () => {
    gateway = await startGateway(kube, grafanaOptions());
    const idOnly = { 'X-Grafana-Id': await signer.sign({ login: 'alice' }) };
    const answers = [
      await fetch(`${base('orders')}/status`),
      await fetch(`${base('orders')}/scale/access`, { headers: idOnly }),
      await post(`${base('orders')}/scale`, idOnly, { replicas: 6, reason: 'no credential' }),
      await post(
        `${base('orders')}/scale`,
        { Authorization: 'Bearer not-a-token' },
        { replicas: 6, reason: 'junk token' },
      ),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(401);
      expect((await errorOf(answer)).reason).toBe('unauthenticated');
    }
  });

  it('a person without the right gets 403 naming the permission, though Grafana’s own account has it', async () => {
    gateway = await startGateway(kube, grafanaOptions());
    const before = kube.flinkDeployments.get(NS, 'orders')?.spec.taskManager?.replicas;
    const answer = await post(`${base('orders')}/scale`, await asGrafana('bob'), {
      replicas: 8,
      reason: 'I am not allowed',
    });
    expect(answer.status).toBe(403);
    const error = (await answer.json()) as { error: { reason: string; message: string; permission: string } };
    expect(error.error.reason).toBe('forbidden');
    expect(error.error.permission).toBe(`update flinkdeployments/scale (flink.apache.org) on ${NS}/orders`);
    expect(error.error.message).toContain('grafana:bob');
    expect(kube.flinkDeployments.get(NS, 'orders')?.spec.taskManager?.replicas).toBe(before);
  });

  it('200 junk requests cost no review; 200 junk tokens cost at most the rate limit; one denied person costs one of each', async () => {
    gateway = await startGateway(kube, { ...grafanaOptions(), requestsPerMinute: 60 });
    const headers = await asGrafana('alice');
    let before = reviewCounts(kube);
    const junkBodies = await Promise.all(
      Array.from({ length: 200 }, (_, i) => post(`${base('orders')}/scale`, headers, `{"replicas": "x${i}"`)),
    );
    expect(reviewCounts(kube)).toEqual(before);
    expect(new Set(junkBodies.map((r) => r.status))).toEqual(new Set([422, 429]));
    await gateway.close();

    gateway = await startGateway(kube, { ...grafanaOptions(), requestsPerMinute: 20 });
    before = reviewCounts(kube);
    const junkTokens = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        post(
          `${base('orders')}/scale`,
          { Authorization: `Bearer junk-${i}` },
          { replicas: 6, reason: 'junk' },
        ),
      ),
    );
    const statuses = junkTokens.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(20);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(180);
    const after = reviewCounts(kube);
    expect(after.tokenReviews - before.tokenReviews).toBeLessThanOrEqual(20);
    expect(after.accessReviews - before.accessReviews).toBe(0);
    await gateway.close();

    gateway = await startGateway(kube, { ...grafanaOptions(), requestsPerMinute: 1000 });
    before = reviewCounts(kube);
    const bob = await asGrafana('bob');
    const denied = await Promise.all(
      Array.from({ length: 200 }, () => post(`${base('orders')}/scale`, bob, { replicas: 6, reason: 'x' })),
    );
    expect(new Set(denied.map((r) => r.status))).toEqual(new Set([403]));
    const spent = reviewCounts(kube);
    // One TokenReview for Grafana's token, one SubjectAccessReview that it may speak for bob, one for bob.
    expect(spent.tokenReviews - before.tokenReviews).toBe(1);
    expect(spent.accessReviews - before.accessReviews).toBe(2);
  });
});
