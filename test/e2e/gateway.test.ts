/**
 * The gateway end to end against the Kubernetes double, called as Grafana's server calls it (its token for
 * the gateway's audience, the person's signed ID token): a scale is ONE merge patch of the FlinkDeployment
 * (resourceVersion, replicas and the hold annotation) and an Event naming the person; the policy's bounds,
 * a rescale in progress and a concurrent writer are honoured, `paused` is reported; the access check and
 * the status are read-only; --namespaces, names and methods are checked before anything else.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { namespaceList } from '../../sidecar/src/cli/gateway.js';
import { policyFromFlags } from '../../sidecar/src/cli/policy-flags.js';
import { HOLD_ANNOTATION, PAUSED_ANNOTATION, parseHold } from '../../sidecar/src/kube/manual-hold.js';
import {
  apiServerAudience,
  flinkDeployment,
  serviceAccount,
  startKubeDouble,
  type KubeDouble,
} from '../doubles/kube/index.js';
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
/** A script's account that may scale in NS by its own rights (no person named). */
const DEPLOYER = serviceAccount(NS, 'deployer', 'deployer-token', { audiences: [GATEWAY_AUDIENCE] });
/** A token for the API server only: not for the gateway. */
const API_ONLY = serviceAccount(NS, 'api-only', 'api-only-token', { audiences: [apiServerAudience] });

let kube: KubeDouble;
let signer: GrafanaSigner;
let gateway: StartedGateway;

beforeAll(async () => {
  signer = await startGrafanaSigner();
  kube = await startKubeDouble({
    namespace: NS,
    users: [GATEWAY_SA, GRAFANA_SA, DEPLOYER, API_ONLY],
    rules: [
      ...gatewayRules([NS]),
      asserterRule(),
      personScaler(NS, { users: ['grafana:alice', DEPLOYER.username] }),
    ],
  });
  gateway = await startGateway(kube, { grafanaJwksUrl: signer.jwksUrl, grafanaIssuer: signer.issuer });
}, 60_000);

afterEach(() => kube.clearFaults());

afterAll(async () => {
  await gateway?.close();
  await signer?.close();
  await kube?.close();
});

/** A FlinkDeployment as the operator leaves it after reconciling. */
function job(name: string, replicas: number, annotations?: Record<string, string>) {
  kube.flinkDeployments.delete(NS, name);
  kube.flinkDeployments.put(
    flinkDeployment({ name, namespace: NS, replicas, ...(annotations ? { annotations } : {}) }),
  );
  return kube.flinkDeployments.reconcile(NS, name);
}

const url = (name: string, what: string, ns = NS, at = gateway.url) =>
  `${at}/api/v1/namespaces/${ns}/flinkdeployments/${name}/${what}`;

async function asGrafana(login: string): Promise<Record<string, string>> {
  return { Authorization: `Bearer ${GRAFANA_SA.token}`, 'X-Grafana-Id': await signer.sign({ login }) };
}

/** POST …/scale, to the shared gateway or to the one at `at`. */
async function scale(name: string, headers: Record<string, string>, body: unknown, at = gateway.url) {
  const res = await fetch(url(name, 'scale', NS, at), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown> & { error?: Record<string, string> },
  };
}

const replicasOf = (name: string) => kube.flinkDeployments.get(NS, name)?.spec.taskManager?.replicas;
const patchesOf = (name: string) =>
  kube.requests().filter((r) => r.verb === 'patch' && r.resource === 'flinkdeployments' && r.name === name);
const readsOf = (name: string) =>
  kube.requests().filter((r) => r.verb === 'get' && r.resource === 'flinkdeployments' && r.name === name)
    .length;

describe('POST …/scale', () => {
  it('writes the replicas and the hold in one patch with the resourceVersion, then an Event naming the person', async () => {
    const before = job('orders', 4);
    const answer = await scale('orders', await asGrafana('alice'), {
      replicas: 6,
      reason: 'launch day',
      holdSeconds: 600,
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ from: 4, to: 6, by: 'grafana:alice', dryRun: false, paused: false });
    const holdUntil = Date.parse(String(answer.body['holdUntil']));
    expect(holdUntil - Date.now()).toBeGreaterThan(590_000);
    expect(holdUntil - Date.now()).toBeLessThanOrEqual(600_000);

    const patches = patchesOf('orders');
    expect(patches).toHaveLength(1);
    const patch = JSON.parse(patches[0]?.body ?? '{}') as {
      metadata: { resourceVersion: string; annotations: Record<string, string> };
      spec: { taskManager: { replicas: number } };
    };
    expect(patches[0]?.user).toBe(GATEWAY_SA.username);
    expect(patches[0]?.contentType).toBe('application/merge-patch+json');
    expect(patch.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(patch.spec.taskManager.replicas).toBe(6);
    const written = kube.flinkDeployments.get(NS, 'orders');
    expect(written?.spec.taskManager?.replicas).toBe(6);
    const hold = parseHold(written?.metadata.annotations?.[HOLD_ANNOTATION] ?? '');
    expect(hold).toMatchObject({
      ok: true,
      hold: {
        replicas: 6,
        from: 4,
        by: 'grafana:alice',
        reason: 'launch day',
        until: answer.body['holdUntil'],
      },
    });
    expect(patch.metadata.annotations[HOLD_ANNOTATION]).toBe(
      written?.metadata.annotations?.[HOLD_ANNOTATION],
    );

    const event = kube
      .events(NS)
      .find((e) => e.involvedObject.name === 'orders' && e.reason === 'ManualScale');
    expect(event?.involvedObject.kind).toBe('FlinkDeployment');
    expect(event?.message).toContain('grafana:alice');
    expect(event?.message).toContain('from 4 to 6');
    expect(event?.message).toContain('launch day');
  });

  it('a dry run checks everything and writes nothing', async () => {
    job('dry', 4);
    const answer = await scale('dry', await asGrafana('alice'), {
      replicas: 5,
      reason: 'what if',
      dryRun: true,
    });
    expect(answer).toMatchObject({ status: 200, body: { from: 4, to: 5, dryRun: true } });
    expect(patchesOf('dry')).toEqual([]);
    expect(replicasOf('dry')).toBe(4);
  });

  it('keeps to the policy’s bounds from the job’s annotations', async () => {
    job('bounded', 4, { 'flink-autoscaler.io/max-workers': '8', 'flink-autoscaler.io/min-workers': '2' });
    for (const replicas of [9, 1]) {
      const answer = await scale('bounded', await asGrafana('alice'), { replicas, reason: 'too far' });
      expect(answer.status).toBe(422);
      expect(answer.body.error).toMatchObject({ reason: 'out-of-bounds' });
      expect(answer.body.error?.['message']).toContain('from 2 to 8');
    }
    expect(replicasOf('bounded')).toBe(4);
    expect((await scale('bounded', await asGrafana('alice'), { replicas: 8, reason: 'max' })).status).toBe(
      200,
    );
  });

  it('takes its bounds from the policy flags the sidecar runs with (--max-workers 200); an annotation narrows them', async () => {
    job('wide', 100);
    // The defaults (maxWorkers 100) are not what the sidecar runs with when the chart sets policy.maxWorkers.
    expect((await scale('wide', await asGrafana('alice'), { replicas: 150, reason: 'x' })).status).toBe(422);
    const wide = await startGateway(kube, {
      grafanaJwksUrl: signer.jwksUrl,
      policy: policyFromFlags({ maxWorkers: '200' }),
    });
    try {
      const scaleAt = async (name: string, replicas: number) =>
        scale(name, await asGrafana('alice'), { replicas, reason: 'peak' }, wide.url);
      expect((await scaleAt('wide', 150)).status).toBe(200);
      expect(replicasOf('wide')).toBe(150);
      job('narrowed', 100, { 'flink-autoscaler.io/max-workers': '120' });
      const narrowed = await scaleAt('narrowed', 150);
      expect(narrowed.status).toBe(422);
      expect(narrowed.body.error?.['message']).toContain('from 1 to 120');
      expect(replicasOf('narrowed')).toBe(100);
      expect((await scaleAt('narrowed', 120)).status).toBe(200);
    } finally {
      await wide.close();
    }
  });

  it('refuses while the autoscaler’s own rescale is in progress (409)', async () => {
    const state = { version: 1, rescale: { time: Date.now() - 5000, from: 2, to: 4 }, history: [] };
    job('busy', 4, { 'flink-autoscaler.io/state': JSON.stringify(state) });
    const answer = await scale('busy', await asGrafana('alice'), { replicas: 6, reason: 'now' });
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({ reason: 'conflict' });
    expect(answer.body.error?.['message']).toContain('from 2 to 4');
    expect(patchesOf('busy')).toEqual([]);
  });

  it('scales a paused job and says it stays paused', async () => {
    job('paused', 3, { [PAUSED_ANNOTATION]: 'true' });
    const answer = await scale('paused', await asGrafana('alice'), { replicas: 5, reason: 'by hand' });
    expect(answer).toMatchObject({ status: 200, body: { to: 5, paused: true } });
    const event = kube
      .events(NS)
      .find((e) => e.involvedObject.name === 'paused' && e.reason === 'ManualScale');
    expect(event?.message).toContain('paused');
  });

  it('re-reads once after a conflicting write and retries; a second conflict is the caller’s 409', async () => {
    job('raced', 4);
    kube.setFault({ kind: 'conflict', times: 1, match: { resource: 'flinkdeployments', name: 'raced' } });
    const once = await scale('raced', await asGrafana('alice'), { replicas: 5, reason: 'race' });
    expect(once.status).toBe(200);
    expect(patchesOf('raced')).toHaveLength(2);
    expect(replicasOf('raced')).toBe(5);

    kube.setFault({ kind: 'conflict', times: 2, match: { resource: 'flinkdeployments', name: 'raced' } });
    const twice = await scale('raced', await asGrafana('alice'), { replicas: 6, reason: 'race again' });
    expect(twice.status).toBe(409);
    expect(twice.body.error).toMatchObject({ reason: 'conflict' });
    expect(replicasOf('raced')).toBe(5);
  });

  it('reads back a write whose answer was lost (5xx): found not written, it is a 503 saying to check', async () => {
    job('lost', 2);
    kube.setFault({
      kind: 'internalError',
      times: 1,
      match: { verbs: ['patch'], resource: 'flinkdeployments', name: 'lost' },
    });
    const before = readsOf('lost');
    const answer = await scale('lost', await asGrafana('alice'), { replicas: 3, reason: 'lost answer' });
    expect(answer.status).toBe(503);
    expect(answer.body.error?.['message']).toContain('read the FlinkDeployment before trying again');
    expect(readsOf('lost') - before).toBe(2); // the judgement, and the read-back that found no hold
    expect(replicasOf('lost')).toBe(2);
  });

  it.each(['reset', 'gatewayTimeout'] as const)(
    'reads back a write committed whose answer was lost (%s): 200, the hold and replicas there, one Event, no second write',
    async (how) => {
      const name = `committed-${how.toLowerCase()}`;
      job(name, 2);
      kube.setFault({
        kind: 'loseAnswer',
        how,
        match: { verbs: ['patch'], resource: 'flinkdeployments', name },
      });
      const answer = await scale(name, await asGrafana('alice'), { replicas: 3, reason: 'answer lost' });
      expect(answer).toMatchObject({
        status: 200,
        body: { from: 2, to: 3, by: 'grafana:alice', dryRun: false },
      });
      expect(readsOf(name)).toBe(2); // the judgement, and the read-back that found the hold
      expect(patchesOf(name)).toHaveLength(1);
      const written = kube.flinkDeployments.get(NS, name);
      expect(written?.spec.taskManager?.replicas).toBe(3);
      expect(parseHold(written?.metadata.annotations?.[HOLD_ANNOTATION] ?? '')).toMatchObject({
        ok: true,
        hold: {
          replicas: 3,
          from: 2,
          by: 'grafana:alice',
          reason: 'answer lost',
          until: answer.body['holdUntil'],
        },
      });
      const events = kube
        .events(NS)
        .filter((e) => e.involvedObject.name === name && e.reason === 'ManualScale');
      expect(events).toHaveLength(1);
      expect(events[0]?.message).toContain('from 2 to 3');
    },
  );

  it('a caller that names no person is checked itself: a script with its own right scales', async () => {
    job('scripted', 2);
    const answer = await scale(
      'scripted',
      { Authorization: `Bearer ${DEPLOYER.token}` },
      { replicas: 3, reason: 'ci' },
    );
    expect(answer).toMatchObject({ status: 200, body: { by: DEPLOYER.username, to: 3 } });
    const grafanaItself = await scale(
      'scripted',
      { Authorization: `Bearer ${GRAFANA_SA.token}` },
      {
        replicas: 4,
        reason: 'no person',
      },
    );
    expect(grafanaItself.status).toBe(403);
  });

  it('refuses a token that is not for the gateway’s audience (401), and answers 404 for a missing job', async () => {
    const wrongAudience = await scale(
      'orders',
      { Authorization: `Bearer ${API_ONLY.token}` },
      { replicas: 3, reason: 'x' },
    );
    expect(wrongAudience.status).toBe(401);
    expect(wrongAudience.body.error?.['message']).toContain(GATEWAY_AUDIENCE);
    const missing = await scale('nosuchjob', await asGrafana('alice'), { replicas: 3, reason: 'x' });
    expect(missing.status).toBe(404);
  });

  it('checks the body before any review: 422 naming the field, 413 beyond 4 KiB', async () => {
    const before = reviewCounts(kube);
    const bad = await scale('orders', await asGrafana('alice'), { replicas: 2.5, reason: '' });
    expect(bad.status).toBe(422);
    expect(bad.body.error?.['message']).toMatch(/replicas must be .*; reason must be/);
    const huge = await scale('orders', await asGrafana('alice'), { replicas: 2, reason: 'x'.repeat(5000) });
    expect(huge.status).toBe(413);
    const hold = await scale('orders', await asGrafana('alice'), {
      replicas: 2,
      reason: 'x',
      holdSeconds: 86_401,
    });
    expect(hold.status).toBe(422);
    expect(reviewCounts(kube)).toEqual(before);
  });

  it('fails closed when the API server cannot review (503, nothing written)', async () => {
    job('closed', 2);
    const fresh = await startGateway(kube, { grafanaJwksUrl: signer.jwksUrl });
    try {
      kube.setFault({ kind: 'internalError', times: Infinity, match: { resource: 'tokenreviews' } });
      const res = await scale('closed', await asGrafana('alice'), { replicas: 3, reason: 'x' }, fresh.url);
      expect(res.status).toBe(503);
      expect(res.body.error?.['reason']).toBe('kubernetes-unavailable');
      expect(replicasOf('closed')).toBe(2);
    } finally {
      await fresh.close();
    }
  });
});

describe('GET …/scale/access and …/status', () => {
  it('says whether the person may scale, naming the permission, and writes nothing', async () => {
    job('orders', 4);
    const count = patchesOf('orders').length;
    const alice = await fetch(url('orders', 'scale/access'), { headers: await asGrafana('alice') });
    expect(await alice.json()).toEqual({
      allowed: true,
      user: 'grafana:alice',
      reason: expect.any(String),
      permission: `update flinkdeployments/scale (flink.apache.org) on ${NS}/orders`,
    });
    const bob = (await (
      await fetch(url('orders', 'scale/access'), { headers: await asGrafana('bob') })
    ).json()) as {
      allowed: boolean;
      reason: string;
    };
    expect(bob.allowed).toBe(false);
    expect(bob.reason).toContain('grafana:bob may not scale');
    expect(patchesOf('orders')).toHaveLength(count);
  });

  it('reads the status from the FlinkDeployment', async () => {
    job('shown', 3, { [PAUSED_ANNOTATION]: 'true' });
    await scale('shown', await asGrafana('alice'), { replicas: 4, reason: 'show me' });
    const res = await fetch(url('shown', 'status'), {
      headers: { Authorization: `Bearer ${GRAFANA_SA.token}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      replicas: 4,
      mode: 'advisor',
      paused: true,
      hold: { replicas: 4, from: 3, by: 'grafana:alice', reason: 'show me' },
      lifecycleState: 'STABLE',
      jobState: 'RUNNING',
      lastScalings: [],
    });
  });
});

describe('paths', () => {
  it('with --namespaces, serves those namespaces only, before any review', async () => {
    const namespaces = namespaceList(` ${NS},analytics,`);
    expect([...namespaces]).toEqual([NS, 'analytics']);
    const scoped = await startGateway(kube, { namespaces, grafanaJwksUrl: signer.jwksUrl });
    try {
      const before = reviewCounts(kube);
      for (const answer of [
        await fetch(url('orders', 'status', 'elsewhere', scoped.url), { headers: await asGrafana('alice') }),
        await fetch(url('orders', 'scale', 'elsewhere', scoped.url), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...(await asGrafana('alice')) },
          body: JSON.stringify({ replicas: 3, reason: 'x' }),
        }),
      ]) {
        expect(answer.status).toBe(404);
        expect(((await answer.json()) as { error: unknown }).error).toMatchObject({
          reason: 'namespace-not-served',
          message: `this gateway serves FlinkDeployments in ${NS}, analytics only (--namespaces), not in elsewhere`,
        });
      }
      expect(reviewCounts(kube)).toEqual(before);
    } finally {
      await scoped.close();
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
    expect((await fetch(url('Bad_Name', 'status'))).status).toBe(400);
    expect((await fetch(url('orders', 'scale'))).status).toBe(405);
    expect((await fetch(url('orders', 'scale/access'), { method: 'POST' })).status).toBe(405);
  });

  it('serves /healthz and /metrics with requests and reviews counted', async () => {
    expect(await (await fetch(`${gateway.url}/healthz`)).text()).toBe('ok\n');
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/flink_autoscaler_gateway_requests_total\{route="scale",code="200"\} \d+/);
    expect(metrics).toMatch(
      /flink_autoscaler_gateway_reviews_total\{kind="subjectaccessreview",outcome="allowed",cached="true"\} \d+/,
    );
  });
});

describe('limits and caches', () => {
  it('answers 429 beyond --max-concurrent-reviews, without queueing', async () => {
    const capped = await startGateway(kube, { maxConcurrentReviews: 2, requestsPerMinute: 1000 });
    try {
      kube.setFault({ kind: 'delay', ms: 800, times: Infinity, match: { resource: 'tokenreviews' } });
      const before = reviewCounts(kube);
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          fetch(url('orders', 'status', NS, capped.url), { headers: { Authorization: `Bearer slow-${i}` } }),
        ),
      );
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses).toEqual([401, 401, 429, 429, 429, 429, 429, 429, 429, 429]);
      expect(answers.find((r) => r.status === 429)?.headers.get('retry-after')).toBe('1');
      expect(reviewCounts(kube).tokenReviews - before.tokenReviews).toBe(2);
    } finally {
      kube.clearFaults();
      await capped.close();
    }
  });

  it('keeps review answers by SHA-256: a token 2 min, allowed 60 s, denied 10 s; no token in the log', async () => {
    let now = Date.now();
    const lines: string[] = [];
    const timed = await startGateway(kube, {
      grafanaJwksUrl: signer.jwksUrl,
      clock: () => now,
      requestsPerMinute: 1000,
      log: (level, msg, fields) => lines.push(JSON.stringify({ level, msg, ...fields })),
    });
    try {
      const alice = await asGrafana('alice');
      const bob = await asGrafana('bob');
      const ask = async (headers: Record<string, string>) =>
        (await fetch(url('orders', 'scale/access', NS, timed.url), { headers })).json();
      const spent = async (step: () => Promise<unknown>) => {
        const before = reviewCounts(kube);
        await step();
        const after = reviewCounts(kube);
        return [after.tokenReviews - before.tokenReviews, after.accessReviews - before.accessReviews];
      };
      expect(await spent(() => ask(alice))).toEqual([1, 2]);
      expect(await spent(() => ask(bob))).toEqual([0, 2]);
      now += 9_000;
      expect(await spent(() => ask(bob))).toEqual([0, 0]);
      now += 2_000; // 11 s: bob's denial is asked again, Grafana may still speak for him (allowed, 60 s)
      expect(await spent(() => ask(bob))).toEqual([0, 1]);
      now += 50_000; // 61 s: alice's allowed answers are gone, Grafana's token is still known (2 min)
      expect(await spent(() => ask(alice))).toEqual([0, 2]);
      now += 59_500; // 120.5 s: the token is reviewed again, alice's answers (from 61 s) are kept
      expect(await spent(() => ask(alice))).toEqual([1, 0]);
      const all = lines.join('\n');
      expect(all).toContain('grafana:alice');
      expect(all).not.toContain(GRAFANA_SA.token);
      expect(all).not.toContain(alice['X-Grafana-Id']);
    } finally {
      await timed.close();
    }
  });

  it('limits requests per caller IP before anything else, with Retry-After', async () => {
    const limited = await startGateway(kube, { requestsPerMinute: 3 });
    try {
      const before = reviewCounts(kube);
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 5; i += 1) {
        const res = await fetch(url('orders', 'status', NS, limited.url));
        statuses.push(res.status);
        if (res.status === 429) retryAfter = res.headers.get('retry-after');
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      expect(reviewCounts(kube)).toEqual(before);
    } finally {
      await limited.close();
    }
  });
});
