/**
 * Injection end to end: the Kubernetes double calls the injector as a real API server does (a
 * MutatingWebhookConfiguration with an object selector on component: jobmanager and the injector's CA in
 * caBundle, AdmissionReview v1 over HTTPS), so `kubectl apply -f` of a JobManager pod that asks yields a pod
 * with the sidecar, and a pod without the annotation comes back untouched.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, type RunningServer } from '../../sidecar/src/http/listen.js';
import { InjectorMetrics } from '../../sidecar/src/injector/metrics.js';
import { createInjectorApp } from '../../sidecar/src/injector/server.js';
import { runKubectl, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';
import { selfSignedCertificate } from '../doubles/kube/tls.js';
import { jobManagerPod } from '../fixtures/admission.js';

const NS = 'streaming';
const ADMIN = { token: 'admin-token', username: 'admin', groups: ['system:masters'] };
let kube: KubeDouble;
let injector: RunningServer;
let home: string;
let kubeconfig: string;

beforeAll(async () => {
  kube = await startKubeDouble({ namespace: NS, users: [ADMIN] });
  const tls = selfSignedCertificate(undefined, { commonName: 'injector', ipAddresses: ['127.0.0.1'] });
  const app = createInjectorApp({
    settings: {
      image: 'registry.example/flink-autoscaler:0.1.0',
      imagePullPolicy: 'IfNotPresent',
      resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } },
      port: 9877,
      nativeSidecar: false,
      logFormat: 'json',
      logHeartbeatSeconds: 300,
      policyArgs: [],
    },
    metrics: new InjectorMetrics(),
  });
  injector = await listen(createServer({ cert: tls.cert, key: tls.key }, app), '127.0.0.1', 0, 'https');
  kube.webhooks.put({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: 'flink-autoscaler-injector' },
    webhooks: [
      {
        name: 'inject.flink-autoscaler.io',
        admissionReviewVersions: ['v1'],
        clientConfig: { url: `${injector.url}/mutate`, caBundle: Buffer.from(tls.cert).toString('base64') },
        rules: [
          {
            operations: ['CREATE'],
            apiGroups: [''],
            apiVersions: ['v1'],
            resources: ['pods'],
            scope: 'Namespaced',
          },
        ],
        objectSelector: { matchLabels: { component: 'jobmanager' } },
        failurePolicy: 'Ignore',
        sideEffects: 'NoneOnDryRun',
        timeoutSeconds: 5,
        reinvocationPolicy: 'Never',
      },
    ],
  } as never);
  home = mkdtempSync(join(tmpdir(), 'fa-injection-'));
  kubeconfig = kube.kubeconfig({ token: ADMIN.token }, { namespace: NS });
}, 60_000); // the double validates against the CRD with Ajv: seconds on a loaded machine

afterAll(async () => {
  await injector?.close();
  await kube?.close();
});

/** Applies the pod as a user writes it: the API server adds the token volume and mounts itself. */
async function apply(name: string, pod: Record<string, unknown>) {
  const file = join(home, `${name}.yaml`);
  const metadata = { ...(pod.metadata as object), name };
  delete (metadata as { generateName?: string }).generateName;
  const spec = JSON.parse(JSON.stringify(pod.spec)) as {
    volumes?: unknown;
    containers: { volumeMounts?: unknown }[];
  };
  delete spec.volumes;
  for (const container of spec.containers) delete container.volumeMounts;
  writeFileSync(file, stringify({ ...pod, metadata, spec }));
  const applied = await runKubectl(kubeconfig, ['apply', '-f', file], { home });
  expect(applied.stderr).toBe('');
  expect(applied.code).toBe(0);
  const got = await runKubectl(kubeconfig, ['get', 'pod', name, '-o', 'json'], { home });
  expect(got.code).toBe(0);
  return JSON.parse(got.stdout) as {
    metadata: { annotations?: Record<string, string>; labels?: Record<string, string> };
    spec: {
      containers: {
        name: string;
        image: string;
        volumeMounts?: { name: string; mountPath: string }[];
        env?: { name: string; valueFrom?: unknown }[];
      }[];
      volumes?: { name: string }[];
    };
  };
}

describe('injection through the API server', () => {
  it('kubectl apply of a JobManager pod that asks yields a pod with the sidecar', async () => {
    const pod = await apply('clickstream-jm', jobManagerPod('clickstream'));
    expect(pod.spec.containers.map((c) => c.name)).toEqual(['flink-main-container', 'flink-autoscaler']);
    expect(pod.metadata.annotations?.['flink-autoscaler.io/injected']).toBe(
      'registry.example/flink-autoscaler:0.1.0',
    );
    // The label the chart's NetworkPolicy selects on: only injected pods.
    expect(pod.metadata.labels?.['flink-autoscaler.io/injected']).toBe('true');
    // Its pod name (Downward API) is the sidecar's identity in the FlinkDeployment's Lease.
    // (the API server defaults fieldRef.apiVersion to v1)
    expect(pod.spec.containers[1]?.env?.find((e) => e.name === 'POD_NAME')).toMatchObject({
      valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
    });
  });

  it('a pod without the annotation comes back untouched', async () => {
    const pod = await apply('orders-jm', jobManagerPod('orders', { annotations: null }));
    expect(pod.spec.containers.map((c) => c.name)).toEqual(['flink-main-container']);
    expect(pod.metadata.annotations?.['flink-autoscaler.io/injected']).toBeUndefined();
    expect(pod.metadata.labels?.['flink-autoscaler.io/injected']).toBeUndefined();
  });

  it('a TaskManager pod is never sent to the injector (object selector)', async () => {
    const before = kube.admissionCalls().length;
    const pod = await apply(
      'clickstream-tm',
      jobManagerPod('clickstream', { labels: { component: 'taskmanager' } }),
    );
    expect(pod.spec.containers.map((c) => c.name)).toEqual(['flink-main-container']);
    expect(kube.admissionCalls().length).toBe(before);
  });

  it('a pod is still created when the injector is down (failurePolicy Ignore)', async () => {
    await injector.close();
    const pod = await apply('late-jm', jobManagerPod('late'));
    expect(pod.spec.containers.map((c) => c.name)).toEqual(['flink-main-container']);
  });
});
