/**
 * The real `flink-autoscaler injector --self-managed-tls` process against the Kubernetes double: it makes
 * its CA and certificate, keeps them in a Secret, writes the CA into the MutatingWebhookConfiguration, is
 * reachable the way the API server reaches it (the caBundle, the Service's DNS name), and serves a
 * certificate that another replica renewed in the Secret without a restart.
 */
import type { ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificatesOf, issue, serviceNames } from '../../sidecar/src/injector/self-managed-tls.js';
import type { KubeConnection } from '../../sidecar/src/kube/connection.js';
import { serviceAccount, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';
import { admissionReview, jobManagerPod } from '../fixtures/admission.js';
import { caBundleOf, injectorWebhookConfiguration, startInjector } from '../fixtures/injector.js';
import { connectKube } from '../fixtures/kube-connect.js';

const NS = 'flink-autoscaler';
const SERVICE = 'fa-injector';
const DNS_NAME = `${SERVICE}.${NS}.svc`;
const SA = serviceAccount(NS, 'injector', 'injector-token');
const ADMIN = { token: 'admin-token', username: 'admin', groups: ['system:masters'] };

let kube: KubeDouble;
let admin: KubeConnection;
let child: ChildProcess;
let webhook: string;
let probes: string;
let logs: string[];

interface Served {
  status: number;
  fingerprint: string;
  allowed: boolean;
}

/** POSTs an AdmissionReview as the API server does: trusting only `caBundle`, checking `DNS_NAME`. */
function callAsApiServer(caBundle: string): Promise<Served> {
  const url = new URL(`${webhook}/mutate`);
  return new Promise((done, fail) => {
    const req = request(
      url,
      {
        method: 'POST',
        ca: caBundle,
        servername: DNS_NAME,
        checkServerIdentity: (_host, cert) =>
          new X509Certificate(cert.raw).checkHost(DNS_NAME) === undefined
            ? new Error(`the certificate is not for ${DNS_NAME}`)
            : undefined,
        agent: false,
        headers: { 'Content-Type': 'application/json' },
      },
      (res) => {
        let text = '';
        const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () =>
          done({
            status: res.statusCode ?? 0,
            fingerprint,
            allowed: (JSON.parse(text) as { response: { allowed: boolean } }).response.allowed,
          }),
        );
      },
    );
    req.on('error', fail);
    req.end(JSON.stringify(admissionReview(jobManagerPod())));
  });
}

const secretData = async () => {
  const secret = await admin.json<{ data: Record<string, string> }>({
    method: 'GET',
    path: `/api/v1/namespaces/${NS}/secrets/fa-tls`,
    what: 'read the secret',
  });
  const text = (key: string) => Buffer.from(secret.data[key] ?? '', 'base64').toString();
  return { ca: text('ca.crt'), cert: text('tls.crt'), key: text('tls.key') };
};

const caBundle = () => caBundleOf(kube, 'fa-injector');

beforeAll(async () => {
  kube = await startKubeDouble({
    namespace: NS,
    users: [SA, ADMIN],
    rules: [
      {
        name: 'injector-secrets',
        users: [SA.username],
        verbs: ['get', 'create', 'update'],
        apiGroups: [''],
        resources: ['secrets'],
      },
      {
        name: 'injector-webhook',
        users: [SA.username],
        verbs: ['get', 'patch'],
        apiGroups: ['admissionregistration.k8s.io'],
        resources: ['mutatingwebhookconfigurations'],
      },
    ],
  });
  kube.webhooks.put(injectorWebhookConfiguration('fa-injector', NS, SERVICE));
  admin = await connectKube(kube.kubeconfig({ token: ADMIN.token }, { namespace: NS }));
  ({
    child,
    webhook,
    metrics: probes,
    logs,
  } = await startInjector([
    ...['--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0'],
    ...['--self-managed-tls', '--webhook-config', 'fa-injector', '--service', SERVICE],
    ...['--tls-secret', 'fa-tls', '--namespace', NS, '--tls-check-seconds', '1'],
    ...['--kubeconfig', kube.kubeconfig({ token: SA.token }, { namespace: NS })],
    ...['--sidecar-image', 'registry.example/flink-autoscaler:0.1.0'],
  ]));
}, 30_000);

afterAll(async () => {
  child?.kill('SIGTERM');
  admin?.close();
  await kube?.close();
});

describe('the injector with self-managed TLS', () => {
  it('makes its certificate, keeps it in the Secret, and the caBundle lets the API server call it', async () => {
    const stored = await secretData();
    expect(certificatesOf(stored.ca)).toHaveLength(1);
    expect(caBundle()).toBe(stored.ca);
    const served = await callAsApiServer(caBundle());
    expect(served).toEqual({
      status: 200,
      fingerprint: new X509Certificate(stored.cert).fingerprint256,
      allowed: true,
    });
  });

  it('serves the certificate another replica renewed in the Secret, without a restart', async () => {
    const before = await secretData();
    const fresh = await issue(serviceNames(SERVICE, NS), new Date());
    const bundle = `${fresh.ca}\n${certificatesOf(before.ca)[0]}\n`;
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    await admin.json({
      method: 'PATCH',
      path: `/api/v1/namespaces/${NS}/secrets/fa-tls`,
      contentType: 'application/merge-patch+json',
      body: { data: { 'ca.crt': b64(bundle), 'tls.crt': b64(fresh.cert), 'tls.key': b64(fresh.key) } },
      what: 'renew the secret as another replica',
    });
    const wanted = new X509Certificate(fresh.cert).fingerprint256;
    await expect
      .poll(async () => (await callAsApiServer(bundle).catch(() => undefined))?.fingerprint, {
        timeout: 15_000,
        interval: 250,
      })
      .toBe(wanted);
    expect(caBundle()).toBe(bundle);
    const metrics = await (await fetch(`${probes}/metrics`)).text();
    expect(metrics).toMatch(/flink_autoscaler_injector_certificate_reloads_total\{result="loaded"\} 1/);
    expect(logs.join('')).toMatch(/"msg":"self-managed certificate renewed"/);
    expect(child.exitCode).toBeNull();
  }, 30_000);
});
