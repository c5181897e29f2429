/**
 * The operator's autoscaler on by default (its ConfigMap's `job.autoscaler.enabled`), which no FlinkDeployment
 * shows: the real injector process reads the operator's ConfigMap (`--flink-operator-config`, with a Role for
 * that one ConfigMap only) and hands each sidecar the autoscaler keys that can apply to its namespace, nothing
 * else; without the right to read it, the sidecar is told why. The reader itself, in process, follows a
 * change of the ConfigMap and keeps the last good reading when a read fails.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeConnection } from '../../sidecar/src/kube/connection.js';
import { loadKubeSettings } from '../../sidecar/src/kube/kubeconfig.js';
import { parseOperatorDefaults } from '../../sidecar/src/kube/operator-defaults.js';
import { OperatorConfig } from '../../sidecar/src/injector/operator-config.js';
import { serviceAccount, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';
import { selfSignedCertificate } from '../doubles/kube/tls.js';
import { admissionReview, jobManagerPod } from '../fixtures/admission.js';
import { httpsPost, injectedArgs, startInjector } from '../fixtures/injector.js';

const NS = 'streaming';
const OPERATOR_NS = 'flink-operator';
const CONFIG = 'flink-operator-config';
const SA = serviceAccount('flink-autoscaler', 'injector', 'injector-token');
const BLIND = serviceAccount('flink-autoscaler', 'blind-injector', 'blind-token');
const ADMIN = { token: 'admin-token', username: 'admin', groups: ['system:masters'] };

const CONFIG_YAML = [
  'kubernetes.operator.reconcile.interval: 15 s',
  'job:',
  '  autoscaler:',
  '    enabled: true',
  '    target.utilization: 0.7',
  `kubernetes.operator.default-configuration.namespace.${NS}.job.autoscaler.scaling.enabled: true`,
  `kubernetes.operator.default-configuration.namespace.${NS}.s3.secret-key: hunter2`,
  'kubernetes.operator.default-configuration.namespace.tenant-b.job.autoscaler.enabled: false',
  'kubernetes.operator.default-configuration.namespace.tenant-b.s3.secret-key: swordfish',
].join('\n');

let kube: KubeDouble;
const children: ChildProcess[] = [];
const pair = selfSignedCertificate(undefined, { commonName: 'injector', ipAddresses: ['127.0.0.1'] });
let dir: string;

async function putConfigMap(data: Record<string, string>): Promise<void> {
  const path = `/api/v1/namespaces/${OPERATOR_NS}/configmaps`;
  const headers = { Authorization: `Bearer ${ADMIN.token}`, 'Content-Type': 'application/json' };
  const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: CONFIG }, data };
  const existing = await fetch(`${kube.url}${path}/${CONFIG}`, { headers });
  const answer = existing.ok
    ? await fetch(`${kube.url}${path}/${CONFIG}`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({
          ...body,
          metadata: {
            ...body.metadata,
            resourceVersion: ((await existing.json()) as { metadata: { resourceVersion: string } }).metadata
              .resourceVersion,
          },
        }),
      })
    : await fetch(`${kube.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  expect(answer.status, await answer.clone().text()).toBeLessThan(300);
}

async function injector(token: string) {
  const started = await startInjector([
    ...['--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0'],
    ...['--tls-cert', join(dir, 'tls.crt'), '--tls-key', join(dir, 'tls.key')],
    ...['--kubeconfig', kube.kubeconfig({ token }, { namespace: NS })],
    ...['--sidecar-image', 'registry.example/flink-autoscaler:0.1.0'],
    ...['--flink-operator-config', `${OPERATOR_NS}/${CONFIG}`],
  ]);
  children.push(started.child);
  return started;
}

/** The `--flink-operator-defaults` the injector gives a JobManager pod of `namespace`. */
async function defaultsGiven(webhook: string, namespace: string) {
  const answer = await httpsPost(
    `${webhook}/mutate`,
    admissionReview(jobManagerPod(), { namespace }),
    pair.cert,
  );
  expect(answer.status).toBe(200);
  const args = injectedArgs(answer);
  const at = args.indexOf('--flink-operator-defaults');
  expect(at, args.join(' ')).toBeGreaterThan(0);
  return { text: args[at + 1] as string, reading: parseOperatorDefaults(args[at + 1] as string) };
}

beforeAll(async () => {
  kube = await startKubeDouble({
    namespace: NS,
    namespaces: [OPERATOR_NS, 'tenant-b'],
    users: [SA, BLIND, ADMIN],
    rules: [
      {
        name: 'injector-reads-the-operator-config',
        users: [SA.username],
        verbs: ['get'],
        apiGroups: [''],
        resources: ['configmaps'],
        resourceNames: [CONFIG],
        namespaces: [OPERATOR_NS],
      },
    ],
  });
  dir = mkdtempSync(join(tmpdir(), 'fa-injector-operator-'));
  writeFileSync(join(dir, 'tls.crt'), pair.cert);
  writeFileSync(join(dir, 'tls.key'), pair.key);
  await putConfigMap({ 'config.yaml': CONFIG_YAML, 'log4j-operator.properties': 'rootLogger.level = INFO' });
}, 30_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  await kube?.close();
});

describe("the injector and the operator's default configuration", () => {
  it('gives each sidecar the autoscaler keys that can apply to its namespace, and nothing else', async () => {
    const { webhook } = await injector(SA.token);
    const streaming = await defaultsGiven(webhook, NS);
    expect(streaming.reading).toEqual({
      source: `${OPERATOR_NS}/${CONFIG}`,
      entries: {
        'job.autoscaler.enabled': 'true',
        [`kubernetes.operator.default-configuration.namespace.${NS}.job.autoscaler.scaling.enabled`]: 'true',
      },
    });
    // another namespace's defaults (and anything that is not the autoscaler's switch) never reach the pod
    expect(streaming.text).not.toMatch(/tenant-b|secret|hunter2|swordfish|utilization|reconcile/);
    const other = await defaultsGiven(webhook, 'tenant-b');
    expect(other.reading.entries).toEqual({
      'job.autoscaler.enabled': 'true',
      'kubernetes.operator.default-configuration.namespace.tenant-b.job.autoscaler.enabled': 'false',
    });
    expect(other.text).not.toMatch(/streaming|secret|hunter2|swordfish/);
  });

  it('tells the sidecar why when it may not read the ConfigMap, and still injects', async () => {
    const { webhook, logs } = await injector(BLIND.token);
    const { reading } = await defaultsGiven(webhook, NS);
    expect(reading.entries).toBeUndefined();
    expect(reading.error).toMatch(/forbidden|cannot get/i);
    expect(logs.join('')).toContain("the operator's ConfigMap could not be read");
  });
});

describe("the injector's reader of the operator's ConfigMap", () => {
  it('follows a change, and keeps the last good reading when a read fails', async () => {
    const connection = new KubeConnection(await loadKubeSettings(kube.kubeconfig({ token: SA.token })));
    try {
      const reader = new OperatorConfig(connection, { namespace: OPERATOR_NS, name: CONFIG });
      expect(reader.readingFor(NS).error).toBe('not read yet');
      expect((await reader.refresh()).ok).toBe(true);
      expect(reader.readingFor(NS).entries?.['job.autoscaler.enabled']).toBe('true');

      await putConfigMap({ 'flink-conf.yaml': 'job.autoscaler.enabled: false\n' });
      expect((await reader.refresh()).ok).toBe(true);
      expect(reader.readingFor(NS).entries).toEqual({ 'job.autoscaler.enabled': 'false' });

      await putConfigMap({ 'config.yaml': 'job: [not closed' });
      const failed = await reader.refresh();
      expect(failed.ok).toBe(false);
      expect(failed.error).toContain('config.yaml is not YAML');
      expect(reader.readingFor(NS).entries).toEqual({ 'job.autoscaler.enabled': 'false' });
    } finally {
      connection.close();
      await putConfigMap({ 'config.yaml': CONFIG_YAML });
    }
  });
});
