/**
 * Self-managed webhook TLS (behind --self-managed-tls), as Vault and Istio do it: a CA and a serving
 * certificate for the injector's Service, kept in a Secret of its own namespace (so every replica serves
 * the same one and a restart keeps it), renewed when less than 30 days are left, and the CA written into
 * the MutatingWebhookConfiguration's caBundle. A renewal makes a new CA and keeps the previous one in the
 * bundle, so replicas still serving the old certificate stay trusted until they pick up the new one.
 */
import 'reflect-metadata';
import { X509Certificate as NodeCertificate, webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
import * as x509 from '@peculiar/x509';
import { KubeError } from '../kube/api-error.js';
import type { KubeConnection } from '../kube/connection.js';
import type { KeyPair } from './tls-files.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 86_400_000;
export const RENEW_BEFORE_MS = 30 * DAY_MS;

export interface SelfManagedTarget {
  /** The injector's namespace (the Secret's, the Service's). */
  namespace: string;
  service: string;
  secret: string;
  webhookConfig: string;
}

export interface Issued extends KeyPair {
  ca: string;
}

/** The names the API server may call the Service by. */
export function serviceNames(service: string, namespace: string): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
}

async function pem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** A new CA (10 years) and a serving certificate (1 year) for `names`. */
export async function issue(names: string[], now: Date): Promise<Issued> {
  const caKeys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=flink-autoscaler-injector-ca',
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + 3650 * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${names[names.length - 2] ?? names[0]}`,
    issuer: ca.subject,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALGORITHM,
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + 365 * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: 'dns' as const, value }))),
    ],
  });
  return { ca: ca.toString('pem'), cert: cert.toString('pem'), key: await pem(keys.privateKey) };
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM bundle, in order. */
export function certificatesOf(bundle: string): string[] {
  return bundle.match(PEM_CERTIFICATE) ?? [];
}

/** The bundle's first certificate when it is a CA still valid at `now`, to keep trusting after a renewal. */
function stillValidCa(bundle: string, now: Date): string | undefined {
  const first = certificatesOf(bundle)[0];
  if (first === undefined) return undefined;
  try {
    const ca = new NodeCertificate(first);
    return ca.ca && new Date(ca.validTo).getTime() > now.getTime() ? first : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `issued` can keep serving `names` at `now` (signed by its CA, covers every name, not near expiry). */
export function usable(issued: Issued, names: string[], now: Date): boolean {
  try {
    const cert = new NodeCertificate(issued.cert);
    const ca = new NodeCertificate(certificatesOf(issued.ca)[0] ?? '');
    if (!cert.verify(ca.publicKey)) return false;
    if (new Date(cert.validTo).getTime() - now.getTime() < RENEW_BEFORE_MS) return false;
    return names.every((name) => cert.checkHost(name) !== undefined);
  } catch {
    return false;
  }
}

interface Secret {
  metadata?: { resourceVersion?: string };
  data?: Record<string, string>;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const unb64 = (text: string | undefined) => Buffer.from(text ?? '', 'base64').toString('utf8');

function fromSecret(secret: Secret): Issued {
  return {
    ca: unb64(secret.data?.['ca.crt']),
    cert: unb64(secret.data?.['tls.crt']),
    key: unb64(secret.data?.['tls.key']),
  };
}

/**
 * The certificates to serve: the Secret's when usable, else new ones written to it (created, or updated at
 * the version read; `ca` then bundles the new CA and the previous one). When another replica wrote first
 * (409), theirs are taken.
 */
export async function ensureCertificates(
  connection: KubeConnection,
  target: SelfManagedTarget,
  now: Date,
): Promise<Issued> {
  const names = serviceNames(target.service, target.namespace);
  const collection = `/api/v1/namespaces/${encodeURIComponent(target.namespace)}/secrets`;
  const path = `${collection}/${encodeURIComponent(target.secret)}`;
  const read = () =>
    connection
      .json<Secret>({ method: 'GET', path, what: `read the TLS secret ${target.secret}` })
      .catch((error: unknown) => {
        if (error instanceof KubeError && error.failure === 'not-found') return undefined;
        throw error;
      });
  const existing = await read();
  if (existing && usable(fromSecret(existing), names, now)) return fromSecret(existing);
  const fresh = await issue(names, now);
  const previous = existing ? stillValidCa(fromSecret(existing).ca, now) : undefined;
  const issued = { ...fresh, ca: previous === undefined ? fresh.ca : `${fresh.ca}\n${previous}\n` };
  const body = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/tls',
    metadata: {
      name: target.secret,
      namespace: target.namespace,
      labels: { 'app.kubernetes.io/managed-by': 'flink-autoscaler-injector' },
      ...(existing?.metadata?.resourceVersion ? { resourceVersion: existing.metadata.resourceVersion } : {}),
    },
    data: { 'ca.crt': b64(issued.ca), 'tls.crt': b64(issued.cert), 'tls.key': b64(issued.key) },
  };
  try {
    await connection.json(
      existing
        ? { method: 'PUT', path, body, what: `update the TLS secret ${target.secret}` }
        : { method: 'POST', path: collection, body, what: `create the TLS secret ${target.secret}` },
    );
    return issued;
  } catch (error) {
    if (!(error instanceof KubeError) || error.failure !== 'conflict') throw error;
    const theirs = await read();
    if (theirs && usable(fromSecret(theirs), names, now)) return fromSecret(theirs);
    throw error;
  }
}

interface WebhookConfiguration {
  webhooks?: {
    name: string;
    clientConfig?: { caBundle?: string; service?: { name?: string; namespace?: string } };
  }[];
}

/** Writes the CA into the caBundle of the configuration's webhooks that call this Service; returns how many changed. */
export async function patchCaBundle(
  connection: KubeConnection,
  target: SelfManagedTarget,
  ca: string,
): Promise<number> {
  const path = `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${encodeURIComponent(target.webhookConfig)}`;
  const config = await connection.json<WebhookConfiguration>({
    method: 'GET',
    path,
    what: `read the MutatingWebhookConfiguration ${target.webhookConfig}`,
  });
  const bundle = b64(ca);
  const ops = (config.webhooks ?? []).flatMap((webhook, index) => {
    const service = webhook.clientConfig?.service;
    const ours =
      service === undefined || (service.name === target.service && service.namespace === target.namespace);
    if (!ours || webhook.clientConfig?.caBundle === bundle) return [];
    return [
      { op: 'test', path: `/webhooks/${index}/name`, value: webhook.name },
      { op: 'add', path: `/webhooks/${index}/clientConfig/caBundle`, value: bundle },
    ];
  });
  if (ops.length === 0) return 0;
  await connection.json({
    method: 'PATCH',
    path,
    contentType: 'application/json-patch+json',
    body: ops,
    what: `set the caBundle of the MutatingWebhookConfiguration ${target.webhookConfig}`,
  });
  return ops.length / 2;
}
