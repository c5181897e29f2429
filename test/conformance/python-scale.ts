/**
 * The FlinkDeployment scale subresource with the official Python client (get/patch/replace *_custom_object_scale,
 * and call_api for JSON Patch), as apiextensions-apiserver's ScaleREST and the CR validation answer.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { FlinkDeployment, KubeDouble } from '../doubles/kube/index.js';
import { conflictMessage, fd, ns, storedReplicas, type Conformance } from './double.js';
import { refused, succeeded, type PythonClient, type RawAnswer } from './python-client.js';

let double: KubeDouble;
let py: PythonClient;

interface Scale {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { resourceVersion?: string };
  spec: { replicas?: number };
  status: { replicas?: number; selector?: string };
}

/** A FlinkDeployment with `spec.taskManager.replicas` unset. */
function withoutReplicas(name: string): FlinkDeployment {
  const object = fd(name, 2);
  const taskManager = { ...object.spec.taskManager };
  delete taskManager.replicas;
  return { ...object, spec: { ...object.spec, taskManager } };
}

const negative = '.spec.taskManager.replicas: Invalid value: -1: should be a non-negative integer';

/** Registers these cases against the double and Python client that python.test.ts starts once for all. */
export function scaleCases(conformance: Conformance): void {
  beforeAll(() => {
    ({ double, py } = conformance);
  });

  describe('scale subresource', () => {
    it('get: an autoscaling/v1 Scale with the object’s name, namespace, uid, resourceVersion and replicas', async () => {
      const stored = double.flinkDeployments.reconcile(
        ns,
        double.flinkDeployments.put(fd('s-get', 3)).metadata.name ?? '',
      );
      const scale = succeeded<Scale>(await py.step('flinkdeployments.getScale', { name: 's-get' }));
      expect(scale.apiVersion).toBe('autoscaling/v1');
      expect(scale.kind).toBe('Scale');
      expect(scale.metadata).toMatchObject({
        name: 's-get',
        namespace: ns,
        uid: stored.metadata.uid,
        resourceVersion: stored.metadata.resourceVersion,
        creationTimestamp: stored.metadata.creationTimestamp,
      });
      expect(scale.spec).toEqual({ replicas: 3 });
      expect(scale.status.replicas).toBe(3);
      expect(scale.status.selector).toBe(stored.status?.taskManager?.labelSelector);
    });

    it('merge patch {"spec":{"replicas":N}} writes spec.taskManager.replicas and bumps generation', async () => {
      const stored = double.flinkDeployments.put(fd('s-merge', 2));
      const scale = succeeded<Scale>(
        await py.step('flinkdeployments.mergePatchScale', {
          name: 's-merge',
          body: { spec: { replicas: 4 } },
        }),
      );
      expect(scale.spec.replicas).toBe(4);
      const after = double.flinkDeployments.get(ns, 's-merge');
      expect(after?.spec.taskManager?.replicas).toBe(4);
      expect(after?.metadata.generation).toBe((stored.metadata.generation ?? 0) + 1);
      expect(scale.metadata.resourceVersion).toBe(after?.metadata.resourceVersion);
    });

    it('JSON Patch replace /spec/replicas is applied', async () => {
      double.flinkDeployments.put(fd('s-json', 2));
      const answer = await py.step<RawAnswer>('flinkdeployments.patchAs', {
        name: 's-json',
        subresource: 'scale',
        contentType: 'application/json-patch+json',
        body: [{ op: 'replace', path: '/spec/replicas', value: 5 }],
      });
      expect(answer.status).toBe(200);
      expect(storedReplicas(double, 's-json')).toBe(5);
    });

    it('replace with a stale resourceVersion: 409 Conflict on the FlinkDeployment', async () => {
      double.flinkDeployments.put(fd('s-stale', 2));
      const scale = succeeded<Scale>(await py.step('flinkdeployments.getScale', { name: 's-stale' }));
      succeeded(
        await py.step('flinkdeployments.mergePatch', {
          name: 's-stale',
          body: { metadata: { labels: { a: 'b' } } },
        }),
      );
      const { status, body } = refused(
        await py.step('flinkdeployments.replaceScale', {
          name: 's-stale',
          body: { ...scale, spec: { replicas: 6 } },
        }),
      );
      expect(status).toBe(409);
      expect(body.reason).toBe('Conflict');
      expect(body.message).toBe(conflictMessage('flinkdeployments.flink.apache.org', 's-stale'));
      expect(storedReplicas(double, 's-stale')).toBe(2);
    });
  });

  describe('scale subresource when spec.taskManager.replicas is unset', () => {
    it('get: 500 InternalError "the spec replicas field … does not exist"', async () => {
      succeeded(await py.step('flinkdeployments.create', { body: withoutReplicas('s-unset-get') }));
      const { status, body } = refused(await py.step('flinkdeployments.getScale', { name: 's-unset-get' }));
      expect(status).toBe(500);
      expect(body.reason).toBe('InternalError');
      expect(body.message).toBe(
        'Internal error occurred: the spec replicas field ".spec.taskManager.replicas" does not exist',
      );
    });

    it('merge patch without replicas: 400 BadRequest "the spec replicas field … cannot be empty"', async () => {
      succeeded(await py.step('flinkdeployments.create', { body: withoutReplicas('s-unset-merge') }));
      const { status, body } = refused(
        await py.step('flinkdeployments.mergePatchScale', { name: 's-unset-merge', body: {} }),
      );
      expect(status).toBe(400);
      expect(body.reason).toBe('BadRequest');
      expect(body.message).toBe('the spec replicas field ".spec.taskManager.replicas" cannot be empty');
    });

    it('JSON Patch replace /spec/replicas: 200, the path exists on the old Scale', async () => {
      succeeded(await py.step('flinkdeployments.create', { body: withoutReplicas('s-unset-json') }));
      const answer = await py.step<RawAnswer>('flinkdeployments.patchAs', {
        name: 's-unset-json',
        subresource: 'scale',
        contentType: 'application/json-patch+json',
        body: [{ op: 'replace', path: '/spec/replicas', value: 3 }],
      });
      expect(answer.status).toBe(200);
      expect(storedReplicas(double, 's-unset-json')).toBe(3);
    });
  });

  describe('negative replicas are refused on every write', () => {
    it('through /scale: 422 "should be a non-negative integer"', async () => {
      double.flinkDeployments.put(fd('s-negative-scale', 2));
      const { status, body } = refused(
        await py.step('flinkdeployments.mergePatchScale', {
          name: 's-negative-scale',
          body: { spec: { replicas: -1 } },
        }),
      );
      expect(status).toBe(422);
      expect(body.reason).toBe('Invalid');
      expect(body.message).toContain(negative);
      expect(storedReplicas(double, 's-negative-scale')).toBe(2);
    });

    it('through the FlinkDeployment itself: 422 with the same field error', async () => {
      double.flinkDeployments.put(fd('s-negative-main', 2));
      const { status, body } = refused(
        await py.step('flinkdeployments.mergePatch', {
          name: 's-negative-main',
          body: { spec: { taskManager: { replicas: -1 } } },
        }),
      );
      expect(status).toBe(422);
      expect(body.message).toBe(`FlinkDeployment.flink.apache.org "s-negative-main" is invalid: ${negative}`);
      expect(storedReplicas(double, 's-negative-main')).toBe(2);
    });

    it('on create: 422', async () => {
      const { status, body } = refused(
        await py.step('flinkdeployments.create', { body: fd('s-negative-create', -1) }),
      );
      expect(status).toBe(422);
      expect(body.message).toBe(
        `FlinkDeployment.flink.apache.org "s-negative-create" is invalid: ${negative}`,
      );
    });
  });
}
