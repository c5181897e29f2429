/**
 * The double against the official Python client (CustomObjectsApi, call_api): reads, writes, preconditions,
 * patch types, finalizers and paged lists of FlinkDeployments, each as kube-apiserver documents it
 * (../shared/reference/kube-api-behaviour-notes.md, the API concepts pages, apiserver sources).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FlinkDeployment, KubeDouble } from '../doubles/kube/index.js';
import { conflictMessage, fd, ns, storedReplicas, type Conformance } from './double.js';
import { refused, succeeded, type PythonClient, type RawAnswer, type WatchOutcome } from './python-client.js';

let double: KubeDouble;
let py: PythonClient;

type Fd = FlinkDeployment & { metadata: { deletionTimestamp?: string; finalizers?: string[] } };
interface FdList {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion: string; continue?: string };
  items: Fd[];
}

async function create(object: FlinkDeployment): Promise<Fd> {
  return succeeded<Fd>(await py.step('flinkdeployments.create', { body: object }));
}

/** Registers these cases against the double and Python client that python.test.ts starts once for all. */
export function flinkDeploymentCases(conformance: Conformance): void {
  beforeAll(() => {
    ({ double, py } = conformance);
  });

  describe('FlinkDeployments through CustomObjectsApi', () => {
    it('runs the official Python client (Debian python3-kubernetes for /usr/bin/python3)', async () => {
      const list = await py.step('flinkdeployments.list');
      expect(list.ok).toBe(true);
      expect(py.clientVersion).toMatch(/^\d+\.\d+\.\d+/);
    });

    it('create answers the stored object: uid, creationTimestamp, resourceVersion, generation 1', async () => {
      const created = await create(fd('created', 2));
      expect(created.metadata).toMatchObject({ name: 'created', namespace: ns, generation: 1 });
      expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
      expect(created.metadata.resourceVersion).toMatch(/^\d+$/);
      expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    });

    it('get returns the object as stored', async () => {
      const created = await create(fd('read-back', 3));
      const read = succeeded<Fd>(await py.step('flinkdeployments.get', { name: 'read-back' }));
      expect(read).toEqual(created);
    });

    it('get of a missing object: 404 NotFound naming the resource, with details', async () => {
      const { status, body } = refused(await py.step('flinkdeployments.get', { name: 'missing' }));
      expect(status).toBe(404);
      expect(body).toMatchObject({
        kind: 'Status',
        status: 'Failure',
        reason: 'NotFound',
        code: 404,
        message: 'flinkdeployments.flink.apache.org "missing" not found',
        details: { name: 'missing', group: 'flink.apache.org', kind: 'flinkdeployments' },
      });
    });

    it('list is a FlinkDeploymentList whose resourceVersion is at least every item’s', async () => {
      await create(fd('listed', 2, { conformance: 'list' }));
      const list = succeeded<FdList>(
        await py.step('flinkdeployments.list', { labelSelector: 'conformance=list' }),
      );
      expect(list.apiVersion).toBe('flink.apache.org/v1beta1');
      expect(list.kind).toBe('FlinkDeploymentList');
      expect(list.items.map((item) => item.metadata.name)).toEqual(['listed']);
      const listed = Number(list.items[0]?.metadata.resourceVersion);
      expect(Number(list.metadata.resourceVersion)).toBeGreaterThanOrEqual(listed);
    });

    it('list with an unsupported field selector: 400 "field label not supported"', async () => {
      const { status, body } = refused(
        await py.step('flinkdeployments.list', { fieldSelector: 'spec.image=flink:1.20' }),
      );
      expect(status).toBe(400);
      expect(body.reason).toBe('BadRequest');
      expect(body.message).toContain('field label not supported: spec.image');
    });
  });

  describe('list options', () => {
    it('a malformed label selector: 400 BadRequest', async () => {
      const { status, body } = refused(
        await py.step('flinkdeployments.list', { labelSelector: 'conformance in (pages' }),
      );
      expect(status).toBe(400);
      expect(body.reason).toBe('BadRequest');
    });

    it('resourceVersionMatch without a resourceVersion: refused (4xx), "forbidden unless resourceVersion is provided"', async () => {
      const { status, body } = refused(
        await py.step('flinkdeployments.list', { resourceVersionMatch: 'Exact' }),
      );
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
      expect(body.message).toContain('resourceVersionMatch is forbidden unless resourceVersion is provided');
    });

    it('resourceVersion with resourceVersionMatch=Exact on a compacted version: 410 Expired', async () => {
      await create(fd('exact-compacted', 2));
      const version = double.resourceVersion();
      succeeded(
        await py.step('flinkdeployments.mergePatch', {
          name: 'exact-compacted',
          body: { metadata: { labels: { moved: 'on' } } },
        }),
      );
      double.compact();
      const { status, body } = refused(
        await py.step('flinkdeployments.list', { resourceVersion: version, resourceVersionMatch: 'Exact' }),
      );
      expect(status).toBe(410);
      expect(body.reason).toBe('Expired');
    });
  });

  describe('transport', () => {
    it('answers carry no Keep-Alive header (the Go server sends none)', async () => {
      const answer = await py.step<RawAnswer>('flinkdeployments.rawGet', { query: { limit: '1' } });
      expect(answer.status).toBe(200);
      expect(answer.headers).not.toHaveProperty('keep-alive');
    });
  });

  describe('preconditions and generation', () => {
    it('replace with a stale resourceVersion: 409 Conflict, "the object has been modified", details', async () => {
      const created = await create(fd('stale-put', 2));
      succeeded(
        await py.step('flinkdeployments.mergePatch', {
          name: 'stale-put',
          body: { metadata: { labels: { a: 'b' } } },
        }),
      );
      const stale = {
        ...created,
        spec: { ...created.spec, taskManager: { ...created.spec.taskManager, replicas: 4 } },
      };
      const { status, body } = refused(
        await py.step('flinkdeployments.replace', { name: 'stale-put', body: stale }),
      );
      expect(status).toBe(409);
      expect(body).toMatchObject({
        reason: 'Conflict',
        code: 409,
        message: conflictMessage('flinkdeployments.flink.apache.org', 'stale-put'),
        details: { name: 'stale-put', group: 'flink.apache.org', kind: 'flinkdeployments' },
      });
      expect(storedReplicas(double, 'stale-put')).toBe(2);
    });

    it('replace without a resourceVersion: 422 "must be specified for an update"', async () => {
      const created = await create(fd('no-version-put', 2));
      const { resourceVersion: _dropped, ...metadata } = created.metadata;
      const { status, body } = refused(
        await py.step('flinkdeployments.replace', { name: 'no-version-put', body: { ...created, metadata } }),
      );
      expect(status).toBe(422);
      expect(body.reason).toBe('Invalid');
      expect(body.message).toBe(
        'FlinkDeployment.flink.apache.org "no-version-put" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
      );
    });

    it('merge patch carrying a stale metadata.resourceVersion: 409 Conflict, nothing written', async () => {
      const created = await create(fd('stale-patch', 2));
      succeeded(
        await py.step('flinkdeployments.mergePatch', {
          name: 'stale-patch',
          body: { metadata: { labels: { a: 'b' } } },
        }),
      );
      const { status, body } = refused(
        await py.step('flinkdeployments.mergePatch', {
          name: 'stale-patch',
          body: {
            metadata: { resourceVersion: created.metadata.resourceVersion },
            spec: { taskManager: { replicas: 5 } },
          },
        }),
      );
      expect(status).toBe(409);
      expect(body.message).toBe(conflictMessage('flinkdeployments.flink.apache.org', 'stale-patch'));
      expect(storedReplicas(double, 'stale-patch')).toBe(2);
    });

    it('a spec change bumps generation; a metadata-only change does not; a no-op keeps the resourceVersion', async () => {
      const created = await create(fd('generations', 2));
      const labelled = succeeded<Fd>(
        await py.step('flinkdeployments.mergePatch', {
          name: 'generations',
          body: { metadata: { labels: { x: 'y' } } },
        }),
      );
      expect(labelled.metadata.generation).toBe(created.metadata.generation);
      const scaled = succeeded<Fd>(
        await py.step('flinkdeployments.mergePatch', {
          name: 'generations',
          body: { spec: { taskManager: { replicas: 3 } } },
        }),
      );
      expect(scaled.metadata.generation).toBe((created.metadata.generation ?? 0) + 1);
      const again = succeeded<Fd>(
        await py.step('flinkdeployments.mergePatch', {
          name: 'generations',
          body: { spec: { taskManager: { replicas: 3 } } },
        }),
      );
      expect(again.metadata.resourceVersion).toBe(scaled.metadata.resourceVersion);
    });
  });

  describe('status subresource, dry run, schema', () => {
    it('status sent to the main resource is ignored', async () => {
      await create(fd('status-main', 2));
      const reconciled = double.flinkDeployments.reconcile(ns, 'status-main');
      const answer = succeeded<Fd>(
        await py.step('flinkdeployments.mergePatch', {
          name: 'status-main',
          body: { status: { lifecycleState: 'FAILED' } },
        }),
      );
      expect(answer.status?.lifecycleState).toBe(reconciled.status?.lifecycleState);
      expect(double.flinkDeployments.get(ns, 'status-main')?.status).toEqual(reconciled.status);
    });

    it('spec and metadata sent to /status are ignored; status is written', async () => {
      await create(fd('status-sub', 2));
      double.flinkDeployments.reconcile(ns, 'status-sub');
      succeeded(
        await py.step('flinkdeployments.mergePatchStatus', {
          name: 'status-sub',
          body: {
            metadata: { labels: { sneaked: 'in' } },
            spec: { taskManager: { replicas: 9 } },
            status: { lifecycleState: 'DEPLOYED' },
          },
        }),
      );
      const stored = double.flinkDeployments.get(ns, 'status-sub');
      expect(stored?.spec.taskManager?.replicas).toBe(2);
      expect(stored?.metadata.labels?.['sneaked']).toBeUndefined();
      expect(stored?.status?.lifecycleState).toBe('DEPLOYED');
    });

    it('server-side dry run of a create: uid and creationTimestamp filled, nothing stored', async () => {
      const answer = succeeded<Fd>(
        await py.step('flinkdeployments.create', { body: fd('dry-created', 2), dryRun: true }),
      );
      expect(answer.metadata.uid).toEqual(expect.any(String));
      expect(answer.metadata.creationTimestamp).toEqual(expect.any(String));
      expect(refused(await py.step('flinkdeployments.get', { name: 'dry-created' })).status).toBe(404);
    });

    it('server-side dry run of a patch: the answer shows it, nothing stored, resourceVersion unchanged', async () => {
      const created = await create(fd('dry-patched', 2));
      const answer = succeeded<Fd>(
        await py.step('flinkdeployments.mergePatch', {
          name: 'dry-patched',
          body: { spec: { taskManager: { replicas: 7 } } },
          dryRun: true,
        }),
      );
      expect(answer.spec.taskManager?.replicas).toBe(7);
      const stored = double.flinkDeployments.get(ns, 'dry-patched');
      expect(stored?.spec.taskManager?.replicas).toBe(2);
      expect(stored?.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    });

    it('a CRD schema violation: 422 naming the field and the type it must be', async () => {
      await create(fd('schema-violation', 2));
      const { status, body } = refused(
        await py.step('flinkdeployments.mergePatch', {
          name: 'schema-violation',
          body: { spec: { taskManager: { replicas: 'three' } } },
        }),
      );
      expect(status).toBe(422);
      expect(body.reason).toBe('Invalid');
      expect(body.message).toContain(
        'spec.taskManager.replicas: Invalid value: "string": spec.taskManager.replicas in body must be of type integer: "string"',
      );
    });
  });

  describe('who may do what', () => {
    it('a user without the permission: 403 Forbidden with the RBAC sentence and details', async () => {
      await create(fd('forbidden', 2));
      const { status, body } = refused(
        await py.step('flinkdeployments.mergePatch', {
          kubeconfig: double.kubeconfig('viewer'),
          name: 'forbidden',
          body: { spec: { taskManager: { replicas: 3 } } },
        }),
      );
      expect(status).toBe(403);
      expect(body).toMatchObject({
        reason: 'Forbidden',
        message:
          'flinkdeployments.flink.apache.org "forbidden" is forbidden: User "viewer" cannot patch resource "flinkdeployments" in API group "flink.apache.org" in the namespace "conformance"',
        details: { name: 'forbidden', group: 'flink.apache.org', kind: 'flinkdeployments' },
      });
      expect(storedReplicas(double, 'forbidden')).toBe(2);
    });

    it('an unknown token: 401 Unauthorized', async () => {
      const { status, body } = refused(
        await py.step('flinkdeployments.list', { kubeconfig: double.kubeconfig({ token: 'no-such-token' }) }),
      );
      expect(status).toBe(401);
      expect(body).toMatchObject({ reason: 'Unauthorized', message: 'Unauthorized', code: 401 });
    });
  });

  describe('patch content types', () => {
    it('JSON Patch (application/json-patch+json) is applied', async () => {
      await create(fd('json-patch', 2));
      const answer = await py.step<RawAnswer>('flinkdeployments.patchAs', {
        name: 'json-patch',
        contentType: 'application/json-patch+json',
        body: [
          { op: 'test', path: '/spec/taskManager/replicas', value: 2 },
          { op: 'replace', path: '/spec/taskManager/replicas', value: 6 },
        ],
      });
      expect(answer.status).toBe(200);
      expect(storedReplicas(double, 'json-patch')).toBe(6);
    });

    it('JSON Patch whose test fails: 422 Invalid, "the server rejected our request…", empty details', async () => {
      await create(fd('json-patch-test', 2));
      const answer = await py.step<RawAnswer>('flinkdeployments.patchAs', {
        name: 'json-patch-test',
        contentType: 'application/json-patch+json',
        body: [
          { op: 'test', path: '/spec/taskManager/replicas', value: 7 },
          { op: 'replace', path: '/spec/taskManager/replicas', value: 8 },
        ],
      });
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({
        reason: 'Invalid',
        message: 'the server rejected our request due to an error in our request',
        details: {},
      });
      expect(storedReplicas(double, 'json-patch-test')).toBe(2);
    });

    it('strategic merge patch on a custom resource: 415 listing json-patch, merge-patch and apply-patch', async () => {
      await create(fd('strategic', 2));
      const answer = await py.step<RawAnswer>('flinkdeployments.patchAs', {
        name: 'strategic',
        contentType: 'application/strategic-merge-patch+json',
        body: { spec: { taskManager: { replicas: 9 } } },
      });
      expect(answer.status).toBe(415);
      expect(answer.body).toMatchObject({
        reason: 'UnsupportedMediaType',
        message:
          'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
      });
      expect(storedReplicas(double, 'strategic')).toBe(2);
    });
  });

  describe('finalizers', () => {
    it('delete of an object with a finalizer sets deletionTimestamp; it stays until the finalizer goes', async () => {
      const object = fd('finalized', 2);
      object.metadata = {
        ...object.metadata,
        finalizers: ['conformance.example.com/hold'],
      } as Fd['metadata'];
      await create(object);
      const deleted = succeeded<Fd>(await py.step('flinkdeployments.delete', { name: 'finalized' }));
      expect(deleted.metadata.deletionTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const still = succeeded<Fd>(await py.step('flinkdeployments.get', { name: 'finalized' }));
      expect(still.metadata.deletionTimestamp).toBe(deleted.metadata.deletionTimestamp);
      expect(still.metadata.finalizers).toEqual(['conformance.example.com/hold']);

      succeeded(
        await py.step('flinkdeployments.mergePatch', {
          name: 'finalized',
          body: { metadata: { finalizers: null } },
        }),
      );
      const gone = refused(await py.step('flinkdeployments.get', { name: 'finalized' }));
      expect(gone.status).toBe(404);
    });

    it('a watch sees the deletion start as MODIFIED (deletionTimestamp), then DELETED once the finalizer goes', async () => {
      const object = fd('finalized-watched', 2);
      object.metadata = {
        ...object.metadata,
        finalizers: ['conformance.example.com/hold'],
      } as Fd['metadata'];
      const created = await create(object);
      succeeded(await py.step('flinkdeployments.delete', { name: 'finalized-watched' }));
      succeeded(
        await py.step('flinkdeployments.mergePatch', {
          name: 'finalized-watched',
          body: { metadata: { finalizers: null } },
        }),
      );
      const outcome = await py.step<WatchOutcome>(
        'watch.flinkdeployments',
        {
          fieldSelector: 'metadata.name=finalized-watched',
          resourceVersion: created.metadata.resourceVersion,
          timeoutSeconds: 3,
          stopAfter: 2,
        },
        { timeoutMs: 20_000 },
      );
      expect(outcome.events.map((event) => event.type)).toEqual(['MODIFIED', 'DELETED']);
      expect(outcome.events[0]?.object.metadata?.['deletionTimestamp']).toEqual(expect.any(String));
    });
  });

  describe('paged lists', () => {
    it('limit/continue reads the first page’s snapshot: a write between pages is not seen', async () => {
      for (const name of ['page-a', 'page-b', 'page-c']) await create(fd(name, 2, { conformance: 'pages' }));
      const before = double.flinkDeployments.get(ns, 'page-b');
      const first = succeeded<FdList>(
        await py.step('flinkdeployments.list', { labelSelector: 'conformance=pages', limit: 1 }),
      );
      expect(first.items.map((item) => item.metadata.name)).toEqual(['page-a']);
      expect(first.metadata.continue).toEqual(expect.any(String));

      // between the pages: page-b changes, page-d appears
      succeeded(
        await py.step('flinkdeployments.mergePatch', {
          name: 'page-b',
          body: { spec: { taskManager: { replicas: 5 } } },
        }),
      );
      await create(fd('page-d', 2, { conformance: 'pages' }));

      const rest: Fd[] = [];
      const versions: string[] = [];
      let token = first.metadata.continue;
      while (token) {
        const page = succeeded<FdList>(
          await py.step('flinkdeployments.list', {
            labelSelector: 'conformance=pages',
            limit: 1,
            continue: token,
          }),
        );
        rest.push(...page.items);
        versions.push(page.metadata.resourceVersion);
        token = page.metadata.continue;
      }
      expect(rest.map((item) => item.metadata.name)).toEqual(['page-b', 'page-c']);
      expect(rest[0]?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
      expect(rest[0]?.spec.taskManager?.replicas).toBe(2);
      expect(versions.every((version) => version === first.metadata.resourceVersion)).toBe(true);
    });
  });
}
