/**
 * Self-managed webhook TLS: the CA and serving certificate it makes (checked by OpenSSL through
 * node:crypto), when it keeps or renews them, and the caBundle it writes into the
 * MutatingWebhookConfiguration in the Kubernetes double.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepCertificateFresh } from '../../sidecar/src/injector/certificate-renewal.js';
import {
  certificatesOf,
  ensureCertificates,
  issue,
  patchCaBundle,
  RENEW_BEFORE_MS,
  serviceNames,
  usable,
} from '../../sidecar/src/injector/self-managed-tls.js';
import { runKubectl, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caBundleOf, injectorWebhookConfiguration } from '../fixtures/injector.js';
import { connectKube } from '../fixtures/kube-connect.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const NAMES = serviceNames('fa-injector', 'flink-autoscaler');
const ADMIN = { token: 'admin-token', username: 'admin', groups: ['system:masters'] };
/** The injector's Service, Secret and webhook configuration. */
const target = {
  namespace: 'flink-autoscaler',
  service: 'fa-injector',
  secret: 'fa-tls',
  webhookConfig: 'fa-injector',
};

describe('self-made certificates', () => {
  it('a CA and a serving certificate for every name of the Service, signed by that CA', async () => {
    const issued = await issue(NAMES, NOW);
    const ca = new X509Certificate(issued.ca);
    const cert = new X509Certificate(issued.cert);
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(issued.key))).toBe(true);
    for (const name of NAMES) expect(cert.checkHost(name)).toBe(name);
    expect(NAMES).toContain('fa-injector.flink-autoscaler.svc');
    expect(new Date(cert.validTo).getTime() - NOW.getTime()).toBeGreaterThan(360 * 86_400_000);
  });

  it('are kept while valid, and renewed near expiry, for other names or when tampered with', async () => {
    const issued = await issue(NAMES, NOW);
    expect(usable(issued, NAMES, NOW)).toBe(true);
    const expiry = new Date(new X509Certificate(issued.cert).validTo).getTime();
    expect(usable(issued, NAMES, new Date(expiry - RENEW_BEFORE_MS + 1000))).toBe(false);
    expect(usable(issued, serviceNames('other', 'flink-autoscaler'), NOW)).toBe(false);
    const stranger = await issue(NAMES, NOW);
    expect(usable({ ...issued, ca: stranger.ca }, NAMES, NOW)).toBe(false);
    expect(usable({ ...issued, cert: 'garbage' }, NAMES, NOW)).toBe(false);
  });
});

describe('the caBundle in the MutatingWebhookConfiguration', () => {
  let kube: KubeDouble;

  beforeAll(async () => {
    kube = await startKubeDouble({ namespace: 'streaming', users: [ADMIN] });
  });
  afterAll(async () => {
    await kube?.close();
  });

  it('is written for the webhooks that call our Service, and only once', async () => {
    const issued = await issue(NAMES, NOW);
    kube.webhooks.put(
      injectorWebhookConfiguration('fa-injector', 'flink-autoscaler', 'fa-injector', [
        {
          name: 'other.example.com',
          admissionReviewVersions: ['v1'],
          clientConfig: { service: { namespace: 'elsewhere', name: 'other' }, caBundle: 'b3RoZXI=' },
          rules: [
            { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] },
          ],
          sideEffects: 'None',
        },
      ]),
    );
    const connection = await connectKube(kube.kubeconfig({ token: ADMIN.token }, { namespace: 'streaming' }));
    expect(await patchCaBundle(connection, target, issued.ca)).toBe(1);
    const stored = kube.webhooks.get('fa-injector') as unknown as {
      webhooks: { clientConfig: { caBundle?: string } }[];
    };
    expect(Buffer.from(stored.webhooks[0]?.clientConfig.caBundle ?? '', 'base64').toString()).toBe(issued.ca);
    expect(stored.webhooks[1]?.clientConfig.caBundle).toBe('b3RoZXI=');
    expect(await patchCaBundle(connection, target, issued.ca)).toBe(0);
    connection.close();
  });
});

describe('the certificates kept in a Secret', () => {
  let kube: KubeDouble;

  beforeAll(async () => {
    kube = await startKubeDouble({ namespace: 'flink-autoscaler', users: [ADMIN] });
  });
  afterAll(async () => {
    await kube?.close();
  });

  it('are made once and shared: two replicas starting together serve the same certificate', async () => {
    const kubeconfig = kube.kubeconfig({ token: ADMIN.token }, { namespace: target.namespace });
    const [a, b] = await Promise.all([connectKube(kubeconfig), connectKube(kubeconfig)]);
    const [first, second] = await Promise.all([
      ensureCertificates(a, target, NOW),
      ensureCertificates(b, target, NOW),
    ]);
    expect(second.cert).toBe(first.cert);
    const again = await ensureCertificates(a, target, NOW);
    expect(again).toEqual(first);
    const home = mkdtempSync(join(tmpdir(), 'fa-secret-'));
    const got = await runKubectl(kubeconfig, ['get', 'secret', 'fa-tls', '-o', 'json'], { home });
    expect(got.stderr).toBe('');
    const secret = JSON.parse(got.stdout) as { type: string; data: Record<string, string> };
    expect(secret.type).toBe('kubernetes.io/tls');
    expect(Buffer.from(secret.data['tls.crt'] ?? '', 'base64').toString()).toBe(first.cert);
    expect(Object.keys(secret.data).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
    a.close();
    b.close();
  });

  it('are renewed in the Secret when they near expiry', async () => {
    const connection = await connectKube(
      kube.kubeconfig({ token: ADMIN.token }, { namespace: target.namespace }),
    );
    const now = await ensureCertificates(connection, target, NOW);
    const later = new Date(NOW.getTime() + 340 * 86_400_000);
    const renewed = await ensureCertificates(connection, target, later);
    expect(renewed.cert).not.toBe(now.cert);
    expect(usable(renewed, NAMES, later)).toBe(true);
    expect(await ensureCertificates(connection, target, later)).toEqual(renewed);
    // the bundle keeps trusting the previous CA, for replicas that still serve the old certificate
    const [newCa, oldCa, ...more] = certificatesOf(renewed.ca);
    expect(more).toEqual([]);
    expect(new X509Certificate(renewed.cert).verify(new X509Certificate(newCa ?? '').publicKey)).toBe(true);
    expect(oldCa).toBe(certificatesOf(now.ca)[0]);
    expect(new X509Certificate(now.cert).verify(new X509Certificate(oldCa ?? '').publicKey)).toBe(true);
    // and only the previous one: a second renewal drops the oldest
    const muchLater = new Date(later.getTime() + 340 * 86_400_000);
    const again = await ensureCertificates(connection, target, muchLater);
    expect(certificatesOf(again.ca).slice(1)).toEqual([newCa]);
    connection.close();
  });
});

describe('a running injector keeping its certificate fresh', () => {
  let kube: KubeDouble;

  beforeAll(async () => {
    kube = await startKubeDouble({ namespace: 'flink-autoscaler', users: [ADMIN] });
    kube.webhooks.put(injectorWebhookConfiguration('fa-injector', 'flink-autoscaler', 'fa-injector'));
  });
  afterAll(async () => {
    await kube?.close();
  });

  const caBundle = () => caBundleOf(kube, 'fa-injector');

  it('renews near expiry: the caBundle first, then the new pair is served; a second replica takes it', async () => {
    const kubeconfig = kube.kubeconfig({ token: ADMIN.token }, { namespace: target.namespace });
    const [a, b] = await Promise.all([connectKube(kubeconfig), connectKube(kubeconfig)]);
    const started = await ensureCertificates(a, target, NOW);
    await patchCaBundle(a, target, started.ca);
    let clock = NOW;
    const served: { replica: string; cert: string; bundleAtServe: string }[] = [];
    const failures: Error[] = [];
    const keeper = (replica: string, connection: typeof a) =>
      keepCertificateFresh({
        connection,
        target,
        current: started,
        everyMs: 3_600_000,
        now: () => clock,
        serve: (next) => served.push({ replica, cert: next.cert, bundleAtServe: caBundle() }),
        failed: (error) => failures.push(error),
      });
    const [first, second] = [keeper('a', a), keeper('b', b)];
    await first.check();
    await second.check();
    expect(served).toEqual([]); // nothing to do while the certificate is good

    clock = new Date(NOW.getTime() + 340 * 86_400_000);
    await first.check();
    expect(served).toHaveLength(1);
    const renewed = served[0]!;
    expect(renewed.cert).not.toBe(started.cert);
    expect(certificatesOf(renewed.bundleAtServe)).toHaveLength(2); // trusted before it is served
    expect(certificatesOf(renewed.bundleAtServe)[1]).toBe(certificatesOf(started.ca)[0]);
    await second.check();
    expect(served[1]).toEqual({ replica: 'b', cert: renewed.cert, bundleAtServe: renewed.bundleAtServe });
    await first.check();
    expect(served).toHaveLength(2);
    expect(failures).toEqual([]);
    first.stop();
    second.stop();
    a.close();
    b.close();
  });

  it('keeps serving what it has when a check fails, and says why', async () => {
    const kubeconfig = kube.kubeconfig({ token: 'nobody' }, { namespace: target.namespace });
    const connection = await connectKube(kubeconfig);
    const current = await issue(NAMES, NOW);
    const served: string[] = [];
    const failures: Error[] = [];
    const keeper = keepCertificateFresh({
      connection,
      target,
      current,
      everyMs: 3_600_000,
      now: () => NOW,
      serve: (next) => served.push(next.cert),
      failed: (error) => failures.push(error),
    });
    await keeper.check();
    keeper.stop();
    expect(served).toEqual([]);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.message).toMatch(/TLS secret fa-tls/);
    connection.close();
  });
});
