/**
 * The Kubernetes API double against real clients: the kubectl binary for what a user types, fetch for the
 * wire formats (watch, patches, conflicts, reviews, faults) the sidecar's client will meet.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as K8s from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openWatch, request, type Answer } from './test-client.js';
import {
  flinkDeployment,
  playOperator,
  runKubectl,
  serviceAccount,
  startKubeDouble,
  type FlinkDeployment,
  type KubeDouble,
  type ReplicasChange,
} from './index.js';

const ns = 'jobs';
const fdPath = (name = '') =>
  `/apis/flink.apache.org/v1beta1/namespaces/${ns}/flinkdeployments${name ? `/${name}` : ''}`;

let double: KubeDouble;

beforeAll(async () => {
  double = await startKubeDouble({
    namespace: ns,
    bookmarkIntervalMs: 100,
    users: [
      { token: 'admin-token', username: 'admin', groups: ['system:masters'] },
      { token: 'reader-token', username: 'reader' },
      serviceAccount(ns, 'flink-autoscaler', 'sidecar-token'),
      serviceAccount('monitoring', 'grafana', 'grafana-token', { audiences: ['flink-autoscaler'] }),
    ],
    rules: [
      {
        name: 'reader',
        users: ['reader'],
        verbs: ['get', 'list', 'watch'],
        apiGroups: ['flink.apache.org'],
        resources: ['flinkdeployments'],
        namespaces: [ns],
      },
      {
        name: 'sidecar',
        groups: [`system:serviceaccounts:${ns}`],
        verbs: ['get', 'list', 'watch'],
        apiGroups: ['flink.apache.org'],
        resources: ['flinkdeployments'],
        namespaces: [ns],
      },
      {
        name: 'sidecar-scale',
        groups: [`system:serviceaccounts:${ns}`],
        verbs: ['get', 'patch', 'update'],
        apiGroups: ['flink.apache.org'],
        resources: ['flinkdeployments/scale'],
        namespaces: [ns],
      },
      {
        name: 'sidecar-events',
        groups: [`system:serviceaccounts:${ns}`],
        verbs: ['create', 'patch'],
        apiGroups: ['', 'events.k8s.io'],
        resources: ['events'],
        namespaces: [ns],
      },
      {
        name: 'auth-delegator',
        groups: [`system:serviceaccounts:${ns}`],
        verbs: ['create'],
        apiGroups: ['authentication.k8s.io', 'authorization.k8s.io'],
        resources: ['tokenreviews', 'subjectaccessreviews'],
      },
      {
        name: 'manual-scaler',
        users: ['grafana:alice'],
        verbs: ['patch'],
        apiGroups: ['flink.apache.org'],
        resources: ['flinkdeployments/scale'],
        resourceNames: ['wordcount'],
        namespaces: [ns],
      },
    ],
  });
}, 60_000);

afterAll(async () => {
  await double?.close();
});

afterEach(() => {
  double.clearFaults();
});

/** A fresh FlinkDeployment as the operator leaves it once running (RUNNING, STABLE, reconciled). */
function seed(name: string, replicas = 2, labels?: Record<string, string>): FlinkDeployment {
  double.flinkDeployments.put(
    flinkDeployment({ name, namespace: ns, replicas, ...(labels ? { labels } : {}) }),
  );
  return double.flinkDeployments.reconcile(ns, name);
}

function api(path: string, options: Parameters<typeof request>[2] = {}): Promise<Answer> {
  return request(double.url, path, options);
}

interface WatchEvent {
  type: string;
  object: {
    kind?: string;
    metadata: { name?: string; resourceVersion?: string; annotations?: Record<string, string> };
    spec?: FlinkDeployment['spec'];
    code?: number;
    reason?: string;
    message?: string;
  };
}

/** Opens a watch and collects its JSON lines. */
async function watch(path: string, token = 'admin-token') {
  const opened = await openWatch<WatchEvent>(double.url + path, token);
  return {
    ...opened,
    until: (predicate: (events: WatchEvent[]) => boolean) =>
      vi.waitFor(() => expect(predicate(opened.events)).toBe(true), { timeout: 3000, interval: 10 }),
  };
}

/** client-node 2 (undici 7) needs a newer Node than 20: load it here so that only its test fails, and says why. */
async function loadClientNode(): Promise<typeof K8s> {
  try {
    return await import('@kubernetes/client-node');
  } catch (error) {
    throw new Error(
      `@kubernetes/client-node does not load on Node ${process.version} (${(error as Error).message}); the project tests on Node 24 (npm test)`,
      { cause: error },
    );
  }
}

describe('real kubectl against the double', () => {
  const kubectl = (user: string | { token: string }, ...args: string[]) =>
    runKubectl(double.kubeconfig(user), args, { home: double.dir });

  it('is installed (these tests fail, never skip, without it)', async () => {
    const result = await runKubectl('/dev/null', ['version', '--client'], { home: double.dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Client Version: v1\.\d+/);
  });

  it('get flinkdeployments prints the CRD printer columns (server-side Table)', async () => {
    seed('kubectl-get');
    const { code, stdout, stderr } = await kubectl('admin', 'get', 'flinkdeployments');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^NAME\s+JOB STATUS\s+LIFECYCLE STATE$/m);
    expect(stdout).toMatch(/^kubectl-get\s+RUNNING\s+STABLE$/m);
    // aggregated discovery, then the list: kubectl needs nothing else
    const paths = double
      .requests()
      .filter((r) => r.userAgent.startsWith('kubectl/'))
      .map((r) => `${r.method} ${r.path}`);
    expect(paths).toEqual(expect.arrayContaining(['GET /api', 'GET /apis', `GET ${fdPath()}`]));
  });

  it('get flinkdeployments -o json prints the stored objects', async () => {
    seed('kubectl-json', 3);
    const { code, stdout } = await kubectl('admin', 'get', 'flinkdeployments', '-o', 'json');
    expect(code).toBe(0);
    const list = JSON.parse(stdout) as { kind: string; items: FlinkDeployment[] };
    expect(list.kind).toBe('List');
    const item = list.items.find((i) => i.metadata.name === 'kubectl-json');
    expect(item).toMatchObject({
      apiVersion: 'flink.apache.org/v1beta1',
      kind: 'FlinkDeployment',
      spec: { taskManager: { replicas: 3 } },
    });
    expect(item?.metadata).toEqual(double.flinkDeployments.get(ns, 'kubectl-json')?.metadata);
  });

  it('scale writes spec.taskManager.replicas through /scale, fires onReplicasChange, and the played operator settles', async () => {
    const before = seed('kubectl-scale', 2);
    const changes: ReplicasChange[] = [];
    const off = double.onReplicasChange((change) => changes.push(change));
    const stop = playOperator(double, { restartMs: 30 });
    try {
      const { code, stdout, stderr } = await kubectl(
        'admin',
        'scale',
        'flinkdeployment',
        'kubectl-scale',
        '--replicas=5',
      );
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout.trim()).toBe('flinkdeployment.flink.apache.org/kubectl-scale scaled');
      const after = double.flinkDeployments.get(ns, 'kubectl-scale');
      expect(after?.spec.taskManager?.replicas).toBe(5);
      expect(after?.metadata.generation).toBe((before.metadata.generation ?? 0) + 1);
      const patch = double
        .requests()
        .find((r) => r.method === 'PATCH' && r.path === `${fdPath('kubectl-scale')}/scale`);
      expect(patch).toMatchObject({
        contentType: 'application/merge-patch+json',
        body: '{"spec":{"replicas":5}}',
        user: 'admin',
        status: 200,
      });
      await vi.waitFor(() => expect(changes).toHaveLength(1));
      expect(changes[0]).toMatchObject({
        namespace: ns,
        name: 'kubectl-scale',
        from: 2,
        to: 5,
        generation: after?.metadata.generation,
      });
      await vi.waitFor(() =>
        expect(double.flinkDeployments.get(ns, 'kubectl-scale')?.status).toMatchObject({
          jobStatus: { state: 'RUNNING' },
          lifecycleState: 'STABLE',
          observedGeneration: after?.metadata.generation,
          taskManager: { replicas: 5, labelSelector: 'component=taskmanager,app=kubectl-scale' },
        }),
      );
      expect(double.flinkDeployments.scale(ns, 'kubectl-scale')).toMatchObject({
        spec: { replicas: 5 },
        status: { replicas: 5 },
      });
    } finally {
      stop();
      off();
    }
  });

  it('annotate adds an annotation, refuses to change it without --overwrite, changes it with', async () => {
    const before = seed('kubectl-annotate');
    const first = await kubectl(
      'admin',
      'annotate',
      'flinkdeployment',
      'kubectl-annotate',
      'flink-autoscaler.io/state=idle',
    );
    expect(first).toMatchObject({
      code: 0,
      stdout: 'flinkdeployment.flink.apache.org/kubectl-annotate annotated\n',
    });
    const annotated = double.flinkDeployments.get(ns, 'kubectl-annotate');
    expect(annotated?.metadata.annotations).toEqual({ 'flink-autoscaler.io/state': 'idle' });
    expect(annotated?.metadata.generation).toBe(before.metadata.generation);
    const patch = double
      .requests()
      .findLast((r) => r.method === 'PATCH' && r.path === fdPath('kubectl-annotate'));
    expect(patch).toMatchObject({
      contentType: 'application/merge-patch+json',
      query: '?fieldManager=kubectl-annotate',
    });

    const refused = await kubectl(
      'admin',
      'annotate',
      'flinkdeployment',
      'kubectl-annotate',
      'flink-autoscaler.io/state=busy',
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      "--overwrite is false but found the following declared annotation(s): 'flink-autoscaler.io/state' already has a value (idle)",
    );
    const overwritten = await kubectl(
      'admin',
      'annotate',
      '--overwrite',
      'flinkdeployment',
      'kubectl-annotate',
      'flink-autoscaler.io/state=busy',
    );
    expect(overwritten.code).toBe(0);
    expect(double.flinkDeployments.get(ns, 'kubectl-annotate')?.metadata.annotations).toEqual({
      'flink-autoscaler.io/state': 'busy',
    });
  });

  it('get events lists Events written through core v1 and events.k8s.io/v1', async () => {
    seed('kubectl-events');
    const regarding = {
      apiVersion: 'flink.apache.org/v1beta1',
      kind: 'FlinkDeployment',
      name: 'kubectl-events',
      namespace: ns,
    };
    const now = new Date().toISOString();
    const core = await api(`/api/v1/namespaces/${ns}/events`, {
      method: 'POST',
      token: 'sidecar-token',
      body: {
        metadata: { generateName: 'kubectl-events.' },
        involvedObject: regarding,
        reason: 'ScaledUp',
        message: 'scaled 2 -> 4 (backlog-time-high)',
        type: 'Normal',
        source: { component: 'flink-autoscaler' },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
      },
    });
    expect(core.status).toBe(201);
    const v1 = await api(`/apis/events.k8s.io/v1/namespaces/${ns}/events`, {
      method: 'POST',
      token: 'sidecar-token',
      body: {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name: 'kubectl-events.manual' },
        eventTime: now.replace('Z', '000Z'), // MicroTime: exactly six fractional digits
        reportingController: 'flink-autoscaler.io/sidecar',
        reportingInstance: 'kubectl-events-jm',
        action: 'Scale',
        reason: 'ManualScaleRequested',
        note: 'by grafana:alice 4 -> 6',
        type: 'Normal',
        regarding,
      },
    });
    expect(v1.status).toBe(201);
    const { code, stdout, stderr } = await kubectl('admin', 'get', 'events');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/m);
    expect(stdout).toMatch(
      /^\S+\s+Normal\s+ScaledUp\s+flinkdeployment\/kubectl-events\s+scaled 2 -> 4 \(backlog-time-high\)$/m,
    );
    expect(stdout).toMatch(
      /^\S+\s+Normal\s+ManualScaleRequested\s+flinkdeployment\/kubectl-events\s+by grafana:alice 4 -> 6$/m,
    );
    expect(double.events(ns).map((e) => e.reason)).toEqual(
      expect.arrayContaining(['ScaledUp', 'ManualScaleRequested']),
    );
  });

  it('apply -f creates and then updates a FlinkDeployment (server-side field validation via /openapi/v3)', async () => {
    const file = join(double.dir, 'kubectl-apply.json');
    const manifest = flinkDeployment({ name: 'kubectl-apply', namespace: ns, replicas: 2 });
    writeFileSync(file, JSON.stringify(manifest));
    const created = await kubectl('admin', 'apply', '-f', file);
    expect(created).toMatchObject({
      code: 0,
      stdout: 'flinkdeployment.flink.apache.org/kubectl-apply created\n',
    });
    const post = double.requests().find((r) => r.method === 'POST' && r.path === fdPath());
    expect(post?.query).toContain('fieldValidation=Strict');
    writeFileSync(
      file,
      JSON.stringify({ ...manifest, spec: { ...manifest.spec, taskManager: { replicas: 3 } } }),
    );
    const changes: ReplicasChange[] = [];
    const off = double.onReplicasChange((change) => changes.push(change));
    const configured = await kubectl('admin', 'apply', '-f', file);
    off();
    expect(configured).toMatchObject({
      code: 0,
      stdout: 'flinkdeployment.flink.apache.org/kubectl-apply configured\n',
    });
    expect(double.flinkDeployments.get(ns, 'kubectl-apply')).toMatchObject({
      metadata: { generation: 2 },
      spec: { taskManager: { replicas: 3 } },
    });
    await vi.waitFor(() => expect(changes.map((c) => [c.from, c.to])).toEqual([[2, 3]]));
  });

  it('a user without the permission gets the apiserver forbidden error, and nothing changes', async () => {
    seed('kubectl-forbidden', 2);
    const scaled = await kubectl('reader', 'scale', 'flinkdeployment', 'kubectl-forbidden', '--replicas=4');
    expect(scaled.code).toBe(1);
    expect(scaled.stderr.trim()).toBe(
      'Error from server (Forbidden): flinkdeployments.flink.apache.org "kubectl-forbidden" is forbidden: User "reader" cannot patch resource "flinkdeployments/scale" in API group "flink.apache.org" in the namespace "jobs"',
    );
    expect(double.flinkDeployments.get(ns, 'kubectl-forbidden')?.spec.taskManager?.replicas).toBe(2);
    const events = await kubectl('reader', 'get', 'events');
    expect(events.stderr.trim()).toBe(
      'Error from server (Forbidden): events is forbidden: User "reader" cannot list resource "events" in API group "" in the namespace "jobs"',
    );
    expect((await kubectl('reader', 'get', 'flinkdeployments')).code).toBe(0);
  });

  it('an unknown token gets 401 and kubectl says so', async () => {
    const { code, stderr } = await kubectl({ token: 'not-a-token' }, 'get', 'flinkdeployments');
    expect(code).toBe(1);
    expect(stderr).toContain('error: You must be logged in to the server (Unauthorized)');
  });

  it('without aggregated discovery kubectl falls back to the per-group documents', async () => {
    const legacy = await startKubeDouble({
      namespace: ns,
      aggregatedDiscovery: false,
      users: [{ token: 'admin-token', username: 'admin', groups: ['system:masters'] }],
      flinkDeployments: [flinkDeployment({ name: 'legacy', namespace: ns })],
    });
    try {
      const { code, stdout } = await runKubectl(legacy.kubeconfig('admin'), ['get', 'flinkdep', 'legacy'], {
        home: legacy.dir,
      });
      expect(code).toBe(0);
      expect(stdout).toMatch(/^NAME\s+JOB STATUS\s+LIFECYCLE STATE$/m);
      expect(stdout).toMatch(/^legacy\s*$/m); // no status yet: the apiserver sends null cells, kubectl prints blanks
      expect(legacy.requests().map((r) => r.path)).toContain('/apis/flink.apache.org/v1beta1');
    } finally {
      await legacy.close();
    }
  });
});

describe('discovery and identity over the wire', () => {
  it('serves legacy and aggregated discovery, /version to anyone', async () => {
    const version = await api('/version', { token: null });
    expect(version.status).toBe(200);
    expect(version.body).toMatchObject({ major: '1', minor: '32', gitVersion: 'v1.32.4' });
    const resources = await api('/apis/flink.apache.org/v1beta1');
    expect(resources.body['resources']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'flinkdeployments',
          kind: 'FlinkDeployment',
          namespaced: true,
          shortNames: ['flinkdep'],
        }),
        expect.objectContaining({
          name: 'flinkdeployments/scale',
          group: 'autoscaling',
          version: 'v1',
          kind: 'Scale',
          verbs: ['get', 'patch', 'update'],
        }),
      ]),
    );
    const aggregated = await api('/apis', {
      accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
    });
    expect(aggregated.headers.get('content-type')).toBe(
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    );
    expect(aggregated.body['kind']).toBe('APIGroupDiscoveryList');
    expect(JSON.stringify(aggregated.body)).toContain(
      '"subresource":"scale","responseKind":{"group":"autoscaling","version":"v1","kind":"Scale"}',
    );
  });

  it('401 for an unknown token, 403 for anonymous and unauthorized users, in the apiserver wording', async () => {
    const unknown = await api(fdPath(), { token: 'wrong' });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
    const anonymous = await api(fdPath(), { token: null });
    expect(anonymous.status).toBe(403);
    expect(anonymous.body['message']).toBe(
      'flinkdeployments.flink.apache.org is forbidden: User "system:anonymous" cannot list resource "flinkdeployments" in API group "flink.apache.org" in the namespace "jobs"',
    );
    const other = await api('/apis/flink.apache.org/v1beta1/namespaces/other/flinkdeployments/x/scale', {
      token: 'sidecar-token',
      method: 'PATCH',
      body: {},
      contentType: 'application/merge-patch+json',
    });
    expect(other.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'flinkdeployments.flink.apache.org "x" is forbidden: User "system:serviceaccount:jobs:flink-autoscaler" cannot patch resource "flinkdeployments/scale" in API group "flink.apache.org" in the namespace "other"',
      reason: 'Forbidden',
      details: { name: 'x', group: 'flink.apache.org', kind: 'flinkdeployments' },
      code: 403,
    });
  });

  it('TokenReview: who a token is, for the API server or a named audience', async () => {
    const review = (spec: Record<string, unknown>) =>
      api('/apis/authentication.k8s.io/v1/tokenreviews', {
        method: 'POST',
        token: 'sidecar-token',
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec },
      });
    const sa = await review({ token: 'sidecar-token' });
    expect(sa.status).toBe(201);
    expect(sa.body['status']).toMatchObject({
      authenticated: true,
      audiences: ['https://kubernetes.default.svc.cluster.local'],
      user: {
        username: 'system:serviceaccount:jobs:flink-autoscaler',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:jobs', 'system:authenticated'],
      },
    });
    const grafana = await review({ token: 'grafana-token', audiences: ['flink-autoscaler'] });
    expect(grafana.body['status']).toMatchObject({
      authenticated: true,
      audiences: ['flink-autoscaler'],
      user: { username: 'system:serviceaccount:monitoring:grafana' },
    });
    // a token minted for our audience is no credential for the API server itself
    expect((await review({ token: 'grafana-token' })).body['status']).toMatchObject({
      user: {},
      error: expect.stringContaining('invalid bearer token'),
    });
    expect((await api(fdPath(), { token: 'grafana-token' })).status).toBe(401);
    const unknown = await review({ token: 'nobody' });
    expect(unknown.body['status']).toEqual({
      user: {},
      error: '[invalid bearer token, token lookup failed]',
    });
    expect((await review({})).status).toBe(400);
    expect(
      (
        await api('/apis/authentication.k8s.io/v1/tokenreviews', {
          method: 'POST',
          token: 'reader-token',
          body: { spec: { token: 'x' } },
        })
      ).status,
    ).toBe(403);
  });

  it('SubjectAccessReview and LocalSubjectAccessReview answer from the same rules', async () => {
    const sar = (spec: Record<string, unknown>) =>
      api('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        method: 'POST',
        token: 'sidecar-token',
        body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec },
      });
    const attributes = {
      namespace: ns,
      verb: 'patch',
      group: 'flink.apache.org',
      resource: 'flinkdeployments',
      subresource: 'scale',
      name: 'wordcount',
    };
    const allowed = await sar({
      user: 'grafana:alice',
      groups: ['system:authenticated'],
      resourceAttributes: attributes,
    });
    expect(allowed.status).toBe(201);
    expect(allowed.body).toMatchObject({
      kind: 'SubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      spec: { user: 'grafana:alice' },
      status: { allowed: true, reason: expect.stringContaining('manual-scaler') },
    });
    expect(
      (await sar({ user: 'grafana:alice', resourceAttributes: { ...attributes, name: 'other' } })).body[
        'status'
      ],
    ).toEqual({ allowed: false });
    expect(
      (await sar({ user: 'grafana:alice', resourceAttributes: { ...attributes, namespace: 'other' } })).body[
        'status'
      ],
    ).toEqual({ allowed: false });
    expect((await sar({ user: 'grafana:bob', resourceAttributes: attributes })).body['status']).toEqual({
      allowed: false,
    });
    expect(
      (await sar({ user: 'x', groups: ['system:masters'], resourceAttributes: attributes })).body['status'],
    ).toEqual({ allowed: true });
    const invalid = await sar({ resourceAttributes: attributes });
    expect(invalid.status).toBe(422);
    expect(invalid.body['message']).toBe(
      'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": at least one of user or group must be specified',
    );
    const local = (namespace: string) =>
      api(`/apis/authorization.k8s.io/v1/namespaces/${namespace}/localsubjectaccessreviews`, {
        method: 'POST',
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'LocalSubjectAccessReview',
          spec: { user: 'grafana:alice', resourceAttributes: attributes },
        },
      });
    expect((await local(ns)).body['status']).toMatchObject({ allowed: true });
    expect((await local('other')).body['message']).toBe(
      'spec.resourceAttributes.namespace must match namespace: other',
    );
  });
});

describe('FlinkDeployments over the wire', () => {
  it('watch streams JSON lines from a resourceVersion, follows selectors, sends bookmarks, and 410s once compacted', async () => {
    const start = seed('watch-me', 2, { 'flink-autoscaler.io/enabled': 'true' });
    const stream = await watch(
      `${fdPath()}?watch=true&resourceVersion=${start.metadata.resourceVersion}&labelSelector=flink-autoscaler.io%2Fenabled%3Dtrue&allowWatchBookmarks=true`,
      'sidecar-token',
    );
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toBe('application/json');
    seed('not-enabled');
    const scaled = await api(`${fdPath('watch-me')}/scale`, {
      method: 'PATCH',
      token: 'sidecar-token',
      body: { spec: { replicas: 3 } },
      contentType: 'application/merge-patch+json',
    });
    expect(scaled.status).toBe(200);
    await api(fdPath('watch-me'), {
      method: 'PATCH',
      body: { metadata: { labels: { 'flink-autoscaler.io/enabled': null } } },
      contentType: 'application/merge-patch+json',
    });
    await stream.until(
      (events) => events.some((e) => e.type === 'DELETED') && events.some((e) => e.type === 'BOOKMARK'),
    );
    const changes = stream.events.filter((e) => e.type !== 'BOOKMARK');
    expect(
      changes.map((e) => [e.type, e.object.metadata.name, e.object.spec?.taskManager?.replicas]),
    ).toEqual([
      ['MODIFIED', 'watch-me', 3],
      ['DELETED', 'watch-me', 3], // the label went: for this selector the object is gone
    ]);
    const versions = changes.map((e) => Number(e.object.metadata.resourceVersion));
    expect(versions[0]).toBeGreaterThan(Number(start.metadata.resourceVersion));
    expect(versions[1]).toBeGreaterThan(versions[0] ?? 0);
    expect(stream.events.find((e) => e.type === 'BOOKMARK')?.object).toMatchObject({
      kind: 'FlinkDeployment',
      metadata: { resourceVersion: expect.any(String) },
    });
    stream.close();

    const fresh = await watch(`${fdPath()}?watch=true&fieldSelector=metadata.name%3Dwatch-me`);
    await fresh.until((events) => events.length === 1);
    expect(fresh.events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'watch-me' } } });
    fresh.close();

    double.compact();
    const expired = await watch(`${fdPath()}?watch=true&resourceVersion=${start.metadata.resourceVersion}`);
    await expired.until((events) => events.length === 1);
    expect(expired.events[0]).toEqual({
      type: 'ERROR',
      object: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: expect.stringMatching(/^too old resource version: \d+ \(\d+\)$/),
        reason: 'Expired',
        code: 410,
      },
    });
    await vi.waitFor(() => expect(expired.ended()).toBe(true));
  });

  it('JSON Patch with a failing test op answers 422 Invalid without details, and changes nothing', async () => {
    const fd = seed('json-patch', 4);
    const patch = (value: number) =>
      api(`${fdPath('json-patch')}/scale`, {
        method: 'PATCH',
        token: 'sidecar-token',
        contentType: 'application/json-patch+json',
        body: [
          { op: 'test', path: '/spec/replicas', value },
          { op: 'replace', path: '/spec/replicas', value: 6 },
        ],
      });
    const failed = await patch(3);
    expect(failed.status).toBe(422);
    expect(failed.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server rejected our request due to an error in our request',
      reason: 'Invalid',
      details: {},
      code: 422,
    });
    expect(double.flinkDeployments.get(ns, 'json-patch')?.metadata.resourceVersion).toBe(
      fd.metadata.resourceVersion,
    );
    const applied = await patch(4);
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      spec: { replicas: 6 },
      status: { replicas: 4, selector: 'component=taskmanager,app=json-patch' },
    });
    const malformed = await api(fdPath('json-patch'), {
      method: 'PATCH',
      contentType: 'application/json-patch+json',
      body: '{"op":"add"}',
    });
    expect(malformed.status).toBe(400);
  });

  it('strategic merge patch is refused with 415, as apiextensions-apiserver refuses it', async () => {
    seed('strategic');
    const refused = await api(fdPath('strategic'), {
      method: 'PATCH',
      contentType: 'application/strategic-merge-patch+json',
      body: { metadata: { labels: { a: 'b' } } },
    });
    expect(refused.status).toBe(415);
    expect(refused.body).toMatchObject({
      reason: 'UnsupportedMediaType',
      message:
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    });
  });

  it('update with a stale resourceVersion is a 409 Conflict; without one a 422; scale without one is unconditional', async () => {
    const fd = seed('conflict', 2);
    await api(fdPath('conflict'), {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations: { touched: 'yes' } } },
    });
    const stale = await api(fdPath('conflict'), {
      method: 'PUT',
      body: { ...fd, spec: { ...fd.spec, image: 'flink:2.0' } },
    });
    expect(stale.status).toBe(409);
    expect(stale.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'Operation cannot be fulfilled on flinkdeployments.flink.apache.org "conflict": the object has been modified; please apply your changes to the latest version and try again',
      reason: 'Conflict',
      details: { name: 'conflict', group: 'flink.apache.org', kind: 'flinkdeployments' },
      code: 409,
    });
    const { resourceVersion: _rv, ...metadata } = fd.metadata;
    const unconditional = await api(fdPath('conflict'), { method: 'PUT', body: { ...fd, metadata } });
    expect(unconditional.status).toBe(422);
    expect(unconditional.body['message']).toBe(
      'FlinkDeployment.flink.apache.org "conflict" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
    );
    const scale = {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name: 'conflict', namespace: ns, resourceVersion: fd.metadata.resourceVersion },
      spec: { replicas: 7 },
    };
    expect(
      (await api(`${fdPath('conflict')}/scale`, { method: 'PUT', token: 'sidecar-token', body: scale }))
        .status,
    ).toBe(409);
    const { resourceVersion: _scaleRv, ...scaleMetadata } = scale.metadata;
    const put = await api(`${fdPath('conflict')}/scale`, {
      method: 'PUT',
      token: 'sidecar-token',
      body: { ...scale, metadata: scaleMetadata },
    });
    expect(put.status).toBe(200);
    expect(double.flinkDeployments.get(ns, 'conflict')?.spec.taskManager?.replicas).toBe(7);
    const negative = await api(`${fdPath('conflict')}/scale`, {
      method: 'PUT',
      body: { ...scale, metadata: scaleMetadata, spec: { replicas: -1 } },
    });
    expect(negative.body['message']).toBe(
      'FlinkDeployment.flink.apache.org "conflict" is invalid: .spec.taskManager.replicas: Invalid value: -1: should be a non-negative integer',
    );
  });

  it('validates against the CRD schema: 422 Invalid, strict unknown fields 400, warnings by default', async () => {
    const good = flinkDeployment({ name: 'schema', namespace: ns });
    const bad = { ...good, spec: { ...good.spec, mode: 'bogus', taskManager: { replicas: 'two' } } };
    const invalid = await api(fdPath(), { method: 'POST', body: bad });
    expect(invalid.status).toBe(422);
    expect(invalid.body).toMatchObject({
      reason: 'Invalid',
      message: expect.stringContaining('FlinkDeployment.flink.apache.org "schema" is invalid: ['),
      details: { name: 'schema', group: 'flink.apache.org', kind: 'FlinkDeployment' },
    });
    expect(invalid.body['message']).toContain(
      'spec.mode: Unsupported value: "bogus": supported values: "native", "standalone"',
    );
    expect(invalid.body['message']).toContain(
      'spec.taskManager.replicas: Invalid value: "string": spec.taskManager.replicas in body must be of type integer: "string"',
    );
    const unknown = { ...good, spec: { ...good.spec, surprise: true } };
    const strict = await api(`${fdPath()}?fieldValidation=Strict`, { method: 'POST', body: unknown });
    expect(strict.status).toBe(400);
    expect(strict.body['message']).toBe(
      'FlinkDeployment in version "v1beta1" cannot be handled as a FlinkDeployment: strict decoding error: unknown field "spec.surprise"',
    );
    const warned = await api(fdPath(), {
      method: 'POST',
      body: { ...unknown, status: { lifecycleState: 'STABLE' } },
    });
    expect(warned.status).toBe(201);
    expect(warned.headers.get('warning')).toBe('299 - "unknown field \\"spec.surprise\\""');
    expect(warned.body).toMatchObject({
      metadata: { generation: 1, uid: expect.any(String), creationTimestamp: expect.any(String) },
    });
    expect(warned.body['spec']).not.toHaveProperty('surprise');
    expect(warned.body).not.toHaveProperty('status'); // the status subresource owns status
    // flinkConfiguration preserves unknown fields
    const configured = await api(fdPath('schema'), {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { spec: { flinkConfiguration: { 'any.key': 'kept' } } },
    });
    expect(configured.body).toMatchObject({
      spec: { flinkConfiguration: { 'any.key': 'kept' } },
      metadata: { generation: 2 },
    });
    expect((await api(fdPath(), { method: 'POST', body: good })).status).toBe(409);
    const elsewhere = { ...good, metadata: { name: 'schema' } };
    const missing = await api('/apis/flink.apache.org/v1beta1/namespaces/nowhere/flinkdeployments', {
      method: 'POST',
      body: elsewhere,
    });
    expect(missing.body).toMatchObject({ code: 404, message: 'namespaces "nowhere" not found' });
  });

  it('generation counts spec changes only; /status writes only status', async () => {
    const fd = seed('generation');
    const relabeled = await api(fdPath('generation'), {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { x: 'y' } }, status: { lifecycleState: 'FAILED' } },
    });
    expect(relabeled.body).toMatchObject({
      metadata: { generation: fd.metadata.generation, labels: { x: 'y' } },
      status: { lifecycleState: 'STABLE' },
    });
    const status = await api(`${fdPath('generation')}/status`, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { spec: { image: 'ignored' }, status: { lifecycleState: 'UPGRADING' } },
    });
    expect(status.body).toMatchObject({
      spec: { image: 'flink:1.20' },
      status: { lifecycleState: 'UPGRADING' },
      metadata: { generation: fd.metadata.generation },
    });
    const respec = await api(fdPath('generation'), {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { spec: { image: 'flink:2.0' } },
    });
    expect(respec.body).toMatchObject({ metadata: { generation: (fd.metadata.generation ?? 0) + 1 } });
    // a write that changes nothing is no write
    const again = await api(fdPath('generation'), {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { spec: { image: 'flink:2.0' } },
    });
    expect((again.body['metadata'] as { resourceVersion: string }).resourceVersion).toBe(
      (respec.body['metadata'] as { resourceVersion: string }).resourceVersion,
    );
  });

  it('events.k8s.io/v1 requires its fields and converts to and from core v1', async () => {
    // Without eventTime the legacy checks look at the namespaces only; the strict ones require eventTime.
    const invalid = await api(`/apis/events.k8s.io/v1/namespaces/${ns}/events`, {
      method: 'POST',
      token: 'sidecar-token',
      body: { metadata: { name: 'e1' }, type: 'Normal' },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body['message']).toBe(
      'Event.events.k8s.io "e1" is invalid: [involvedObject.namespace: Invalid value: "": does not match event.namespace, eventTime: Required value]',
    );
    const unreported = await api(`/apis/events.k8s.io/v1/namespaces/${ns}/events`, {
      method: 'POST',
      token: 'sidecar-token',
      body: {
        metadata: { name: 'e1' },
        type: 'Normal',
        eventTime: '2030-01-02T03:04:05.678000Z',
        regarding: { kind: 'FlinkDeployment', name: 'x', namespace: ns },
        reportingController: 'c',
      },
    });
    expect(unreported.body['message']).toBe(
      'Event.events.k8s.io "e1" is invalid: [reportingInstance: Required value, action: Required value, reason: Required value]',
    );
    const v1Body = (eventTime: string) => ({
      metadata: { name: 'e2' },
      eventTime,
      reportingController: 'c',
      reportingInstance: 'i',
      action: 'Scale',
      reason: 'R',
      note: 'n',
      type: 'Warning',
      regarding: { kind: 'FlinkDeployment', name: 'converted', namespace: ns },
    });
    const millis = await api(`/apis/events.k8s.io/v1/namespaces/${ns}/events`, {
      method: 'POST',
      token: 'sidecar-token',
      body: v1Body('2030-01-02T03:04:05.678Z'),
    });
    expect(millis.status).toBe(400);
    expect(millis.body['message']).toBe(
      'Event in version "v1" cannot be handled as a Event: parsing time "2030-01-02T03:04:05.678Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".678Z" as ".000000"',
    );
    const created = await api(`/apis/events.k8s.io/v1/namespaces/${ns}/events`, {
      method: 'POST',
      token: 'sidecar-token',
      body: {
        metadata: { name: 'e2' },
        eventTime: '2030-01-02T03:04:05.678901Z',
        reportingController: 'c',
        reportingInstance: 'i',
        action: 'Scale',
        reason: 'R',
        note: 'n',
        type: 'Warning',
        regarding: { kind: 'FlinkDeployment', name: 'converted', namespace: ns },
      },
    });
    expect(created.body).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      eventTime: '2030-01-02T03:04:05.678901Z',
      note: 'n',
    });
    const core = await api(`/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name%3Dconverted`);
    expect(core.body['items']).toEqual([
      expect.objectContaining({
        involvedObject: { kind: 'FlinkDeployment', name: 'converted', namespace: ns },
        message: 'n',
        reportingComponent: 'c',
        reportingInstance: 'i',
        type: 'Warning',
      }),
    ]);
    expect((await api(`/api/v1/namespaces/${ns}/events/e2`)).body).toMatchObject({
      kind: 'Event',
      apiVersion: 'v1',
      reason: 'R',
    });
    const deleted = await api(`/api/v1/namespaces/${ns}/events/e2`, { method: 'DELETE' });
    expect(deleted.body).toMatchObject({
      kind: 'Status',
      status: 'Success',
      details: { name: 'e2', kind: 'events' },
    });
    expect((await api(`/api/v1/namespaces/${ns}/events/e2`)).status).toBe(404);
  });

  it('@kubernetes/client-node works against it (https kubeconfig): read, compare-and-swap scale, Event, TokenReview, watch', async () => {
    seed('client-node', 2);
    const k8s = await loadClientNode();
    const config = new k8s.KubeConfig();
    config.loadFromFile(double.kubeconfig('system:serviceaccount:jobs:flink-autoscaler'));
    const objects = config.makeApiClient(k8s.CustomObjectsApi);
    const target = {
      group: 'flink.apache.org',
      version: 'v1beta1',
      namespace: ns,
      plural: 'flinkdeployments',
      name: 'client-node',
    };
    const fd = (await objects.getNamespacedCustomObject(target)) as FlinkDeployment;
    expect(fd.spec.taskManager?.replicas).toBe(2);
    const swap = (from: number, to: number) =>
      objects.patchNamespacedCustomObjectScale({
        ...target,
        body: [
          { op: 'test', path: '/spec/replicas', value: from },
          { op: 'replace', path: '/spec/replicas', value: to },
        ],
      });
    expect(await swap(2, 3)).toMatchObject({ spec: { replicas: 3 } });
    await expect(swap(2, 4)).rejects.toMatchObject({ code: 422 });
    const events = config.makeApiClient(k8s.EventsV1Api);
    const event = await events.createNamespacedEvent({
      namespace: ns,
      body: {
        metadata: { generateName: 'client-node.' },
        // client-node writes a Date with milliseconds, which MicroTime refuses (400): give it six digits.
        eventTime: new Date().toISOString().replace('Z', '000Z') as unknown as Date,
        reportingController: 'flink-autoscaler.io/sidecar',
        reportingInstance: 'jm-0',
        action: 'Scale',
        reason: 'ScaledUp',
        note: '2 -> 3',
        type: 'Normal',
        regarding: { kind: 'FlinkDeployment', name: 'client-node', namespace: ns },
      },
    });
    expect(event.metadata?.name).toMatch(/^client-node\.[a-z0-9]{5}$/);
    const review = await config
      .makeApiClient(k8s.AuthenticationV1Api)
      .createTokenReview({ body: { spec: { token: 'grafana-token', audiences: ['flink-autoscaler'] } } });
    expect(review.status).toMatchObject({
      authenticated: true,
      user: { username: 'system:serviceaccount:monitoring:grafana' },
    });
    const seen: string[] = [];
    const controller = await new k8s.Watch(config).watch(
      fdPath(),
      { resourceVersion: fd.metadata.resourceVersion, fieldSelector: 'metadata.name=client-node' },
      (type, object: FlinkDeployment) => seen.push(`${type} ${object.spec.taskManager?.replicas}`),
      () => undefined,
    );
    await vi.waitFor(() => expect(seen).toEqual(['MODIFIED 3']));
    controller.abort();
  });
});

describe('fault modes', () => {
  const scalePatch = (replicas: number) =>
    api(`${fdPath('faulty')}/scale`, {
      method: 'PATCH',
      token: 'sidecar-token',
      body: { spec: { replicas } },
      contentType: 'application/merge-patch+json',
    });

  it('conflict: the next N writes get 409, reads pass, then writes succeed', async () => {
    seed('faulty', 2);
    double.setFault({ kind: 'conflict', times: 2 });
    expect((await api(fdPath('faulty'), { token: 'sidecar-token' })).status).toBe(200);
    const first = await scalePatch(3);
    expect(first.status).toBe(409);
    expect(first.body).toMatchObject({
      reason: 'Conflict',
      message: expect.stringContaining(
        'Operation cannot be fulfilled on flinkdeployments.flink.apache.org "faulty"',
      ),
    });
    expect((await scalePatch(3)).status).toBe(409);
    expect((await scalePatch(3)).status).toBe(200);
    expect(double.flinkDeployments.get(ns, 'faulty')?.spec.taskManager?.replicas).toBe(3);
  });

  it('tooManyRequests: 429 with Retry-After, as flow control writes it (plain text) or as a Status', async () => {
    seed('faulty');
    double.setFault({ kind: 'tooManyRequests', retryAfterSeconds: 2 });
    const text = await scalePatch(4);
    expect(text.status).toBe(429);
    expect(text.headers.get('retry-after')).toBe('2');
    expect(text.text).toBe('Too many requests, please try again later.\n');
    double.setFault({ kind: 'tooManyRequests', body: 'status', match: { verbs: ['get'] } });
    const status = await api(fdPath('faulty'));
    expect(status.body).toMatchObject({
      reason: 'TooManyRequests',
      code: 429,
      details: { retryAfterSeconds: 1 },
    });
    expect((await api(fdPath('faulty'))).status).toBe(200);
  });

  it('internalError: 500 InternalError Status', async () => {
    double.setFault({
      kind: 'internalError',
      message: 'etcdserver: request timed out',
      match: { resource: 'tokenreviews' },
    });
    const review = await api('/apis/authentication.k8s.io/v1/tokenreviews', {
      method: 'POST',
      token: 'sidecar-token',
      body: { spec: { token: 'x' } },
    });
    expect(review.status).toBe(500);
    expect(review.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Internal error occurred: etcdserver: request timed out',
      reason: 'InternalError',
      details: { causes: [{ message: 'etcdserver: request timed out' }] },
      code: 500,
    });
  });

  it('delay: slow answers, then the request goes on', async () => {
    seed('faulty');
    double.setFault({ kind: 'delay', ms: 300, match: { subresource: 'scale' } });
    const started = Date.now();
    const answer = await api(`${fdPath('faulty')}/scale`, { token: 'sidecar-token' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(answer.status).toBe(200);
    const quick = Date.now();
    await api(`${fdPath('faulty')}/scale`, { token: 'sidecar-token' });
    expect(Date.now() - quick).toBeLessThan(200);
  });
});
