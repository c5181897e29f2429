/**
 * coordination.k8s.io/v1 Leases in the double, as the apiserver serves them: discovery, create/get/list/watch,
 * update with a resourceVersion precondition (409), without one (422), create on PUT, patch, delete, strict
 * MicroTime decoding, RBAC, and `kubectl get leases` printing NAME, HOLDER, AGE.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openWatch, request, type Answer } from './test-client.js';
import { runKubectl, startKubeDouble, type KubeDouble } from './index.js';

const ns = 'jobs';
const leases = (name = '') =>
  `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases${name === '' ? '' : `/${name}`}`;

let double: KubeDouble;

beforeAll(async () => {
  double = await startKubeDouble({
    namespace: ns,
    users: [
      { token: 'admin-token', username: 'admin', groups: ['system:masters'] },
      { token: 'sidecar-token', username: 'system:serviceaccount:jobs:sidecar' },
      { token: 'nobody-token', username: 'nobody' },
    ],
    rules: [
      {
        name: 'sidecar-leases',
        users: ['system:serviceaccount:jobs:sidecar'],
        verbs: ['get', 'create', 'update'],
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        namespaces: [ns],
      },
    ],
  });
}, 60_000);

afterAll(async () => {
  await double?.close();
});

function api(path: string, options: Parameters<typeof request>[2] = {}): Promise<Answer> {
  return request(double.url, path, options);
}

const micro = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

function lease(name: string, holder: string, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name },
    spec: {
      holderIdentity: holder,
      leaseDurationSeconds: 120,
      acquireTime: micro(Date.now()),
      renewTime: micro(Date.now()),
      leaseTransitions: 0,
      ...extra,
    },
  };
}

describe('Leases over the wire', () => {
  it('are in legacy and aggregated discovery', async () => {
    const legacy = await api('/apis/coordination.k8s.io/v1');
    expect(legacy.status).toBe(200);
    expect(legacy.body['resources']).toEqual([
      expect.objectContaining({
        name: 'leases',
        singularName: 'lease',
        namespaced: true,
        kind: 'Lease',
        verbs: expect.arrayContaining(['create', 'get', 'list', 'watch', 'update', 'patch', 'delete']),
      }),
    ]);
    const groups = await api('/apis');
    expect(JSON.stringify(groups.body)).toContain('"coordination.k8s.io"');
    const aggregated = await api('/apis', {
      accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    });
    const items = aggregated.body['items'] as { metadata: { name: string }; versions: unknown[] }[];
    expect(items.find((item) => item.metadata.name === 'coordination.k8s.io')?.versions).toEqual([
      expect.objectContaining({
        version: 'v1',
        resources: [expect.objectContaining({ resource: 'leases', scope: 'Namespaced' })],
      }),
    ]);
  });

  it('create, get, list, watch, update with precondition (409 when stale, 422 without), patch, delete', async () => {
    const watch = await openWatch<{
      type: string;
      object: { metadata: { name: string }; spec: Record<string, unknown> };
    }>(`${double.url}${leases()}?watch=true&resourceVersion=${double.resourceVersion()}`);
    const created = await api(leases(), {
      method: 'POST',
      token: 'sidecar-token',
      body: lease('fd-a', 'pod-1'),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'fd-a', namespace: ns, resourceVersion: expect.any(String), uid: expect.any(String) },
      spec: { holderIdentity: 'pod-1', leaseDurationSeconds: 120, leaseTransitions: 0 },
    });
    expect(created.body['spec']).toMatchObject({ renewTime: expect.stringMatching(/\.\d{6}Z$/) });
    const got = await api(leases('fd-a'), { token: 'sidecar-token' });
    expect(got.body).toEqual(created.body);
    const list = await api(leases());
    expect(list.body).toMatchObject({ kind: 'LeaseList', apiVersion: 'coordination.k8s.io/v1' });
    expect((list.body['items'] as unknown[]).length).toBe(1);

    const metadata = created.body['metadata'] as { resourceVersion: string };
    const renewed = await api(leases('fd-a'), {
      method: 'PUT',
      token: 'sidecar-token',
      body: {
        ...lease('fd-a', 'pod-1'),
        metadata: { name: 'fd-a', resourceVersion: metadata.resourceVersion },
      },
    });
    expect(renewed.status).toBe(200);
    expect(Number((renewed.body['metadata'] as { resourceVersion: string }).resourceVersion)).toBeGreaterThan(
      Number(metadata.resourceVersion),
    );
    const stale = await api(leases('fd-a'), {
      method: 'PUT',
      token: 'sidecar-token',
      body: {
        ...lease('fd-a', 'pod-2'),
        metadata: { name: 'fd-a', resourceVersion: metadata.resourceVersion },
      },
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on leases.coordination.k8s.io "fd-a": the object has been modified; please apply your changes to the latest version and try again',
      details: { name: 'fd-a', group: 'coordination.k8s.io', kind: 'leases' },
    });
    const unconditional = await api(leases('fd-a'), {
      method: 'PUT',
      token: 'sidecar-token',
      body: lease('fd-a', 'pod-2'),
    });
    expect(unconditional.status).toBe(422);
    expect(unconditional.body['message']).toBe(
      'Lease.coordination.k8s.io "fd-a" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
    );

    const patched = await api(leases('fd-a'), {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { spec: { holderIdentity: null } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body['spec']).not.toHaveProperty('holderIdentity');
    const deleted = await api(leases('fd-a'), { method: 'DELETE' });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'fd-a' } });
    expect((await api(leases('fd-a'))).status).toBe(404);

    await vi.waitFor(() =>
      expect(watch.events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'MODIFIED', 'DELETED']),
    );
    expect(watch.events[1]?.object.spec['holderIdentity']).toBe('pod-1');
    watch.close();
  });

  it('PUT of a missing Lease creates it (AllowCreateOnUpdate), 201', async () => {
    const put = await api(leases('fd-put'), {
      method: 'PUT',
      token: 'sidecar-token',
      body: lease('fd-put', 'x'),
    });
    expect(put.status).toBe(201);
    expect(put.body).toMatchObject({ metadata: { name: 'fd-put' }, spec: { holderIdentity: 'x' } });
  });

  it('decodes MicroTime strictly (six digits) and validates the spec', async () => {
    const millis = await api(leases(), {
      method: 'POST',
      body: lease('fd-millis', 'x', { renewTime: '2030-01-02T03:04:05.678Z' }),
    });
    expect(millis.status).toBe(400);
    expect(millis.body['message']).toBe(
      'Lease in version "v1" cannot be handled as a Lease: parsing time "2030-01-02T03:04:05.678Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".678Z" as ".000000"',
    );
    const offset = await api(leases(), {
      method: 'POST',
      body: lease('fd-offset', 'x', { renewTime: '2030-01-02T05:04:05.678901+02:00' }),
    });
    expect(offset.status).toBe(201);
    expect((offset.body['spec'] as { renewTime: string }).renewTime).toBe('2030-01-02T03:04:05.678901Z');
    const invalid = await api(leases(), {
      method: 'POST',
      body: lease('fd-invalid', 'x', { leaseDurationSeconds: 0, leaseTransitions: -1 }),
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body['message']).toBe(
      'Lease.coordination.k8s.io "fd-invalid" is invalid: [spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0, spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0]',
    );
    const typed = await api(leases(), {
      method: 'POST',
      body: lease('fd-typed', 'x', { leaseDurationSeconds: '15' }),
    });
    expect(typed.status).toBe(400);
  });

  it('RBAC applies: a user without a rule on leases gets 403 in the apiserver wording', async () => {
    const refused = await api(leases(), { method: 'POST', token: 'nobody-token', body: lease('fd-no', 'x') });
    expect(refused.status).toBe(403);
    expect(refused.body['message']).toBe(
      'leases.coordination.k8s.io is forbidden: User "nobody" cannot create resource "leases" in API group "coordination.k8s.io" in the namespace "jobs"',
    );
    const listing = await api(leases(), { token: 'sidecar-token' });
    expect(listing.status).toBe(403); // the sidecar may get, create and update; not list
  });

  it('kubectl get leases prints NAME, HOLDER, AGE as the apiserver prints them', async () => {
    await api(leases(), { method: 'POST', body: lease('fd-kubectl', 'jm-0') });
    const { code, stdout, stderr } = await runKubectl(double.kubeconfig('admin'), ['get', 'leases'], {
      home: double.dir,
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^NAME\s+HOLDER\s+AGE$/m);
    expect(stdout).toMatch(/^fd-kubectl\s+jm-0\s+\d+s$/m);
    const yaml = await runKubectl(
      double.kubeconfig('admin'),
      ['get', 'lease', 'fd-kubectl', '-o', 'jsonpath={.spec.holderIdentity}'],
      {
        home: double.dir,
      },
    );
    expect(yaml.stdout).toBe('jm-0');
  });
});
