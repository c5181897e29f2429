/**
 * The injector's AdmissionReview handling over HTTP: what it adds to a JobManager pod (the patch applied
 * with the Kubernetes double's JSON Patch), idempotence, native sidecars, every skip and its Event, bad
 * input, and the counters.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectionPatch } from '../../sidecar/src/injector/admit.js';
import type { SkipEvent } from '../../sidecar/src/injector/events.js';
import { InjectorMetrics } from '../../sidecar/src/injector/metrics.js';
import { createInjectorApp } from '../../sidecar/src/injector/server.js';
import type { SidecarSettings } from '../../sidecar/src/injector/settings.js';
import { applyJsonPatch } from '../doubles/kube/json-patch.js';
import { admissionReview, jobManagerPod } from '../fixtures/admission.js';

const SETTINGS: SidecarSettings = {
  image: 'registry.example/flink-autoscaler:0.1.0',
  imagePullPolicy: 'IfNotPresent',
  resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } },
  port: 9877,
  nativeSidecar: false,
  logFormat: 'json',
  logHeartbeatSeconds: 300,
  policyArgs: ['--max-workers', '40'],
};

interface Answer {
  status: number;
  body: {
    apiVersion?: string;
    kind?: string;
    response?: { uid: string; allowed: boolean; patchType?: string; patch?: string; warnings?: string[] };
    error?: { reason: string; message: string };
  };
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const servers: Server[] = [];

async function injector(settings: SidecarSettings = SETTINGS) {
  const metrics = new InjectorMetrics();
  const events: SkipEvent[] = [];
  const app = createInjectorApp({ settings, metrics, recordSkip: async (e) => void events.push(e) });
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const post = async (body: unknown, init: RequestInit = {}): Promise<Answer> => {
    const res = await fetch(`${url}/mutate`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      ...init,
    });
    return { status: res.status, body: (await res.json()) as Answer['body'] };
  };
  /** Sends the pod's review and returns the pod as the API server would store it after the patch. */
  const mutate = async (pod: Json, options: Parameters<typeof admissionReview>[1] = {}) => {
    const review = admissionReview(pod, options);
    const answer = await post(review);
    expect(answer.status).toBe(200);
    expect(answer.body.response?.uid).toBe((review.request as { uid: string }).uid);
    expect(answer.body.response?.allowed).toBe(true);
    const patch = answer.body.response?.patch;
    const after = patch ? (applyJsonPatch(pod, Buffer.from(patch, 'base64').toString()) as Json) : pod;
    return { answer, pod: after, patched: patch !== undefined };
  };
  return { url, post, mutate, metrics, events };
}

afterAll(() => {
  for (const server of servers) server.close();
});

describe('the injector', () => {
  let inj: Awaited<ReturnType<typeof injector>>;
  beforeAll(async () => {
    inj = await injector();
  });

  it('adds the locked-down sidecar to a JobManager pod that asks for it, and marks the pod', async () => {
    const { pod, answer } = await inj.mutate(jobManagerPod('clickstream'));
    expect(answer.body.response?.patchType).toBe('JSONPatch');
    expect(pod.metadata.annotations).toEqual({
      'flink-autoscaler.io/inject': 'true',
      'flink-autoscaler.io/injected': SETTINGS.image,
    });
    // The label the chart's NetworkPolicy selects on (only injected pods), beside Flink's own labels.
    expect(pod.metadata.labels).toEqual({
      app: 'clickstream',
      component: 'jobmanager',
      type: 'flink-native-kubernetes',
      'flink-autoscaler.io/injected': 'true',
    });
    expect(pod.spec.containers.map((c: Json) => c.name)).toEqual([
      'flink-main-container',
      'flink-autoscaler',
    ]);
    const sidecar = pod.spec.containers[1];
    expect(sidecar.image).toBe(SETTINGS.image);
    expect(sidecar.args).toEqual([
      'sidecar',
      '--listen',
      '0.0.0.0:9877',
      '--flink-url',
      'http://localhost:8081',
      '--log-format',
      'json',
      '--log-heartbeat-seconds',
      '300',
      '--max-workers',
      '40',
    ]);
    expect(sidecar.env).toEqual([
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'FLINK_DEPLOYMENT_NAME', value: 'clickstream' },
      { name: 'NODE_OPTIONS', value: '--max-semi-space-size=1 --jitless' },
    ]);
    expect(sidecar.ports).toEqual([{ name: 'autoscaler', containerPort: 9877, protocol: 'TCP' }]);
    // the API server mounted the token before webhooks ran; an added container must mount it itself
    expect(sidecar.volumeMounts).toEqual([
      {
        name: 'kube-api-access-x7k2p',
        mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
        readOnly: true,
      },
    ]);
    expect(sidecar.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'autoscaler' });
    expect(sidecar.readinessProbe).toBeUndefined();
    expect(sidecar.resources).toEqual({
      requests: { cpu: '50m', memory: '128Mi' },
      limits: { memory: '256Mi' },
    });
    expect(sidecar.securityContext).toMatchObject({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(sidecar.restartPolicy).toBeUndefined();
  });

  it('is idempotent: a pod that has the sidecar (by annotation or by container) gets nothing more', async () => {
    const once = (await inj.mutate(jobManagerPod())).pod;
    const twice = await inj.mutate(once);
    expect(twice.patched).toBe(false);
    expect(twice.pod).toEqual(once);
    const byContainer = jobManagerPod('c', {
      spec: {
        containers: [
          { name: 'flink-main-container', image: 'flink' },
          { name: 'flink-autoscaler', image: 'x' },
        ],
      },
    });
    expect((await inj.mutate(byContainer)).patched).toBe(false);
  });

  it('points the sidecar at Flink’s rest port when the pod names one', async () => {
    const pod = jobManagerPod('c', {
      spec: {
        containers: [
          {
            ...(jobManagerPod() as Json).spec.containers[0],
            ports: [{ name: 'rest', containerPort: 18081 }],
          },
        ],
      },
    });
    const { pod: after } = await inj.mutate(pod);
    expect(after.spec.containers[1].args).toContain('http://localhost:18081');
  });

  it('as a native sidecar: an init container with restartPolicy Always, whether the pod has init containers or not', async () => {
    const native = await injector({ ...SETTINGS, nativeSidecar: true });
    const { pod: without } = await native.mutate(jobManagerPod());
    expect(without.spec.containers).toHaveLength(1);
    expect(without.spec.initContainers.map((c: Json) => [c.name, c.restartPolicy])).toEqual([
      ['flink-autoscaler', 'Always'],
    ]);
    const withInit = jobManagerPod('c', {
      spec: { initContainers: [{ name: 'fetch-jar', image: 'busybox' }] },
    });
    const { pod: after } = await native.mutate(withInit);
    expect(after.spec.initContainers.map((c: Json) => c.name)).toEqual(['fetch-jar', 'flink-autoscaler']);
  });

  it('builds a right patch for a pod without annotations, and escapes the annotation key', () => {
    const container = { name: 'flink-autoscaler' };
    const pod = { metadata: {}, spec: { containers: [{ name: 'main' }] } };
    const fresh = injectionPatch(pod, container, false, 'img');
    expect(applyJsonPatch(pod, JSON.stringify(fresh))).toEqual({
      metadata: {
        annotations: { 'flink-autoscaler.io/injected': 'img' },
        labels: { 'flink-autoscaler.io/injected': 'true' },
      },
      spec: { containers: [{ name: 'main' }, container] },
    });
    const annotated = { metadata: { annotations: { a: 'b' } }, spec: { containers: [] } };
    expect(injectionPatch(annotated, container, false, 'img')[0]?.path).toBe(
      '/metadata/annotations/flink-autoscaler.io~1injected',
    );
    const labelled = { metadata: { labels: { component: 'jobmanager' } }, spec: { containers: [] } };
    const patch = injectionPatch(labelled, container, false, 'img');
    expect(patch.map((op) => op.path)).toContain('/metadata/labels/flink-autoscaler.io~1injected');
    expect(applyJsonPatch(labelled, JSON.stringify(patch))).toMatchObject({
      metadata: { labels: { component: 'jobmanager', 'flink-autoscaler.io/injected': 'true' } },
    });
  });

  it('leaves pods that did not ask untouched, quietly', async () => {
    const before = inj.events.length;
    for (const pod of [
      jobManagerPod('c', { annotations: null }),
      jobManagerPod('c', { annotations: { other: 'x' } }),
      jobManagerPod('c', { annotations: { 'flink-autoscaler.io/inject': 'false' } }),
    ]) {
      const { patched, answer } = await inj.mutate(pod);
      expect(patched).toBe(false);
      expect(answer.body.response?.warnings).toBeUndefined();
    }
    expect(inj.events.length).toBe(before);
  });

  it.each([
    [
      'a bad inject annotation',
      jobManagerPod('c', { annotations: { 'flink-autoscaler.io/inject': 'yes' } }),
      'bad-annotation',
      /must be "true" or "false", got "yes"/,
    ],
    [
      'a pod that is not a JobManager',
      jobManagerPod('c', { labels: { component: 'taskmanager' } }),
      'not-a-jobmanager',
      /JobManager pods/,
    ],
    [
      'a pod without an app label',
      jobManagerPod('c', { labels: { app: undefined } }),
      'no-deployment-name',
      /no app label/,
    ],
    [
      'a pod without a service account token',
      jobManagerPod('c', { spec: { automountServiceAccountToken: false } }),
      'no-service-account-token',
      /automountServiceAccountToken: false/,
    ],
    [
      'a pod without the token mounted',
      jobManagerPod('c', { spec: { containers: [{ name: 'flink-main-container', image: 'flink' }] } }),
      'no-service-account-token',
      /no service account token mounted/,
    ],
  ])('lets %s through unchanged, with a warning, an Event and a counter', async (_, pod, reason, message) => {
    const counted = async () =>
      Number(
        new RegExp(
          `flink_autoscaler_injector_admissions_total\\{outcome="skipped",reason="${reason}"\\} (\\d+)`,
        ).exec(await inj.metrics.text())?.[1] ?? 0,
      );
    const before = await counted();
    const { patched, answer } = await inj.mutate(JSON.parse(JSON.stringify(pod)) as Json);
    expect(patched).toBe(false);
    expect(answer.body.response?.warnings?.[0]).toMatch(message);
    await new Promise((r) => setTimeout(r, 10));
    expect(inj.events.at(-1)).toMatchObject({ namespace: 'streaming', reason });
    expect(await counted()).toBe(before + 1);
  });

  it('writes no Event for a dry run', async () => {
    const before = inj.events.length;
    const pod = jobManagerPod('c', { annotations: { 'flink-autoscaler.io/inject': 'maybe' } });
    const { patched } = await inj.mutate(pod, { dryRun: true });
    expect(patched).toBe(false);
    await new Promise((r) => setTimeout(r, 10));
    expect(inj.events.length).toBe(before);
    const injected = await inj.mutate(jobManagerPod(), { dryRun: true });
    expect(injected.patched).toBe(true);
  });

  it('allows what is not a pod CREATE, unchanged', async () => {
    expect((await inj.mutate(jobManagerPod(), { operation: 'UPDATE' })).patched).toBe(false);
    expect((await inj.mutate({ kind: 'ConfigMap', data: {} }, { kind: 'ConfigMap' })).patched).toBe(false);
    const { patched, answer } = await inj.mutate({ kind: 'Pod', metadata: {}, spec: 'garbage' });
    expect(patched).toBe(false);
    expect(answer.body.response?.warnings?.[0]).toMatch(/the pod cannot be read/);
  });

  it('answers bad input with a 4xx that says why, and keeps serving', async () => {
    const notJson = await inj.post('{"apiVersion": ');
    expect(notJson).toMatchObject({ status: 400, body: { error: { reason: 'invalid-json' } } });
    const otherKind = await inj.post({ apiVersion: 'v1', kind: 'Pod' });
    expect(otherKind.status).toBe(400);
    expect(otherKind.body.error?.message).toMatch(
      /apiVersion must be admission.k8s.io\/v1.*kind must be AdmissionReview/,
    );
    const review = admissionReview(jobManagerPod()) as Json;
    delete review.request.uid;
    const noUid = await inj.post(review);
    expect(noUid.status).toBe(400);
    expect(noUid.body.error?.message).toMatch(/request.uid/);
    const huge = await inj.post(
      admissionReview(jobManagerPod('c', { annotations: { big: 'x'.repeat(4 * 1024 * 1024) } })),
    );
    expect(huge.status).toBe(413);
    const get = await fetch(`${inj.url}/mutate`);
    expect(get.status).toBe(405);
    expect((await inj.mutate(jobManagerPod())).patched).toBe(true);
  });

  it('counts admissions by outcome and reason, and times them', async () => {
    const text = await inj.metrics.text();
    expect(text).toMatch(
      /flink_autoscaler_injector_admissions_total\{outcome="injected",reason="injected"\} [1-9]/,
    );
    expect(text).toMatch(
      /flink_autoscaler_injector_admissions_total\{outcome="error",reason="bad-review"\} 2/,
    );
    expect(text).toMatch(/flink_autoscaler_injector_admission_duration_seconds_count [1-9]/);
  });
});
