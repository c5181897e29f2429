/**
 * The gateway's chart-made certificate (gateway.tls.mode selfManaged) across upgrades, with helm's `lookup`
 * reading a cluster (the Kubernetes double; `helm template --dry-run=server`). The double serves Secrets but
 * not Deployments or NetworkPolicies, so the chart's own template file (templates/gateway/tls-secret.yaml,
 * copied unchanged with _helpers.tpl and values.yaml into a chart of its own) is what renders. A Secret still
 * good for more than 30 days is kept as it is (Grafana's trust in its ca.crt holds); one near its end, or one
 * without the chart's not-after annotation, is replaced by a new pair.
 */
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';
import { connectKube } from '../fixtures/kube-connect.js';
import type { KubeConnection } from '../../sidecar/src/kube/connection.js';
import { CHART, ensureHelm } from './helm.js';
import { NAMESPACE, RELEASE, at, one, type K8sObject } from './render.js';

const SECRET = `${RELEASE}-flink-autoscaler-gateway-tls`;
const SECRETS = `/api/v1/namespaces/${NAMESPACE}/secrets`;
const ADMIN = { token: 'admin-token', username: 'admin', groups: ['system:masters'] };
const DAY = 86_400;
let kube: KubeDouble;
let admin: KubeConnection;
let kubeconfig: string;
const chart = mkdtempSync(join(tmpdir(), 'fa-gateway-tls-'));

beforeAll(async () => {
  ensureHelm();
  mkdirSync(join(chart, 'templates', 'gateway'), { recursive: true });
  for (const file of [
    'Chart.yaml',
    'values.yaml',
    'templates/_helpers.tpl',
    'templates/gateway/tls-secret.yaml',
  ])
    copyFileSync(join(CHART, file), join(chart, file));
  kube = await startKubeDouble({ namespace: NAMESPACE, users: [ADMIN] });
  kubeconfig = kube.kubeconfig({ token: ADMIN.token }, { namespace: NAMESPACE });
  admin = await connectKube(kubeconfig);
}, 300_000);

afterAll(async () => {
  await kube?.close();
  rmSync(chart, { recursive: true, force: true });
});

/** The Secret as the template renders it against the double; helm runs beside it, not blocking it. */
async function rendered(): Promise<K8sObject> {
  const args = ['template', RELEASE, chart, '--namespace', NAMESPACE, '--dry-run=server'];
  args.push('--disable-openapi-validation', '--kubeconfig', kubeconfig);
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(ensureHelm(), args, { env: { ...process.env, HOME: kube.dir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
  if (result.code !== 0) throw new Error(`helm template failed: ${result.stderr}`);
  const objects = parseAllDocuments(result.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
  return one(objects, 'Secret', SECRET);
}

/** Stores `secret` in the double as an install would have (with Helm's ownership annotations). */
async function store(secret: K8sObject): Promise<void> {
  await admin
    .json({ method: 'DELETE', path: `${SECRETS}/${SECRET}`, what: 'delete the secret' })
    .catch(() => undefined);
  const annotations = {
    ...secret.metadata.annotations,
    'meta.helm.sh/release-name': RELEASE,
    'meta.helm.sh/release-namespace': NAMESPACE,
  };
  const body = { ...secret, metadata: { ...secret.metadata, annotations } };
  await admin.json({ method: 'POST', path: SECRETS, body, what: 'create the secret' });
}

const dataOf = (secret: K8sObject) => at<Record<string, string>>(secret, 'data');
const notAfter = (secret: K8sObject) =>
  Number(secret.metadata.annotations?.['flink-autoscaler.io/not-after']);
const now = () => Math.floor(Date.now() / 1000);

describe('the gateway certificate across upgrades (lookup)', () => {
  it('a first install makes a pair; an upgrade keeps it as it is', async () => {
    const first = await rendered();
    expect(notAfter(first)).toBeGreaterThan(now() + 3600 * DAY);
    await store(first);
    const upgrade = await rendered();
    expect(dataOf(upgrade)).toEqual(dataOf(first));
    expect(notAfter(upgrade)).toBe(notAfter(first));
  });

  it('within 30 days of its end: a new pair, valid for years again', async () => {
    const old = await rendered();
    const ending = {
      ...old,
      metadata: {
        ...old.metadata,
        annotations: { 'flink-autoscaler.io/not-after': String(now() + 10 * DAY) },
      },
    };
    await store(ending);
    const renewed = await rendered();
    expect(dataOf(renewed)['ca.crt']).not.toBe(dataOf(old)['ca.crt']);
    expect(dataOf(renewed)['tls.crt']).not.toBe(dataOf(old)['tls.crt']);
    expect(notAfter(renewed)).toBeGreaterThan(now() + 3600 * DAY);
    const cert = new X509Certificate(Buffer.from(dataOf(renewed)['tls.crt'] as string, 'base64'));
    const ca = new X509Certificate(Buffer.from(dataOf(renewed)['ca.crt'] as string, 'base64'));
    expect(cert.verify(ca.publicKey)).toBe(true);
  });

  it("a Secret without the chart's not-after annotation, or without every key, is replaced", async () => {
    const old = await rendered();
    await store({ ...old, metadata: { ...old.metadata, annotations: {} } });
    expect(dataOf(await rendered())['tls.crt']).not.toBe(dataOf(old)['tls.crt']);
    const { 'ca.crt': _ca, ...noCa } = dataOf(old);
    await store({ ...old, data: noCa } as K8sObject);
    expect(Object.keys(dataOf(await rendered())).sort()).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
  });
});
