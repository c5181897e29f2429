/**
 * Query parameters and paths as the apiserver parses them: boolean values (anything but `0`/`false` is true),
 * the deprecated `/watch/` paths; and lists as etcd reads them: a continue token reads the first page's
 * snapshot until compaction takes it (410 with a fresh token), `resourceVersionMatch` validated and Exact
 * reads at an older version.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openWatch, request, type Answer } from './test-client.js';
import { flinkDeployment, runKubectl, startKubeDouble, type KubeDouble } from './index.js';

const ns = 'jobs';
const fds = `/apis/flink.apache.org/v1beta1/namespaces/${ns}/flinkdeployments`;

let double: KubeDouble;

beforeAll(async () => {
  double = await startKubeDouble({
    namespace: ns,
    compactionIntervalMs: 0,
    users: [
      { token: 'admin-token', username: 'admin', groups: ['system:masters'] },
      { token: 'lister-token', username: 'lister' },
    ],
    rules: [
      {
        name: 'lister',
        users: ['lister'],
        verbs: ['list'],
        apiGroups: ['flink.apache.org'],
        resources: ['flinkdeployments'],
      },
    ],
  });
  for (const name of ['a', 'b', 'c', 'd', 'e']) seed(name);
}, 60_000);

afterAll(async () => {
  await double?.close();
});

function seed(name: string, replicas = 2): string {
  return double.flinkDeployments.put(flinkDeployment({ name, namespace: ns, replicas })).metadata
    .resourceVersion as string;
}

const names = (answer: Answer) =>
  (answer.body['items'] as { metadata: { name: string } }[]).map((item) => item.metadata.name);
const listMeta = (answer: Answer) =>
  answer.body['metadata'] as { resourceVersion: string; continue?: string; remainingItemCount?: number };

describe('boolean query values', () => {
  it.each(['true', 'True', '1', 'yes', ''])('watch=%s is a watch', async (value) => {
    const stream = await openWatch<{ type: string }>(
      `${double.url}${fds}?watch=${value}&fieldSelector=metadata.name%3Da`,
    );
    await vi.waitFor(() => expect(stream.events.map((e) => e.type)).toEqual(['ADDED']));
    stream.close();
    expect(double.requests().at(-1)).toMatchObject({ verb: 'watch' });
  });

  it.each(['false', 'FALSE', '0'])('watch=%s is a list (and RBAC sees the verb list)', async (value) => {
    const answer = await request(double.url, `${fds}?watch=${value}`, { token: 'lister-token' });
    expect(answer.status).toBe(200);
    expect(answer.body['kind']).toBe('FlinkDeploymentList');
  });

  it('watch=True is authorized as the verb watch', async () => {
    const refused = await request(double.url, `${fds}?watch=True`, { token: 'lister-token' });
    expect(refused.status).toBe(403);
    expect(refused.body['message']).toContain('cannot watch resource "flinkdeployments"');
  });
});

describe('deprecated /watch/ paths', () => {
  it('/apis/{g}/{v}/watch/namespaces/{ns}/{plural}/{name} watches one object; the collection and all-namespaces paths work', async () => {
    const one = await openWatch<{ type: string; object: { metadata: { name: string } } }>(
      `${double.url}/apis/flink.apache.org/v1beta1/watch/namespaces/${ns}/flinkdeployments/b`,
    );
    const all = await openWatch<{ type: string; object: { metadata: { name: string } } }>(
      `${double.url}/apis/flink.apache.org/v1beta1/watch/flinkdeployments?resourceVersion=${double.resourceVersion()}`,
    );
    await vi.waitFor(() => expect(one.events.map((e) => e.object.metadata.name)).toEqual(['b']));
    seed('b', 3);
    seed('c', 3);
    await vi.waitFor(() =>
      expect(all.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
        'MODIFIED b',
        'MODIFIED c',
      ]),
    );
    await vi.waitFor(() =>
      expect(one.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED b', 'MODIFIED b']),
    );
    one.close();
    all.close();
    const recorded = double.requests().filter((r) => r.path.includes('/watch/'));
    expect(recorded.map((r) => [r.verb, r.name])).toEqual([
      ['watch', 'b'],
      ['watch', ''],
    ]);
  });

  it('core /api/v1/watch/namespaces/{ns}/events', async () => {
    const stream = await openWatch<{ type: string; object: { reason: string } }>(
      `${double.url}/api/v1/watch/namespaces/${ns}/events?resourceVersion=${double.resourceVersion()}`,
    );
    await request(double.url, `/api/v1/namespaces/${ns}/events`, {
      method: 'POST',
      body: {
        metadata: { name: 'e1' },
        involvedObject: { kind: 'FlinkDeployment', name: 'a', namespace: ns },
        reason: 'Seen',
      },
    });
    await vi.waitFor(() =>
      expect(stream.events.map((e) => `${e.type} ${e.object.reason}`)).toEqual(['ADDED Seen']),
    );
    stream.close();
  });

  it('kubectl get --watch-only over https sees a change', async () => {
    const kubectl = runKubectl(
      double.kubeconfig('admin'),
      ['get', 'flinkdeployments', '--watch-only', '--request-timeout=3s'],
      {
        home: double.dir,
        timeoutMs: 4000,
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    seed('d', 5);
    const result = await kubectl;
    expect(result.stdout).toMatch(/^d\s/m);
  });
});

describe('limit and continue', () => {
  it('the continue token reads the first page’s snapshot: later changes do not show, the version stays', async () => {
    const first = await request(double.url, `${fds}?limit=2`);
    expect(names(first)).toEqual(['a', 'b']);
    const { resourceVersion, continue: token, remainingItemCount } = listMeta(first);
    expect(remainingItemCount).toBe(3);
    double.flinkDeployments.delete(ns, 'c');
    seed('bb');
    const second = await request(double.url, `${fds}?limit=2&continue=${token ?? ''}`);
    expect(names(second)).toEqual(['c', 'd']);
    expect(listMeta(second).resourceVersion).toBe(resourceVersion);
    const third = await request(double.url, `${fds}?limit=2&continue=${listMeta(second).continue ?? ''}`);
    expect(names(third)).toEqual(['e']);
    expect(listMeta(third).continue).toBeUndefined();
    seed('c');
  });

  it('once compacted: 410 Expired with a fresh continue token that reads on at the latest version', async () => {
    const first = await request(double.url, `${fds}?limit=2`);
    double.flinkDeployments.delete(ns, 'd');
    double.compact();
    const expired = await request(double.url, `${fds}?limit=2&continue=${listMeta(first).continue ?? ''}`);
    expect(expired.status).toBe(410);
    expect(expired.body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Expired',
      code: 410,
      metadata: { continue: expect.any(String) },
      message: expect.stringMatching(
        /^The provided continue parameter is too old to display a consistent list result\. You can start a new list without the continue parameter, or use the continue token in this response/,
      ),
    });
    const fresh = (expired.body['metadata'] as { continue: string }).continue;
    const rest = await request(double.url, `${fds}?limit=10&continue=${fresh}`);
    expect(rest.status).toBe(200);
    expect(names(rest)).toEqual(['bb', 'c', 'e']); // after b, at the latest version: d is gone
    expect(listMeta(rest).resourceVersion).toBe(double.resourceVersion());
    seed('d');
  });

  it('a continue token that is not one is 400', async () => {
    const bad = await request(double.url, `${fds}?limit=2&continue=bm90LWEtdG9rZW4`);
    expect(bad.status).toBe(400);
  });
});

describe('resourceVersion and resourceVersionMatch on lists', () => {
  it('ListOptions validation: 422 Invalid in the apiserver’s words', async () => {
    const without = await request(double.url, `${fds}?resourceVersionMatch=Exact`);
    expect(without.status).toBe(422);
    expect(without.body['message']).toBe(
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    );
    const zero = await request(double.url, `${fds}?resourceVersion=0&resourceVersionMatch=Exact`);
    expect(zero.status).toBe(422);
    expect(zero.body['message']).toContain(
      'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
    );
    const unknown = await request(double.url, `${fds}?resourceVersion=1&resourceVersionMatch=Newest`);
    expect(unknown.body['message']).toContain(
      'resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""',
    );
  });

  it('Exact reads the list as it was at that version; a compacted one is 410; a future one 504', async () => {
    const before = double.resourceVersion();
    seed('exact-later');
    const exact = await request(double.url, `${fds}?resourceVersion=${before}&resourceVersionMatch=Exact`);
    expect(exact.status).toBe(200);
    expect(names(exact)).not.toContain('exact-later');
    expect(listMeta(exact).resourceVersion).toBe(before);
    const notOlder = await request(
      double.url,
      `${fds}?resourceVersion=${before}&resourceVersionMatch=NotOlderThan`,
    );
    expect(names(notOlder)).toContain('exact-later');

    double.compact();
    const gone = await request(double.url, `${fds}?resourceVersion=${before}&resourceVersionMatch=Exact`);
    expect(gone.status).toBe(410);
    expect(gone.body).toMatchObject({
      reason: 'Expired',
      message: 'The resourceVersion for the provided list is too old.',
    });

    const future = Number(double.resourceVersion()) + 100;
    const tooLarge = await request(double.url, `${fds}?resourceVersion=${future}`);
    expect(tooLarge.status).toBe(504);
    expect(tooLarge.body).toMatchObject({
      reason: 'Timeout',
      message: `Too large resource version: ${future}, current: ${double.resourceVersion()}`,
      details: { retryAfterSeconds: 1 },
    });
  });
});
