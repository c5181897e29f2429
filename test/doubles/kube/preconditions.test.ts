/**
 * A patch that carries `metadata.resourceVersion` is a precondition, as the apiserver treats it: a different
 * version than the stored one is a 409 Conflict, for merge patches and JSON patches, on FlinkDeployments (main
 * resource and /scale) and on Leases; the same version applies; no version applies to the fresh object.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type Answer, startAdminDouble } from './test-client.js';
import { flinkDeployment, type KubeDouble } from './index.js';

const ns = 'jobs';
const fd = (name: string, sub = '') =>
  `/apis/flink.apache.org/v1beta1/namespaces/${ns}/flinkdeployments/${name}${sub}`;
const lease = (name = '') =>
  `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases${name === '' ? '' : `/${name}`}`;

let double: KubeDouble;

beforeAll(async () => {
  double = await startAdminDouble(ns);
}, 60_000);

afterAll(async () => {
  await double?.close();
});

const merge = (path: string, body: unknown): Promise<Answer> =>
  request(double.url, path, { method: 'PATCH', contentType: 'application/merge-patch+json', body });
const jsonPatch = (path: string, body: unknown): Promise<Answer> =>
  request(double.url, path, { method: 'PATCH', contentType: 'application/json-patch+json', body });

function versionOf(answer: Answer): string {
  return (answer.body['metadata'] as { resourceVersion: string }).resourceVersion;
}

describe('resourceVersion in a patch is a precondition', () => {
  it('FlinkDeployment: merge patch and JSON patch with a stale version → 409, with the current one → 200', async () => {
    const seeded = double.flinkDeployments.put(flinkDeployment({ name: 'pre', namespace: ns, replicas: 2 }));
    const stale = seeded.metadata.resourceVersion ?? '';
    const annotated = await merge(fd('pre'), { metadata: { annotations: { a: '1' } } });
    expect(annotated.status).toBe(200);

    const conflicted = await merge(fd('pre'), {
      metadata: { resourceVersion: stale, annotations: { a: '2' } },
      spec: { taskManager: { replicas: 5 } },
    });
    expect(conflicted.status).toBe(409);
    expect(conflicted.body).toMatchObject({
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on flinkdeployments.flink.apache.org "pre": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: 'pre', group: 'flink.apache.org', kind: 'flinkdeployments' },
    });
    const replaced = await jsonPatch(fd('pre'), [
      { op: 'replace', path: '/metadata/resourceVersion', value: stale },
      { op: 'replace', path: '/spec/taskManager/replicas', value: 5 },
    ]);
    expect(replaced.status).toBe(409);
    expect(double.flinkDeployments.get(ns, 'pre')?.spec.taskManager?.replicas).toBe(2);

    const current = versionOf(annotated);
    const applied = await merge(fd('pre'), {
      metadata: { resourceVersion: current, annotations: { a: '2' } },
      spec: { taskManager: { replicas: 5 } },
    });
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({
      spec: { taskManager: { replicas: 5 } },
      metadata: { annotations: { a: '2' } },
    });

    const scaleStale = await merge(fd('pre', '/scale'), {
      metadata: { resourceVersion: current },
      spec: { replicas: 7 },
    });
    expect(scaleStale.status).toBe(409);
    const scaleFresh = await merge(fd('pre', '/scale'), {
      metadata: { resourceVersion: versionOf(applied) },
      spec: { replicas: 7 },
    });
    expect(scaleFresh.status).toBe(200);
  });

  it('Lease: merge patch with a stale version → 409, JSON patch test of the version → 422', async () => {
    const created = await request(double.url, lease(), {
      method: 'POST',
      body: {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'l' },
        spec: { holderIdentity: 'a' },
      },
    });
    expect(created.status).toBe(201);
    const first = versionOf(created);
    const moved = await merge(lease('l'), { spec: { holderIdentity: 'b' } });
    expect(moved.status).toBe(200);
    const stale = await merge(lease('l'), {
      metadata: { resourceVersion: first },
      spec: { holderIdentity: 'c' },
    });
    expect(stale.status).toBe(409);
    expect(stale.body['message']).toBe(
      'Operation cannot be fulfilled on leases.coordination.k8s.io "l": the object has been modified; please apply your changes to the latest version and try again',
    );
    const tested = await jsonPatch(lease('l'), [
      { op: 'test', path: '/metadata/resourceVersion', value: first },
      { op: 'replace', path: '/spec/holderIdentity', value: 'c' },
    ]);
    expect(tested.status).toBe(422);
    const fresh = await merge(lease('l'), {
      metadata: { resourceVersion: versionOf(moved) },
      spec: { holderIdentity: 'c' },
    });
    expect(fresh.status).toBe(200);
    expect(fresh.body['spec']).toEqual({ holderIdentity: 'c' });
  });
});
