/** Pods on the Kubernetes double: real kubectl (apply, get, delete, selectors), the wire (validation, defaults, status, watch). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runKubectl, startKubeDouble, type KubeDouble, type Pod } from './index.js';
import { openWatch, request } from './test-client.js';

const ns = 'pods';
let double: KubeDouble;

beforeAll(async () => {
  double = await startKubeDouble({
    namespace: ns,
    users: [
      { token: 'admin-token', username: 'admin', groups: ['system:masters'] },
      { token: 'viewer-token', username: 'viewer' },
    ],
    rules: [
      {
        name: 'pod-viewer',
        users: ['viewer'],
        verbs: ['get', 'list'],
        resources: ['pods'],
        namespaces: [ns],
      },
    ],
  });
}, 60_000);

afterAll(async () => {
  await double?.close();
});

const kubectl = (...args: string[]) => runKubectl(double.kubeconfig('admin'), args, { home: double.dir });
const api = (path: string, options?: Parameters<typeof request>[2]) => request(double.url, path, options);
const podsPath = (name = '') => `/api/v1/namespaces/${ns}/pods${name ? `/${name}` : ''}`;

function pod(name: string, labels: Record<string, string> = {}, spec: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels },
    spec: { containers: [{ name: 'main', image: 'flink:1.20' }], ...spec },
  };
}

describe('pods with real kubectl', () => {
  it('apply -f creates a pod the way the apiserver defaults it; get -o json shows it', async () => {
    const file = join(double.dir, 'apply-pod.json');
    writeFileSync(file, JSON.stringify(pod('applied', { app: 'applied' })));
    const created = await kubectl('apply', '-f', file);
    expect(created).toMatchObject({ code: 0, stdout: 'pod/applied created\n' });
    const { stdout } = await kubectl('get', 'pod', 'applied', '-o', 'json');
    const got = JSON.parse(stdout) as Pod;
    expect(got).toMatchObject({
      apiVersion: 'v1',
      kind: 'Pod',
      spec: {
        restartPolicy: 'Always',
        dnsPolicy: 'ClusterFirst',
        serviceAccountName: 'default',
        schedulerName: 'default-scheduler',
        terminationGracePeriodSeconds: 30,
        priority: 0,
        tolerations: [
          {
            key: 'node.kubernetes.io/not-ready',
            operator: 'Exists',
            effect: 'NoExecute',
            tolerationSeconds: 300,
          },
          {
            key: 'node.kubernetes.io/unreachable',
            operator: 'Exists',
            effect: 'NoExecute',
            tolerationSeconds: 300,
          },
        ],
      },
      status: { phase: 'Pending', qosClass: 'BestEffort' },
    });
    const main = got.spec.containers[0];
    expect(main).toMatchObject({
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      resources: {},
    });
    // The ServiceAccount admission plugin: a projected kube-api-access volume, mounted read-only.
    const volume = got.spec.volumes?.[0] as { name: string; projected: unknown };
    expect(volume.name).toMatch(/^kube-api-access-[a-z0-9]{5}$/);
    expect(main?.volumeMounts).toEqual([
      { name: volume.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
    ]);
    expect(got.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toContain(
      '"applied"',
    );
    expect(got).toEqual(double.pods.get(ns, 'applied'));
  });

  it('get pods prints NAME READY STATUS RESTARTS AGE from the pod status the test sets', async () => {
    double.pods.put(pod('printed-pending', { app: 'printed' }));
    double.pods.put(
      pod(
        'printed-running',
        { app: 'printed' },
        {
          initContainers: [{ name: 'sidecar', image: 'sidecar:1', restartPolicy: 'Always' }],
        },
      ),
    );
    double.pods.markRunning(ns, 'printed-running', { podIP: '10.1.2.3' });
    double.pods.put(pod('printed-crashing', { app: 'printed' }));
    double.pods.setStatus(ns, 'printed-crashing', {
      phase: 'Running',
      containerStatuses: [
        { name: 'main', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } },
      ],
    });
    const { code, stdout, stderr } = await kubectl('get', 'pods', '-l', 'app=printed');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^printed-crashing\s+0\/1\s+CrashLoopBackOff\s+4\s+\d+s$/),
      expect.stringMatching(/^printed-pending\s+0\/1\s+Pending\s+0\s+\d+s$/),
      expect.stringMatching(/^printed-running\s+2\/2\s+Running\s+0\s+\d+s$/),
    ]);
    const wide = await kubectl('get', 'pod', 'printed-running', '-o', 'wide');
    expect(wide.stdout).toMatch(/^printed-running\s+2\/2\s+Running\s+0\s+\d+s\s+10\.1\.2\.3\s+<none>/m);
  });

  it('label and field selectors (status.phase, spec.nodeName, metadata.name) filter lists, in kubectl and on the wire', async () => {
    double.pods.put(pod('select-a', { app: 'select', component: 'jobmanager' }, { nodeName: 'node-1' }));
    double.pods.put(pod('select-b', { app: 'select', component: 'taskmanager' }, { nodeName: 'node-2' }));
    double.pods.put(pod('select-c', { app: 'other', component: 'jobmanager' }));
    double.pods.markRunning(ns, 'select-a');
    const names = (body: Record<string, unknown>) =>
      (body['items'] as Pod[]).map((p) => p.metadata.name).filter((n) => n?.startsWith('select-'));
    const byLabels = await api(
      `${podsPath()}?labelSelector=${encodeURIComponent('component=jobmanager,app in (select)')}`,
    );
    expect(names(byLabels.body)).toEqual(['select-a']);
    const running = await api(`${podsPath()}?fieldSelector=status.phase%3DRunning`);
    expect(names(running.body)).toEqual(['select-a']);
    const onNode = await api(`/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-2`);
    expect(names(onNode.body)).toEqual(['select-b']);
    const unscheduled = await api(`${podsPath()}?fieldSelector=spec.nodeName%3D,metadata.name%3Dselect-c`);
    expect(names(unscheduled.body)).toEqual(['select-c']);
    const unsupported = await api(`${podsPath()}?fieldSelector=spec.image%3Dx`);
    expect(unsupported.status).toBe(400);
    expect(unsupported.body['message']).toBe('field label not supported: spec.image');
    const viaKubectl = await kubectl(
      'get',
      'pods',
      '-l',
      'app=select',
      '--field-selector',
      'status.phase!=Running',
      '-o',
      'name',
    );
    expect(viaKubectl.stdout).toBe('pod/select-b\n');
    expect(double.pods.list(ns, 'component=jobmanager').map((p) => p.metadata.name)).toEqual(
      expect.arrayContaining(['select-a', 'select-c']),
    );
    expect(double.pods.list(ns, 'component=jobmanager').map((p) => p.metadata.name)).not.toContain(
      'select-b',
    );
  });

  it('delete removes the pod; a user without the permission is forbidden', async () => {
    double.pods.put(pod('deleted'));
    const denied = await runKubectl(
      double.kubeconfig({ token: 'viewer-token' }),
      ['delete', 'pod', 'deleted'],
      {
        home: double.dir,
      },
    );
    expect(denied.stderr.trim()).toBe(
      'Error from server (Forbidden): pods "deleted" is forbidden: User "viewer" cannot delete resource "pods" in API group "" in the namespace "pods"',
    );
    const deleted = await kubectl('delete', 'pod', 'deleted', '--wait=false');
    expect(deleted).toMatchObject({ code: 0, stdout: 'pod "deleted" deleted\n' });
    expect(double.pods.get(ns, 'deleted')).toBeUndefined();
  });
});

describe('pods over the wire', () => {
  it('generateName makes a name; create validates containers as the apiserver words it', async () => {
    const created = await api(podsPath(), {
      method: 'POST',
      body: { metadata: { generateName: 'gen-' }, spec: { containers: [{ name: 'main', image: 'x:1' }] } },
    });
    expect(created.status).toBe(201);
    expect((created.body['metadata'] as { name: string }).name).toMatch(/^gen-[a-z0-9]{5}$/);

    const invalid = async (name: string, spec: unknown) => {
      const answer = await api(podsPath(), { method: 'POST', body: { metadata: { name }, spec } });
      expect(answer.status).toBe(422);
      return answer.body['message'];
    };
    expect(await invalid('no-containers', {})).toBe(
      'Pod "no-containers" is invalid: spec.containers: Required value',
    );
    expect(await invalid('no-image', { containers: [{ name: 'main' }] })).toBe(
      'Pod "no-image" is invalid: spec.containers[0].image: Required value',
    );
    expect(
      await invalid('dup', {
        initContainers: [{ name: 'main', image: 'a:1', restartPolicy: 'Always' }],
        containers: [{ name: 'main', image: 'b:1' }],
      }),
    ).toBe('Pod "dup" is invalid: spec.containers[0].name: Duplicate value: "main"');
    expect(
      await invalid('restart-policy', {
        initContainers: [{ name: 'init', image: 'a:1', restartPolicy: 'OnFailure' }],
        containers: [{ name: 'main', image: 'b:1', restartPolicy: 'Always' }],
      }),
    ).toBe(
      'Pod "restart-policy" is invalid: [spec.initContainers[0].restartPolicy: Unsupported value: "OnFailure": supported values: "Always", spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers]',
    );
    expect(
      await invalid('missing-volume', {
        containers: [{ name: 'main', image: 'b:1', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      }),
    ).toBe('Pod "missing-volume" is invalid: spec.containers[0].volumeMounts[0].name: Not found: "data"');
    // A native sidecar (restartPolicy Always on an init container) is valid.
    const sidecar = await api(podsPath(), {
      method: 'POST',
      body: pod(
        'native-sidecar',
        {},
        { initContainers: [{ name: 'side', image: 's:1', restartPolicy: 'Always' }] },
      ),
    });
    expect(sidecar.status).toBe(201);
  });

  it('automountServiceAccountToken false: no kube-api-access volume', async () => {
    const created = double.pods.put(pod('no-token', {}, { automountServiceAccountToken: false }));
    expect(created.spec.volumes).toBeUndefined();
    expect(created.spec.containers[0]?.volumeMounts).toBeUndefined();
  });

  it('updates may change images only; the main resource ignores status, /status writes only status', async () => {
    const created = double.pods.put(pod('updated'));
    const image = await api(podsPath('updated'), {
      method: 'PATCH',
      contentType: 'application/json-patch+json',
      body: [
        { op: 'replace', path: '/spec/containers/0/image', value: 'flink:1.21' },
        { op: 'replace', path: '/status/phase', value: 'Running' },
      ],
    });
    expect(image.status).toBe(200);
    expect(double.pods.get(ns, 'updated')).toMatchObject({
      spec: { containers: [{ image: 'flink:1.21' }] },
      status: { phase: 'Pending' },
    });
    const forbidden = await api(podsPath('updated'), {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { spec: { restartPolicy: 'Never' } },
    });
    expect(forbidden.status).toBe(422);
    expect(forbidden.body['message']).toMatch(
      /^Pod "updated" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/,
    );
    const status = await api(`${podsPath('updated')}/status`, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { status: { phase: 'Running', podIP: '10.9.9.9' }, spec: { restartPolicy: 'Never' } },
    });
    expect(status.status).toBe(200);
    expect(double.pods.get(ns, 'updated')).toMatchObject({
      spec: { restartPolicy: 'Always' },
      status: { phase: 'Running', podIP: '10.9.9.9' },
    });
    expect(Number(double.pods.get(ns, 'updated')?.metadata.resourceVersion)).toBeGreaterThan(
      Number(created.metadata.resourceVersion),
    );
  });

  it('watch sees the create, the kubelet-style status writes and the delete', async () => {
    const from = double.resourceVersion();
    const stream = await openWatch(
      `${double.url}${podsPath()}?watch=true&resourceVersion=${from}&labelSelector=app%3Dwatched`,
    );
    double.pods.put(pod('watched', { app: 'watched' }));
    double.pods.markRunning(ns, 'watched', { podIP: '10.4.4.4', ready: false });
    double.pods.setStatus(ns, 'watched', {
      conditions: [{ type: 'Ready', status: 'True' }],
    });
    double.pods.delete(ns, 'watched');
    await vi.waitFor(() =>
      expect(stream.events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'MODIFIED', 'DELETED']),
    );
    stream.close();
    const statuses = stream.events.map((e) => e.object['status'] as Pod['status']);
    expect(statuses[1]).toMatchObject({ phase: 'Running', podIP: '10.4.4.4', podIPs: [{ ip: '10.4.4.4' }] });
    expect(statuses[1]?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    expect(statuses[2]?.conditions).toEqual([{ type: 'Ready', status: 'True' }]);
  });
});
