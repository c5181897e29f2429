/**
 * Built-in kinds with the official Python client: core/v1 Events (CoreV1Api) within and beyond the
 * API server's limits, Leases (CoordinationV1Api), TokenReview (AuthenticationV1Api), SubjectAccessReview
 * (AuthorizationV1Api), and a 429 with Retry-After as the client meets it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { KubeDouble } from '../doubles/kube/index.js';
import { boundToken, boundUser, conflictMessage, fd, ns, type Conformance } from './double.js';
import { refused, succeeded, type Attempt, type PythonClient } from './python-client.js';

let double: KubeDouble;
let py: PythonClient;

/** A core/v1 Event as events.k8s.io-style recorders write it: eventTime, action, reporting controller and instance. */
function event(name: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: ns },
    involvedObject: {
      apiVersion: 'flink.apache.org/v1beta1',
      kind: 'FlinkDeployment',
      name: 'wordcount',
      namespace: ns,
    },
    type: 'Normal',
    reason: 'Rescaled',
    message: 'scaled from 2 to 4 task managers',
    eventTime: '2026-12-04T17:00:00.000000Z',
    action: 'Scale',
    reportingComponent: 'flink-autoscaler',
    reportingInstance: 'wordcount-jobmanager-0',
    ...fields,
  };
}

const tooLong = (field: string, limit: number) =>
  `${field}: Invalid value: "": can have at most ${limit} characters`;

/** Registers these cases against the double and Python client that python.test.ts starts once for all. */
export function builtInKindCases(conformance: Conformance): void {
  beforeAll(() => {
    ({ double, py } = conformance);
  });

  describe('core/v1 Events with eventTime (CoreV1Api.create_namespaced_event)', () => {
    it('a message of exactly 1,024 bytes (512 Cyrillic letters) is accepted: 201', async () => {
      const message = 'я'.repeat(512);
      const created = succeeded<{ message: string; metadata: { uid?: string } }>(
        await py.step('events.create', { body: event('e-1024-bytes', { message }) }),
      );
      expect(created.message).toBe(message);
      expect(created.metadata.uid).toEqual(expect.any(String));
    });

    it('600 Cyrillic characters (1,200 bytes, under 1,024 characters): 422 on message', async () => {
      const { status, body } = refused(
        await py.step('events.create', { body: event('e-cyrillic', { message: 'щ'.repeat(600) }) }),
      );
      expect(status).toBe(422);
      expect(body.reason).toBe('Invalid');
      expect(body.message).toBe(`Event "e-cyrillic" is invalid: ${tooLong('message', 1024)}`);
    });

    it('600 CJK characters (1,800 bytes): 422 on message', async () => {
      const { status, body } = refused(
        await py.step('events.create', { body: event('e-cjk', { message: '缩'.repeat(600) }) }),
      );
      expect(status).toBe(422);
      expect(body.message).toBe(`Event "e-cjk" is invalid: ${tooLong('message', 1024)}`);
    });

    it('a reason of 128 characters is accepted; 129: 422 on reason', async () => {
      succeeded(await py.step('events.create', { body: event('e-reason-128', { reason: 'R'.repeat(128) }) }));
      const { status, body } = refused(
        await py.step('events.create', { body: event('e-reason-129', { reason: 'R'.repeat(129) }) }),
      );
      expect(status).toBe(422);
      expect(body.message).toBe(`Event "e-reason-129" is invalid: ${tooLong('reason', 128)}`);
    });

    it('the 128 limit of reason counts bytes too (Go len): 43 CJK characters, 129 bytes: 422', async () => {
      const { status, body } = refused(
        await py.step('events.create', { body: event('e-reason-cjk', { reason: '缩'.repeat(43) }) }),
      );
      expect(status).toBe(422);
      expect(body.message).toBe(`Event "e-reason-cjk" is invalid: ${tooLong('reason', 128)}`);
    });

    it('action and reportingInstance over 128 characters: 422 naming each', async () => {
      const { status, body } = refused(
        await py.step('events.create', {
          body: event('e-action-instance', { action: 'A'.repeat(129), reportingInstance: 'i'.repeat(129) }),
        }),
      );
      expect(status).toBe(422);
      expect(body.message).toContain(tooLong('reportingInstance', 128));
      expect(body.message).toContain(tooLong('action', 128));
    });

    it('reportingComponent, reportingInstance, action and reason are required: 422 naming each', async () => {
      const { status, body } = refused(
        await py.step('events.create', {
          body: event('e-required', {
            reportingComponent: '',
            reportingInstance: '',
            action: '',
            reason: '',
          }),
        }),
      );
      expect(status).toBe(422);
      for (const field of ['reportingComponent', 'reportingInstance', 'action', 'reason']) {
        expect(body.message).toContain(`${field}: Required value`);
      }
    });

    it('an Event without eventTime (the legacy form) has no such limits: a 2,000-byte message is accepted', async () => {
      const legacy = event('e-legacy', { message: 'ж'.repeat(1000) });
      for (const field of ['eventTime', 'action', 'reportingComponent', 'reportingInstance'])
        delete legacy[field];
      Object.assign(legacy, {
        source: { component: 'flink-autoscaler' },
        firstTimestamp: '2026-12-04T17:00:00Z',
        lastTimestamp: '2026-12-04T17:00:00Z',
        count: 1,
      });
      const created = succeeded<{ message: string }>(await py.step('events.create', { body: legacy }));
      expect(created.message).toBe('ж'.repeat(1000));
    });
  });

  describe('events.k8s.io/v1 Events (EventsV1Api.create_namespaced_event)', () => {
    const v1Event = (name: string, fields: Record<string, unknown> = {}) => ({
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name, namespace: ns },
      regarding: {
        apiVersion: 'flink.apache.org/v1beta1',
        kind: 'FlinkDeployment',
        name: 'wordcount',
        namespace: ns,
      },
      type: 'Normal',
      reason: 'Rescaled',
      note: 'scaled from 2 to 4 task managers',
      eventTime: '2026-12-04T17:00:00.000000Z',
      action: 'Scale',
      reportingController: 'flink-autoscaler',
      reportingInstance: 'wordcount-jobmanager-0',
      ...fields,
    });

    it('a complete Event is created: 201', async () => {
      const created = succeeded<{ note: string }>(
        await py.step('events.createV1', { body: v1Event('v1-ok') }),
      );
      expect(created.note).toBe('scaled from 2 to 4 task managers');
    });

    it('with deprecatedCount set: 422 "count: … needs to be unset"', async () => {
      const { status, body } = refused(
        await py.step('events.createV1', { body: v1Event('v1-deprecated', { deprecatedCount: 3 }) }),
      );
      expect(status).toBe(422);
      expect(body.message).toContain('count: Invalid value: "": needs to be unset');
    });
  });

  describe('Leases (CoordinationV1Api)', () => {
    interface Lease {
      metadata: { name: string; resourceVersion: string };
      spec: { holderIdentity?: string; leaseDurationSeconds?: number };
    }
    const lease = (name: string, holder: string, resourceVersion?: string) => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: ns, ...(resourceVersion === undefined ? {} : { resourceVersion }) },
      spec: {
        holderIdentity: holder,
        leaseDurationSeconds: 120,
        acquireTime: '2026-12-04T17:00:00.000000Z',
        renewTime: '2026-12-04T17:00:00.000000Z',
        leaseTransitions: 0,
      },
    });

    it('create, read, and replace with the current resourceVersion', async () => {
      const created = succeeded<Lease>(await py.step('leases.create', { body: lease('l-cycle', 'pod-a') }));
      expect(created.spec).toMatchObject({ holderIdentity: 'pod-a', leaseDurationSeconds: 120 });
      const read = succeeded<Lease>(await py.step('leases.read', { name: 'l-cycle' }));
      expect(read.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
      const renewed = succeeded<Lease>(
        await py.step('leases.replace', {
          name: 'l-cycle',
          body: lease('l-cycle', 'pod-b', read.metadata.resourceVersion),
        }),
      );
      expect(renewed.spec.holderIdentity).toBe('pod-b');
      expect(Number(renewed.metadata.resourceVersion)).toBeGreaterThan(Number(read.metadata.resourceVersion));
    });

    it('replace without a resourceVersion: 422 "must be specified for an update" (no unconditional update)', async () => {
      succeeded(await py.step('leases.create', { body: lease('l-unconditional', 'pod-a') }));
      const { status, body } = refused(
        await py.step('leases.replace', { name: 'l-unconditional', body: lease('l-unconditional', 'pod-b') }),
      );
      expect(status).toBe(422);
      expect(body.message).toBe(
        'Lease.coordination.k8s.io "l-unconditional" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
      );
    });

    it('replace with a stale resourceVersion: 409 Conflict on leases.coordination.k8s.io', async () => {
      const created = succeeded<Lease>(await py.step('leases.create', { body: lease('l-stale', 'pod-a') }));
      succeeded(
        await py.step('leases.replace', {
          name: 'l-stale',
          body: lease('l-stale', 'pod-b', created.metadata.resourceVersion),
        }),
      );
      const { status, body } = refused(
        await py.step('leases.replace', {
          name: 'l-stale',
          body: lease('l-stale', 'pod-c', created.metadata.resourceVersion),
        }),
      );
      expect(status).toBe(409);
      expect(body).toMatchObject({
        reason: 'Conflict',
        message: conflictMessage('leases.coordination.k8s.io', 'l-stale'),
        details: { name: 'l-stale', group: 'coordination.k8s.io', kind: 'leases' },
      });
      const read = succeeded<Lease>(await py.step('leases.read', { name: 'l-stale' }));
      expect(read.spec.holderIdentity).toBe('pod-b');
    });
  });

  describe('TokenReview (AuthenticationV1Api)', () => {
    interface Review {
      status: { authenticated?: boolean; user?: { username?: string }; audiences?: string[]; error?: string };
    }

    it('a token reviewed for its own audience: authenticated, the user, and the audiences it is valid for', async () => {
      const review = succeeded<Review>(
        await py.step('reviews.token', {
          body: { spec: { token: boundToken, audiences: ['flink-autoscaler'] } },
        }),
      );
      expect(review.status.authenticated).toBe(true);
      expect(review.status.user?.username).toBe(boundUser);
      expect(review.status.audiences).toEqual(['flink-autoscaler']);
    });

    it('the same token without audiences (the API server’s own): not authenticated, with an error', async () => {
      const review = succeeded<Review>(
        await py.step('reviews.token', { body: { spec: { token: boundToken } } }),
      );
      expect(review.status.authenticated).not.toBe(true);
      expect(review.status.user ?? {}).toEqual({});
      expect(review.status.error).toEqual(expect.any(String));
    });

    it('an unknown token: not authenticated, with an error', async () => {
      const review = succeeded<Review>(
        await py.step('reviews.token', {
          body: { spec: { token: 'nobody', audiences: ['flink-autoscaler'] } },
        }),
      );
      expect(review.status.authenticated).not.toBe(true);
      expect(review.status.error).toEqual(expect.any(String));
    });
  });

  describe('SubjectAccessReview (AuthorizationV1Api)', () => {
    const attributes = (verb: string) => ({
      namespace: ns,
      verb,
      group: 'flink.apache.org',
      resource: 'flinkdeployments',
      name: 'wordcount',
    });

    it('answers allowed for what the user may do, and not for what it may not', async () => {
      const allowed = succeeded<{ status: { allowed: boolean } }>(
        await py.step('reviews.subjectAccess', {
          body: { spec: { user: 'viewer', resourceAttributes: attributes('get') } },
        }),
      );
      expect(allowed.status.allowed).toBe(true);
      const denied = succeeded<{ status: { allowed: boolean } }>(
        await py.step('reviews.subjectAccess', {
          body: { spec: { user: 'viewer', resourceAttributes: attributes('delete') } },
        }),
      );
      expect(denied.status.allowed).toBe(false);
    });

    it('a group alone is a subject: system:masters may do anything', async () => {
      const review = succeeded<{ status: { allowed: boolean } }>(
        await py.step('reviews.subjectAccess', {
          body: { spec: { groups: ['system:masters'], resourceAttributes: attributes('delete') } },
        }),
      );
      expect(review.status.allowed).toBe(true);
    });

    it('neither user nor group: 422 "at least one of user or group must be specified"', async () => {
      const { status, body } = refused(
        await py.step('reviews.subjectAccess', { body: { spec: { resourceAttributes: attributes('get') } } }),
      );
      expect(status).toBe(422);
      expect(body.reason).toBe('Invalid');
      expect(body.message).toContain(
        'spec.user: Invalid value: "": at least one of user or group must be specified',
      );
    });
  });

  describe('429 Too Many Requests with Retry-After (API Priority and Fairness)', () => {
    it('a create answered 429 reaches the caller as ApiException 429 carrying Retry-After', async () => {
      double.setFault({
        kind: 'tooManyRequests',
        retryAfterSeconds: 2,
        match: { verbs: ['create'], resource: 'events' },
      });
      const { status, headers } = refused(await py.step('events.create', { body: event('e-throttled') }));
      expect(status).toBe(429);
      expect(headers['retry-after']).toBe('2');
    });

    it('a GET answered 429 with Retry-After: 1 is retried by the client after that second, then succeeds', async () => {
      double.flinkDeployments.put(fd('throttled-read', 2));
      double.setFault({
        kind: 'tooManyRequests',
        retryAfterSeconds: 1,
        match: { verbs: ['get'], resource: 'flinkdeployments', name: 'throttled-read' },
      });
      const attempt = await py.step<Attempt>('flinkdeployments.get', { name: 'throttled-read' });
      expect(attempt.ok).toBe(true);
      expect(attempt.seconds).toBeGreaterThanOrEqual(0.95);
      const gets = double
        .requests()
        .filter((r) => r.method === 'GET' && r.path.endsWith('/flinkdeployments/throttled-read'))
        .map((r) => r.status);
      expect(gets).toEqual([429, 200]);
    });
  });

  describe('writes whose answer is lost after they were committed', () => {
    it('a 504 Timeout answer: the client raises 504, and a read shows the write happened', async () => {
      double.flinkDeployments.put(fd('lost-504', 2));
      double.setFault({
        kind: 'loseAnswer',
        how: 'gatewayTimeout',
        match: { verbs: ['patch'], resource: 'flinkdeployments', name: 'lost-504' },
      });
      const { status, body } = refused(
        await py.step('flinkdeployments.mergePatch', {
          name: 'lost-504',
          body: { spec: { taskManager: { replicas: 5 } } },
        }),
      );
      expect(status).toBe(504);
      expect(body.reason).toBe('Timeout');
      const read = succeeded<{ spec: { taskManager: { replicas: number } } }>(
        await py.step('flinkdeployments.get', { name: 'lost-504' }),
      );
      expect(read.spec.taskManager.replicas).toBe(5);
    });

    it('a connection reset after the write: the client gets no answer, and a read shows the write happened', async () => {
      double.flinkDeployments.put(fd('lost-reset', 2));
      double.setFault({
        kind: 'loseAnswer',
        how: 'reset',
        match: { verbs: ['patch'], resource: 'flinkdeployments', name: 'lost-reset' },
      });
      const { status } = refused(
        await py.step('flinkdeployments.mergePatch', {
          name: 'lost-reset',
          body: { spec: { taskManager: { replicas: 6 } } },
        }),
      );
      expect(status).toBe(0);
      const read = succeeded<{ spec: { taskManager: { replicas: number } } }>(
        await py.step('flinkdeployments.get', { name: 'lost-reset' }),
      );
      expect(read.spec.taskManager.replicas).toBe(6);
    });
  });
}
