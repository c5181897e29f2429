/**
 * Finalizers as the apiserver's registry treats them: DELETE of an object with finalizers only marks it
 * (deletionTimestamp, deletionGracePeriodSeconds 0, generation + 1: a MODIFIED event); it stays, takes no new
 * finalizers, and is deleted (a DELETED event) by the write that removes the last one.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openWatch, request, startAdminDouble } from './test-client.js';
import { flinkDeployment, runKubectl, type KubeDouble } from './index.js';

const ns = 'jobs';
const fds = `/apis/flink.apache.org/v1beta1/namespaces/${ns}/flinkdeployments`;
const finalizer = 'flink.apache.org/finalizer';

let double: KubeDouble;

beforeAll(async () => {
  double = await startAdminDouble(ns);
}, 60_000);

afterAll(async () => {
  await double?.close();
});

interface Line {
  type: string;
  object: {
    metadata: { name: string; deletionTimestamp?: string; finalizers?: string[]; resourceVersion: string };
  };
}

async function create(name: string) {
  const body = flinkDeployment({ name, namespace: ns });
  body.metadata.finalizers = [finalizer];
  const created = await request(double.url, fds, { method: 'POST', body });
  expect(created.status).toBe(201);
  return created.body as { metadata: { resourceVersion: string; generation: number } };
}

describe('DELETE of an object with finalizers', () => {
  it('marks it (MODIFIED), keeps it, refuses new finalizers, and deletes it when the last one goes (DELETED)', async () => {
    const created = await create('finalized');
    const watch = await openWatch<Line>(
      `${double.url}${fds}?watch=true&resourceVersion=${created.metadata.resourceVersion}`,
    );

    const deleted = await request(double.url, `${fds}/finalized`, { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({
      kind: 'FlinkDeployment',
      metadata: {
        name: 'finalized',
        finalizers: [finalizer],
        deletionTimestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        deletionGracePeriodSeconds: 0,
        generation: created.metadata.generation + 1,
      },
    });
    const still = await request(double.url, `${fds}/finalized`);
    expect(still.status).toBe(200);
    const again = await request(double.url, `${fds}/finalized`, { method: 'DELETE' });
    expect(again.status).toBe(200);
    expect((again.body['metadata'] as { resourceVersion: string }).resourceVersion).toBe(
      (still.body['metadata'] as { resourceVersion: string }).resourceVersion,
    );

    const more = await request(double.url, `${fds}/finalized`, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { metadata: { finalizers: [finalizer, 'example.com/other'] } },
    });
    expect(more.status).toBe(422);
    expect(more.body['message']).toBe(
      'FlinkDeployment.flink.apache.org "finalized" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/other"}',
    );

    const released = await request(double.url, `${fds}/finalized`, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { metadata: { finalizers: null } },
    });
    expect(released.status).toBe(200);
    expect((await request(double.url, `${fds}/finalized`)).status).toBe(404);

    await vi.waitFor(() => expect(watch.events.map((e) => e.type)).toEqual(['MODIFIED', 'DELETED']));
    expect(watch.events[0]?.object.metadata.deletionTimestamp).toEqual(expect.any(String));
    watch.close();
  });

  it('kubectl delete --wait=false says deleted while the object waits for its finalizer', async () => {
    await create('kubectl-finalized');
    const config = double.kubeconfig('admin');
    const { code, stdout } = await runKubectl(
      config,
      ['delete', 'flinkdeployment', 'kubectl-finalized', '--wait=false'],
      {
        home: double.dir,
      },
    );
    expect(code).toBe(0);
    expect(stdout).toBe('flinkdeployment.flink.apache.org "kubectl-finalized" deleted\n');
    expect(double.flinkDeployments.get(ns, 'kubectl-finalized')?.metadata.deletionTimestamp).toEqual(
      expect.any(String),
    );
    const patched = await runKubectl(
      config,
      [
        'patch',
        'flinkdeployment',
        'kubectl-finalized',
        '--type=json',
        '-p',
        '[{"op":"remove","path":"/metadata/finalizers"}]',
      ],
      { home: double.dir },
    );
    expect(patched.code).toBe(0);
    expect(double.flinkDeployments.get(ns, 'kubectl-finalized')).toBeUndefined();
  });
});
