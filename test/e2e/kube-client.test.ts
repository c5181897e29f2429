/**
 * The sidecar's Kubernetes client (over kube/connection.ts) against the Kubernetes API double: read, watch,
 * scale through the scale subresource against concurrent writers, state annotation, Events within the API
 * server's limits; faults turn into errors that say what happened (and whether a write may have happened),
 * and what is safe to retry is retried.
 */
import { kubeClient } from '../fixtures/kube-connect.js';
import { afterEach, describe, expect, it } from 'vitest';
import { STATE_ANNOTATION, stateOf, type FlinkDeployment } from '../../sidecar/src/kube/deployment.js';
import { KubeClient, KubeError } from '../../sidecar/src/kube/client.js';
import { KubeConnection } from '../../sidecar/src/kube/connection.js';
import { loadKubeSettings } from '../../sidecar/src/kube/kubeconfig.js';
import { scalerRule, sidecarRules } from '../fixtures/rbac.js';
import { flinkDeployment, serviceAccount, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';

let kube: KubeDouble | undefined;
afterEach(async () => {
  await kube?.close();
  kube = undefined;
});

const NS = 'streaming';
/** Another writer changes the replica count (a person with kubectl, say). */
function otherWriterScales(double: KubeDouble, replicas: number): void {
  const fd = double.flinkDeployments.get(NS, 'clickstream');
  if (!fd?.spec.taskManager) throw new Error('no FlinkDeployment');
  fd.spec.taskManager.replicas = replicas;
  double.flinkDeployments.put(fd);
}

const SIDECAR = serviceAccount(NS, 'flink', 'sidecar-token');
const ALICE = { token: 'alice-token', username: 'alice', groups: ['flink-operators'] };
const BOB = { token: 'bob-token', username: 'bob' };

async function setUp() {
  kube = await startKubeDouble({
    namespace: NS,
    users: [SIDECAR, ALICE, BOB],
    rules: [...sidecarRules(NS, SIDECAR.username), scalerRule(NS, 'flink-operators')],
  });
  kube.flinkDeployments.put(flinkDeployment({ name: 'clickstream', namespace: NS, replicas: 4 }));
  const client = await kubeClient(kube.kubeconfig({ token: SIDECAR.token }, { namespace: NS }), {
    namespace: NS,
    name: 'clickstream',
  });
  return { double: kube, client };
}

describe('the sidecar’s Kubernetes client', () => {
  it('reads its FlinkDeployment and the replica count of the scale subresource', async () => {
    const { client } = await setUp();
    const fd = await client.get();
    expect(fd.metadata.name).toBe('clickstream');
    expect(fd.spec?.taskManager?.replicas).toBe(4);
    expect(await client.replicas()).toBe(4);
  });

  it('scales through the scale subresource, and the operator hook sees it', async () => {
    const { double, client } = await setUp();
    const seen: number[] = [];
    double.onReplicasChange((change) => seen.push(change.to ?? -1));
    await client.scale(4, 7);
    expect(double.flinkDeployments.get(NS, 'clickstream')?.spec.taskManager?.replicas).toBe(7);
    expect(seen).toEqual([7]);
  });

  it('refuses to overwrite a concurrent writer: the count it decided from is tested', async () => {
    const { double, client } = await setUp();
    otherWriterScales(double, 9);
    const error = await client.scale(4, 7).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeError);
    expect((error as KubeError).failure).toBe('conflict');
    expect((error as KubeError).message).toMatch(/is 9, no longer 4/);
    expect(double.flinkDeployments.get(NS, 'clickstream')?.spec.taskManager?.replicas).toBe(9);
  });

  it('keeps its state in an annotation that reads back', async () => {
    const { client } = await setUp();
    const state = JSON.stringify({
      version: 1,
      history: [],
      hold: { until: 42, user: 'alice', note: 'incident' },
    });
    const saved = await client.saveState(state);
    expect(saved.metadata.annotations?.[STATE_ANNOTATION]).toBe(state);
    expect(stateOf(await client.get())).toMatchObject({ ok: true, state: { hold: { user: 'alice' } } });
  });

  it('records Events on the FlinkDeployment', async () => {
    const { double, client } = await setUp();
    const fd = await client.get();
    await client.event(
      fd,
      'Normal',
      'ScaledUp',
      'scaled from 4 to 7: backlog-time-high',
      new Date('2026-01-01T00:00:00Z'),
    );
    const events = double.events(NS);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      reason: 'ScaledUp',
      type: 'Normal',
      message: 'scaled from 4 to 7: backlog-time-high',
      involvedObject: {
        kind: 'FlinkDeployment',
        name: 'clickstream',
        apiVersion: 'flink.apache.org/v1beta1',
      },
    });
  });

  it('records an Event whose Cyrillic/CJK message is longer than 1,024 bytes, cut to fit', async () => {
    const { double, client } = await setUp();
    const fd = await client.get();
    const reason = 'Ручное масштабирование по просьбе дежурного: 手动扩容以应对积压 '.repeat(20);
    await client.event(fd, 'Normal', 'ManualScale', reason, new Date('2026-01-01T00:00:00Z'));
    const events = double.events(NS);
    expect(events).toHaveLength(1);
    const message = String(events[0]?.['message']);
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(1024);
    expect(message.startsWith('Ручное масштабирование по просьбе дежурного')).toBe(true);
    expect(message.endsWith('…')).toBe(true);
  });

  it('watches its FlinkDeployment and sees a change', async () => {
    const { double, client } = await setUp();
    const fd = await client.get();
    const changes: FlinkDeployment[] = [];
    const stop = await client.watch(
      fd.metadata.resourceVersion,
      (d) => changes.push(d),
      () => undefined,
    );
    otherWriterScales(double, 6);
    for (let i = 0; i < 50 && changes.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    stop();
    expect(changes.at(-1)?.spec?.taskManager?.replicas).toBe(6);
  });

  it.each([
    [{ kind: 'tooManyRequests', retryAfterSeconds: 1, times: 2 } as const, 'throttled', false],
    [{ kind: 'internalError' } as const, 'server-error', true],
    [{ kind: 'conflict' } as const, 'conflict', false],
  ])('turns fault %j into a %s error and changes nothing', async (fault, failure, mayHaveHappened) => {
    const { double } = await setUp();
    // one attempt, so that a 429 is not waited out
    const client = new KubeClient(
      new KubeConnection({
        ...(await loadKubeSettings(double.kubeconfig({ token: SIDECAR.token }, { namespace: NS }), {})),
        retry: { attempts: 1 },
      }),
      { namespace: NS, name: 'clickstream' },
    );
    double.setFault(fault);
    const error = await client.scale(4, 7).catch((e: unknown) => e);
    expect(error).toMatchObject({ failure, mayHaveHappened });
    double.clearFaults();
    expect(double.flinkDeployments.get(NS, 'clickstream')?.spec.taskManager?.replicas).toBe(4);
  });

  it('waits out a 429 as Retry-After asks and then scales; a GET is retried on 500', async () => {
    const { double, client } = await setUp();
    double.setFault({ kind: 'tooManyRequests', retryAfterSeconds: 1, body: 'status' });
    const started = Date.now();
    await client.scale(4, 7);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(double.flinkDeployments.get(NS, 'clickstream')?.spec.taskManager?.replicas).toBe(7);
    double.setFault({ kind: 'internalError', times: 2, match: { verbs: ['get'] } });
    expect(await client.replicas()).toBe(7);
  });

  it.each([
    ['gatewayTimeout', 'server-error', 504],
    ['reset', 'timeout', undefined],
  ] as const)(
    'a scale whose answer is lost (%s) is a %s that may have happened, sent once, and it did happen',
    async (how, failure, status) => {
      const { double, client } = await setUp();
      double.setFault({ kind: 'loseAnswer', how, match: { verbs: ['patch'], subresource: 'scale' } });
      const before = double.requests().length;
      const error = await client.scale(4, 7).catch((e: unknown) => e);
      expect(error).toMatchObject({ failure, status, mayHaveHappened: true });
      const patches = double
        .requests()
        .slice(before)
        .filter((r) => r.verb === 'patch');
      expect(patches).toHaveLength(1);
      expect(double.flinkDeployments.get(NS, 'clickstream')?.spec.taskManager?.replicas).toBe(7);
    },
  );

  it('a read whose connection is reset or whose answer is lost is read again', async () => {
    const { double, client } = await setUp();
    double.setFault({ kind: 'reset', match: { verbs: ['get'] } });
    double.setFault({ kind: 'loseAnswer', match: { verbs: ['get'] } });
    const before = double.requests().length;
    expect((await client.get()).metadata.name).toBe('clickstream');
    const gets = double
      .requests()
      .slice(before)
      .filter((r) => r.verb === 'get' && r.resource === 'flinkdeployments');
    expect(gets).toHaveLength(3);
  });

  it('is told when its service account lacks a right', async () => {
    const { double } = await setUp();
    const bob = await kubeClient(double.kubeconfig({ token: BOB.token }, { namespace: NS }), {
      namespace: NS,
      name: 'clickstream',
    });
    const error = await bob.scale(4, 7).catch((e: unknown) => e);
    expect((error as KubeError).failure).toBe('forbidden');
    expect((error as KubeError).message).toMatch(
      /User "bob" cannot patch resource "flinkdeployments\/scale"/,
    );
  });
});
