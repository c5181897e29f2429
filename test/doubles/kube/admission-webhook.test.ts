/**
 * Mutating admission webhooks on pod CREATE: real kubectl against the double, the double calling a tiny HTTPS
 * webhook server written here (certificate from tls.ts), as a kube-apiserver calls one.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MutatingAdmission } from './admission.js';
import {
  runKubectl,
  selfSignedCertificate,
  startKubeDouble,
  type AdmissionCall,
  type AdmissionReview,
  type KubeDouble,
  type MutatingWebhookConfiguration,
  type Pod,
} from './index.js';
import { request } from './test-client.js';

const ns = 'jobs';
const labelledNs = 'injected-ns';
let double: KubeDouble;

/** What the test webhook does, by path. */
type Behaviour = (review: AdmissionReview) => Promise<unknown> | unknown;

interface TestWebhook {
  url: string;
  caBundle: string;
  received: AdmissionReview[];
  server: Server;
}

const sidecarPatch = [
  { op: 'add', path: '/spec/containers/-', value: { name: 'autoscaler', image: 'flink-autoscaler:1' } },
  { op: 'add', path: '/metadata/annotations', value: { 'flink-autoscaler.io/status': 'injected' } },
];

function allow(review: AdmissionReview, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: review.request.uid, allowed: true, ...extra },
  };
}

function patchOf(operations: unknown): Record<string, unknown> {
  return { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(operations)).toString('base64') };
}

const behaviours: Record<string, Behaviour> = {
  '/mutate': (review) =>
    allow(review, { ...patchOf(sidecarPatch), warnings: ['injected by the test webhook'] }),
  '/allow': (review) => allow(review),
  '/deny': (review) => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: review.request.uid, allowed: false, status: { code: 403, message: 'no pods today' } },
  }),
  '/slow': async (review) => {
    await new Promise((resolve) => setTimeout(resolve, 2500));
    return allow(review);
  },
  '/wrong-uid': () => ({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: { uid: 'not-the-uid', allowed: true },
  }),
  '/v1beta1': (review) => ({ ...allow(review), apiVersion: 'admission.k8s.io/v1beta1' }),
  '/bad-patch': (review) =>
    allow(review, patchOf([{ op: 'add', path: '/spec/initContainers/-', value: { name: 'x', image: 'y' } }])),
};

async function startWebhook(subject?: Parameters<typeof selfSignedCertificate>[1]): Promise<TestWebhook> {
  const tls = selfSignedCertificate(undefined, subject);
  const received: AdmissionReview[] = [];
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AdmissionReview;
      received.push(review);
      const behaviour = behaviours[new URL(req.url ?? '/', 'https://x').pathname];
      void Promise.resolve(behaviour?.(review)).then((answer) => {
        if (res.destroyed) return;
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(answer));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    caBundle: Buffer.from(tls.cert).toString('base64'),
    received,
    server,
  };
}

let webhook: TestWebhook;
let serviceWebhook: TestWebhook;

beforeAll(async () => {
  double = await startKubeDouble({
    namespace: ns,
    users: [{ token: 'admin-token', username: 'admin', groups: ['system:masters'] }],
  });
  double.addNamespace(labelledNs, { 'flink-autoscaler.io/webhook': 'enabled' });
  webhook = await startWebhook();
  serviceWebhook = await startWebhook({ dnsNames: ['injector.flink-autoscaler.svc'], ipAddresses: [] });
}, 60_000);

afterAll(async () => {
  await double?.close();
  for (const hook of [webhook, serviceWebhook]) {
    hook?.server.closeAllConnections();
    hook?.server.close();
  }
});

afterEach(() => {
  for (const configuration of double.webhooks.list())
    double.webhooks.delete(configuration.metadata.name ?? '');
});

/** A configuration with one webhook on pod CREATE, selecting pods labelled `inject: "true"`. */
function configuration(
  name: string,
  hook: Partial<NonNullable<MutatingWebhookConfiguration['webhooks']>[number]> & { path?: string } = {},
): MutatingWebhookConfiguration {
  const { path = '/mutate', ...rest } = hook;
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name },
    webhooks: [
      {
        name: `${name}.kube-double.test`,
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        clientConfig: { url: `${webhook.url}${path}`, caBundle: webhook.caBundle },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
        objectSelector: { matchLabels: { inject: 'true' } },
        ...rest,
      } as NonNullable<MutatingWebhookConfiguration['webhooks']>[number],
    ],
  };
}

function podManifest(name: string, labels: Record<string, string> = { inject: 'true' }, namespace = ns): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels },
    spec: { containers: [{ name: 'flink-main-container', image: 'flink:1.20' }] },
  };
}

async function kubectlApply(pod: Pod, ...flags: string[]) {
  const file = join(double.dir, `${pod.metadata.name ?? 'pod'}.json`);
  writeFileSync(file, JSON.stringify(pod));
  const result = await runKubectl(double.kubeconfig('admin'), ['apply', '-f', file, ...flags], {
    home: double.dir,
  });
  return { ...result, file };
}

const kubectl = (...args: string[]) => runKubectl(double.kubeconfig('admin'), args, { home: double.dir });

describe('mutating webhooks through real kubectl', () => {
  it('apply -f of a selected pod comes back mutated; the AdmissionReview is Kubernetes’', async () => {
    double.webhooks.put(configuration('inject'));
    const before = webhook.received.length;
    const applied = await kubectlApply(podManifest('mutated'));
    expect(applied.code).toBe(0);
    expect(applied.stdout).toBe('pod/mutated created\n');
    expect(applied.stderr).toContain('Warning: injected by the test webhook');
    const { stdout } = await kubectl('get', 'pod', 'mutated', '-o', 'json');
    const got = JSON.parse(stdout) as Pod;
    expect(got.spec.containers.map((c) => c.name)).toEqual(['flink-main-container', 'autoscaler']);
    expect(got.metadata.annotations?.['flink-autoscaler.io/status']).toBe('injected');
    // Re-defaulted after the patch; no service-account mount (the ServiceAccount plugin ran before the webhook).
    expect(got.spec.containers[1]).toMatchObject({
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
    });
    expect(got.spec.containers[1]?.volumeMounts).toBeUndefined();
    expect(got.spec.containers[0]?.volumeMounts?.[0]?.mountPath).toBe(
      '/var/run/secrets/kubernetes.io/serviceaccount',
    );

    expect(webhook.received).toHaveLength(before + 1);
    const review = webhook.received[before];
    expect(review).toMatchObject({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        kind: { group: '', version: 'v1', kind: 'Pod' },
        resource: { group: '', version: 'v1', resource: 'pods' },
        requestKind: { group: '', version: 'v1', kind: 'Pod' },
        requestResource: { group: '', version: 'v1', resource: 'pods' },
        name: 'mutated',
        namespace: ns,
        operation: 'CREATE',
        userInfo: { username: 'admin', groups: ['system:masters', 'system:authenticated'] },
        oldObject: null,
        dryRun: false,
        options: {
          kind: 'CreateOptions',
          apiVersion: 'meta.k8s.io/v1',
          fieldManager: 'kubectl-client-side-apply',
          fieldValidation: 'Strict',
        },
      },
    });
    expect(review?.request.uid).toMatch(/^[0-9a-f-]{36}$/);
    const object = review?.request.object as Pod & { metadata: { creationTimestamp: unknown } };
    expect(object).toMatchObject({ apiVersion: 'v1', kind: 'Pod', spec: { serviceAccountName: 'default' } });
    expect(object.metadata.creationTimestamp).toBeNull();
    expect(object.metadata.uid).toBeUndefined();
    expect(double.admissionCalls().at(-1)).toMatchObject({
      configuration: 'inject',
      webhook: 'inject.kube-double.test',
      url: `${webhook.url}/mutate?timeout=10s`,
      outcome: 'patched',
    });
  });

  it('a pod without the selected label comes back untouched, and the webhook is not called', async () => {
    double.webhooks.put(configuration('inject'));
    const received = webhook.received.length;
    const calls = double.admissionCalls().length;
    const applied = await kubectlApply(podManifest('untouched', { app: 'other' }));
    expect(applied.code).toBe(0);
    expect(double.pods.get(ns, 'untouched')?.spec.containers.map((c) => c.name)).toEqual([
      'flink-main-container',
    ]);
    expect(webhook.received.length).toBe(received);
    expect(double.admissionCalls().length).toBe(calls);
  });

  it('namespaceSelector: called for pods in a namespace with the label, not elsewhere', async () => {
    double.webhooks.put(
      configuration('by-namespace', {
        objectSelector: {},
        namespaceSelector: {
          matchExpressions: [{ key: 'flink-autoscaler.io/webhook', operator: 'In', values: ['enabled'] }],
        },
      }),
    );
    expect((await kubectlApply(podManifest('in-labelled', {}, labelledNs))).code).toBe(0);
    expect((await kubectlApply(podManifest('in-plain', {}, ns))).code).toBe(0);
    expect(double.pods.get(labelledNs, 'in-labelled')?.spec.containers).toHaveLength(2);
    expect(double.pods.get(ns, 'in-plain')?.spec.containers).toHaveLength(1);
    const calls = double.admissionCalls().filter((c) => c.configuration === 'by-namespace');
    expect(calls.map((c) => c.review.request.namespace)).toEqual([labelledNs]);
  });

  it('a denial reaches kubectl in the apiserver’s words, and nothing is stored', async () => {
    double.webhooks.put(configuration('deny', { path: '/deny' }));
    const applied = await kubectlApply(podManifest('denied'));
    expect(applied.code).toBe(1);
    expect(applied.stderr.trim()).toBe(
      `Error from server: error when creating "${applied.file}": admission webhook "deny.kube-double.test" denied the request: no pods today`,
    );
    expect(double.pods.get(ns, 'denied')).toBeUndefined();
    const answer = await request(double.url, `/api/v1/namespaces/${ns}/pods`, {
      method: 'POST',
      body: podManifest('denied'),
    });
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ kind: 'Status', status: 'Failure', code: 403 });
  });

  it('--dry-run=server calls the webhook with dryRun true and stores nothing', async () => {
    double.webhooks.put(configuration('inject'));
    const before = webhook.received.length;
    const applied = await kubectlApply(podManifest('dry'), '--dry-run=server');
    expect(applied).toMatchObject({ code: 0, stdout: 'pod/dry created (server dry run)\n' });
    expect(webhook.received[before]?.request).toMatchObject({
      dryRun: true,
      options: { dryRun: ['All'] },
    });
    expect(double.pods.get(ns, 'dry')).toBeUndefined();
  });
});

describe('webhook call failures and failurePolicy', () => {
  const unreachable = 'https://127.0.0.1:1/mutate';

  it('unreachable: Ignore creates the pod unchanged; Fail rejects with the apiserver’s InternalError', async () => {
    double.webhooks.put(
      configuration('down-ignore', { failurePolicy: 'Ignore', clientConfig: { url: unreachable } }),
    );
    expect((await kubectlApply(podManifest('down-ignored'))).code).toBe(0);
    expect(double.pods.get(ns, 'down-ignored')?.spec.containers).toHaveLength(1);
    expect(double.admissionCalls().at(-1)).toMatchObject({
      outcome: 'failedOpen',
      error: `failed calling webhook "down-ignore.kube-double.test": failed to call webhook: Post "${unreachable}?timeout=10s": dial tcp 127.0.0.1:1: connect: connection refused`,
    });
    double.webhooks.delete('down-ignore');

    double.webhooks.put(configuration('down-fail', { clientConfig: { url: unreachable } }));
    const applied = await kubectlApply(podManifest('down-failed'));
    expect(applied.code).toBe(1);
    expect(applied.stderr.trim()).toBe(
      `Error from server (InternalError): error when creating "${applied.file}": Internal error occurred: failed calling webhook "down-fail.kube-double.test": failed to call webhook: Post "${unreachable}?timeout=10s": dial tcp 127.0.0.1:1: connect: connection refused`,
    );
    expect(double.pods.get(ns, 'down-failed')).toBeUndefined();
  });

  it('a caBundle that did not sign the server certificate: Ignore goes on, Fail rejects', async () => {
    const otherCa = Buffer.from(selfSignedCertificate().cert).toString('base64');
    double.webhooks.put(
      configuration('wrong-ca', {
        failurePolicy: 'Ignore',
        clientConfig: { url: `${webhook.url}/mutate`, caBundle: otherCa },
      }),
    );
    expect((await kubectlApply(podManifest('wrong-ca-ignored'))).code).toBe(0);
    expect(double.pods.get(ns, 'wrong-ca-ignored')?.spec.containers).toHaveLength(1);
    double.webhooks.put(
      configuration('wrong-ca', {
        failurePolicy: 'Fail',
        clientConfig: { url: `${webhook.url}/mutate`, caBundle: otherCa },
      }),
    );
    const applied = await kubectlApply(podManifest('wrong-ca-failed'));
    expect(applied.code).toBe(1);
    expect(applied.stderr).toContain(
      `Internal error occurred: failed calling webhook "wrong-ca.kube-double.test": failed to call webhook: Post "${webhook.url}/mutate?timeout=10s": tls: failed to verify certificate: x509: certificate signed by unknown authority`,
    );
    expect(double.pods.get(ns, 'wrong-ca-failed')).toBeUndefined();
  });

  it('timeoutSeconds is honoured: a slower webhook fails the call with context deadline exceeded', async () => {
    double.webhooks.put(configuration('slow', { path: '/slow', timeoutSeconds: 1 }));
    const started = Date.now();
    const answer = await request(double.url, `/api/v1/namespaces/${ns}/pods`, {
      method: 'POST',
      body: podManifest('slow'),
    });
    const elapsed = Date.now() - started;
    expect(answer.status).toBe(500);
    expect(answer.body['message']).toBe(
      `Internal error occurred: failed calling webhook "slow.kube-double.test": failed to call webhook: Post "${webhook.url}/slow?timeout=1s": context deadline exceeded`,
    );
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(2400);
  });

  it('invalid responses (wrong uid, v1beta1) are call failures; a patch that does not apply is an error whatever the policy', async () => {
    const post = (name: string) =>
      request(double.url, `/api/v1/namespaces/${ns}/pods`, { method: 'POST', body: podManifest(name) });
    double.webhooks.put(configuration('uid', { path: '/wrong-uid' }));
    const uid = await post('wrong-uid');
    expect(uid.status).toBe(500);
    expect(uid.body['message']).toMatch(
      /^Internal error occurred: failed calling webhook "uid\.kube-double\.test": received invalid webhook response: expected response\.uid="[0-9a-f-]{36}", got "not-the-uid"$/,
    );
    double.webhooks.delete('uid');
    double.webhooks.put(configuration('beta', { path: '/v1beta1' }));
    const beta = await post('v1beta1');
    expect(beta.body['message']).toBe(
      'Internal error occurred: failed calling webhook "beta.kube-double.test": received invalid webhook response: expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got admission.k8s.io/v1beta1, Kind=AdmissionReview',
    );
    double.webhooks.delete('beta');
    double.webhooks.put(configuration('bad-patch', { path: '/bad-patch', failurePolicy: 'Ignore' }));
    const bad = await post('bad-patch');
    expect(bad.status).toBe(500);
    expect(bad.body['message']).toMatch(/^Internal error occurred: .*\/spec\/initContainers\/-/);
    expect(double.pods.get(ns, 'bad-patch')).toBeUndefined();
  });

  it('clientConfig.service: reached through mapService, the certificate checked for NAME.NAMESPACE.svc', async () => {
    const service = { namespace: 'flink-autoscaler', name: 'injector', path: '/mutate' };
    double.webhooks.mapService({ namespace: 'flink-autoscaler', name: 'injector' }, serviceWebhook.url);
    double.webhooks.put(
      configuration('svc', { clientConfig: { service, caBundle: serviceWebhook.caBundle } }),
    );
    expect((await kubectlApply(podManifest('via-service'))).code).toBe(0);
    expect(double.pods.get(ns, 'via-service')?.spec.containers).toHaveLength(2);
    expect(double.admissionCalls().at(-1)?.url).toBe(
      'https://injector.flink-autoscaler.svc:443/mutate?timeout=10s',
    );
    // The loopback webhook's certificate names localhost (and 127.0.0.1) only.
    double.webhooks.mapService({ namespace: 'flink-autoscaler', name: 'injector' }, webhook.url);
    double.webhooks.put(configuration('svc', { clientConfig: { service, caBundle: webhook.caBundle } }));
    const answer = await request(double.url, `/api/v1/namespaces/${ns}/pods`, {
      method: 'POST',
      body: podManifest('via-service-wrong-name'),
    });
    expect(answer.body['message']).toBe(
      'Internal error occurred: failed calling webhook "svc.kube-double.test": failed to call webhook: Post "https://injector.flink-autoscaler.svc:443/mutate?timeout=10s": tls: failed to verify certificate: x509: certificate is valid for localhost, not injector.flink-autoscaler.svc',
    );
  });

  it('a dry run refuses webhooks whose sideEffects are not None/NoneOnDryRun (dispatcher, before any call)', async () => {
    const calls: AdmissionCall[] = [];
    const stored = configuration('side-effects');
    const hook = stored.webhooks?.[0];
    if (hook === undefined) throw new Error('no webhook');
    Object.assign(hook, {
      sideEffects: 'Some',
      failurePolicy: 'Fail',
      timeoutSeconds: 10,
      namespaceSelector: {},
    });
    const admission = new MutatingAdmission({
      configurations: () => [stored],
      namespaceLabels: () => ({}),
      services: new Map(),
      calls,
    });
    const before = webhook.received.length;
    const attempt = admission.admitPodCreate({
      object: podManifest('side-effects'),
      namespace: ns,
      user: { username: 'admin', groups: [] },
      dryRun: true,
      options: {},
    });
    await expect(attempt).rejects.toMatchObject({
      status: {
        code: 400,
        reason: 'BadRequest',
        message: 'admission webhook "side-effects.kube-double.test" does not support dry run',
      },
    });
    expect(webhook.received.length).toBe(before);
  });
});

describe('MutatingWebhookConfigurations over the API', () => {
  it('kubectl apply creates one, get prints it, v1 validation refuses a missing sideEffects', async () => {
    const file = join(double.dir, 'mwc.json');
    writeFileSync(file, JSON.stringify(configuration('applied-config')));
    expect(await kubectl('apply', '-f', file)).toMatchObject({
      code: 0,
      stdout: 'mutatingwebhookconfiguration.admissionregistration.k8s.io/applied-config created\n',
    });
    const listed = await kubectl('get', 'mutatingwebhookconfigurations');
    expect(listed.stdout).toMatch(/^NAME\s+WEBHOOKS\s+AGE$/m);
    expect(listed.stdout).toMatch(/^applied-config\s+1\s+\d+s$/m);
    expect(double.webhooks.get('applied-config')?.webhooks?.[0]).toMatchObject({
      failurePolicy: 'Fail',
      matchPolicy: 'Equivalent',
      namespaceSelector: {},
      timeoutSeconds: 10,
      reinvocationPolicy: 'Never',
      rules: [{ scope: '*' }],
    });
    const invalid = configuration('invalid-config');
    delete (invalid.webhooks?.[0] as { sideEffects?: string }).sideEffects;
    writeFileSync(file, JSON.stringify(invalid));
    const refused = await kubectl('apply', '-f', file);
    expect(refused.code).toBe(1);
    // kubectl rewords a 422 with causes as `The KIND "NAME" is invalid: ...`.
    expect(refused.stderr.trim()).toBe(
      'The MutatingWebhookConfiguration "invalid-config" is invalid: webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun',
    );
    expect(double.webhooks.get('invalid-config')).toBeUndefined();
  });

  it('a self-managed webhook patches its own caBundle: JSON Patch, merge patch, PUT with resourceVersion (409 when stale)', async () => {
    const path = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/self-managed';
    double.webhooks.put(configuration('self-managed', { clientConfig: { url: `${webhook.url}/mutate` } }));
    const jsonPatched = await request(double.url, path, {
      method: 'PATCH',
      contentType: 'application/json-patch+json',
      body: [{ op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: 'Zmlyc3Q=' }],
    });
    expect(jsonPatched.status).toBe(200);
    expect(double.webhooks.get('self-managed')?.webhooks?.[0]?.clientConfig.caBundle).toBe('Zmlyc3Q=');
    const current = (await request(double.url, path)).body as MutatingWebhookConfiguration;
    const webhooks = current.webhooks?.map((w) => ({
      ...w,
      clientConfig: { ...w.clientConfig, caBundle: 'c2Vjb25k' },
    }));
    const put = await request(double.url, path, { method: 'PUT', body: { ...current, webhooks } });
    expect(put.status).toBe(200);
    const stale = await request(double.url, path, { method: 'PUT', body: { ...current, webhooks } });
    expect(stale.status).toBe(409);
    expect(stale.body['message']).toBe(
      'Operation cannot be fulfilled on mutatingwebhookconfigurations.admissionregistration.k8s.io "self-managed": the object has been modified; please apply your changes to the latest version and try again',
    );
    const merged = await request(double.url, path, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations: { rotated: 'yes' } } },
    });
    expect(merged.status).toBe(200);
    expect(double.webhooks.get('self-managed')).toMatchObject({
      metadata: { annotations: { rotated: 'yes' }, generation: 3 },
      webhooks: [{ clientConfig: { caBundle: 'c2Vjb25k' } }],
    });
    // The new caBundle is the one used: the webhook's own CA again makes the call succeed.
    await request(double.url, path, {
      method: 'PATCH',
      contentType: 'application/json-patch+json',
      body: [{ op: 'replace', path: '/webhooks/0/clientConfig/caBundle', value: webhook.caBundle }],
    });
    expect((await kubectlApply(podManifest('after-rotation'))).code).toBe(0);
    expect(double.pods.get(ns, 'after-rotation')?.spec.containers).toHaveLength(2);
  });
});
