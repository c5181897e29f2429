/**
 * The chart and the injector agree: `helm template` renders the MutatingWebhookConfiguration and the
 * injector Deployment; the Kubernetes double registers that configuration (its Service mapped to a loopback
 * injector started with exactly the Deployment's arguments, addresses and files aside), and
 * `kubectl apply -f` of a JobManager pod in a job namespace comes back with the sidecar the chart configured,
 * told by the injector whether the Flink operator's autoscaler is on by default (its ConfigMap, made with
 * `kubectl create configmap`, read as `injector.flinkOperatorConfig` says).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { one, render } from '../chart/render.js';
import { runKubectl, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';
import { selfSignedCertificate } from '../doubles/kube/tls.js';
import { jobManagerPod } from '../fixtures/admission.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// ci/jobs-values.yaml: job namespaces flink-jobs and analytics, and only those labelled team: data
const NS = 'flink-jobs';
const ADMIN = { token: 'admin-token', username: 'admin', groups: ['system:masters'] };
let kube: KubeDouble;
let injector: ChildProcess;
let home: string;
let kubeconfig: string;
let sidecarImage: string;

interface Container {
  name: string;
  args?: string[];
  image?: string;
}

beforeAll(async () => {
  // CEL matchConditions are off: the double refuses them (the injector checks the annotation itself anyway).
  const objects = render({
    values: ['jobs-values.yaml'],
    set: [
      'webhook.matchConditions.enabled=false',
      'tls.mode=secret',
      'tls.secret.name=fa-tls',
      'tls.secret.caBundle=eA==',
      'injector.flinkOperatorConfig.namespace=flink-operator',
    ],
  });
  const mwc = one(objects, 'MutatingWebhookConfiguration') as unknown as {
    metadata: { name: string };
    webhooks: {
      clientConfig: { service: { name: string; namespace: string; port?: number }; caBundle?: string };
    }[];
  };
  const deployment = objects.find(
    (o) => o.kind === 'Deployment' && JSON.stringify(o).includes('"injector"'),
  ) as unknown as { spec: { template: { spec: { containers: Container[] } } } };
  const container = deployment.spec.template.spec.containers[0];
  const args = container?.args ?? [];
  sidecarImage = args.find((a) => a.startsWith('--sidecar-image='))?.slice('--sidecar-image='.length) ?? '';

  kube = await startKubeDouble({ namespace: NS, users: [ADMIN] });
  kube.addNamespace(NS, { team: 'data' });
  kube.addNamespace('analytics', {});
  kube.addNamespace('elsewhere', { team: 'data' });
  kube.addNamespace('flink-operator', {});
  home = mkdtempSync(join(tmpdir(), 'fa-chart-kubectl-'));
  kubeconfig = kube.kubeconfig({ token: ADMIN.token }, { namespace: NS });
  // The operator's defaults as its Helm chart keeps them: the autoscaler on for every job.
  const created = await runKubectl(
    kubeconfig,
    [
      ...['create', 'configmap', 'flink-operator-config', '-n', 'flink-operator'],
      '--from-literal=config.yaml=job.autoscaler.enabled: true\nkubernetes.operator.reconcile.interval: 15 s',
    ],
    { home },
  );
  if (created.code !== 0) throw new Error(`kubectl create configmap: ${created.stderr}`);
  const service = mwc.webhooks[0]?.clientConfig.service;
  if (!service) throw new Error('the rendered webhook calls no Service');
  const tls = selfSignedCertificate(undefined, {
    commonName: 'injector',
    dnsNames: [`${service.name}.${service.namespace}.svc`],
    ipAddresses: [],
  });
  const dir = mkdtempSync(join(tmpdir(), 'fa-chart-injection-'));
  writeFileSync(join(dir, 'tls.crt'), tls.cert);
  writeFileSync(join(dir, 'tls.key'), tls.key);
  const local = args
    .filter((a) => !/^--(listen|metrics-listen|tls-cert|tls-key)=/.test(a))
    .concat([
      '--listen=127.0.0.1:0',
      '--metrics-listen=127.0.0.1:0',
      `--tls-cert=${join(dir, 'tls.crt')}`,
      `--tls-key=${join(dir, 'tls.key')}`,
      `--kubeconfig=${kube.kubeconfig({ token: ADMIN.token }, { namespace: NS })}`,
    ]);
  injector = spawn(process.execPath, [join(root, 'sidecar/dist/cli/main.js'), ...local], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, POD_NAMESPACE: service.namespace },
  });
  const url = await new Promise<string>((done, fail) => {
    let log = '';
    const timer = setTimeout(() => fail(new Error(`the injector did not start:\n${log}`)), 20_000);
    injector.stderr?.on('data', (d: Buffer) => {
      log += d.toString();
      for (const line of d.toString().split('\n')) {
        if (!line.includes('"listening"')) continue;
        clearTimeout(timer);
        done((JSON.parse(line) as { webhook: string }).webhook);
      }
    });
  });
  for (const hook of mwc.webhooks) hook.clientConfig.caBundle = Buffer.from(tls.cert).toString('base64');
  kube.webhooks.put(mwc as never);
  kube.webhooks.mapService(
    { namespace: service.namespace, name: service.name, port: service.port ?? 443 },
    url,
  );
}, 90_000);

afterAll(async () => {
  injector?.kill('SIGTERM');
  await kube?.close();
});

async function apply(name: string, pod: Record<string, unknown>, namespace = NS) {
  const spec = JSON.parse(JSON.stringify(pod.spec)) as {
    volumes?: unknown;
    containers: { volumeMounts?: unknown }[];
  };
  delete spec.volumes;
  for (const c of spec.containers) delete c.volumeMounts;
  const metadata = { ...(pod.metadata as object), name, generateName: undefined };
  const file = join(home, `${name}.yaml`);
  writeFileSync(file, stringify({ ...pod, metadata: JSON.parse(JSON.stringify(metadata)) as object, spec }));
  const applied = await runKubectl(kubeconfig, ['apply', '-n', namespace, '-f', file], { home });
  expect(applied.code, applied.stderr).toBe(0);
  const got = await runKubectl(kubeconfig, ['get', 'pod', '-n', namespace, name, '-o', 'json'], { home });
  return JSON.parse(got.stdout) as { spec: { containers: Container[] } };
}

describe('the chart’s webhook and the injector', () => {
  it('inject the sidecar the chart configures into a JobManager pod that asks', async () => {
    const pod = await apply('clickstream-jm', jobManagerPod('clickstream'));
    const sidecar = pod.spec.containers.find((c) => c.name === 'flink-autoscaler');
    expect(sidecar?.image).toBe(sidecarImage);
    expect(sidecar?.args?.slice(0, 3)).toEqual(['sidecar', '--listen', '0.0.0.0:9877']);
    // the chart's policy values reach every sidecar as flags
    expect(sidecar?.args).toEqual(expect.arrayContaining(['--scale-up-cpu', '0.85', '--max-workers', '40']));
    // and what the operator's ConfigMap says of its own autoscaler, for this namespace only
    const at = sidecar?.args?.indexOf('--flink-operator-defaults') ?? -1;
    expect(JSON.parse(sidecar?.args?.[at + 1] ?? 'null')).toEqual({
      source: 'flink-operator/flink-operator-config',
      entries: { 'job.autoscaler.enabled': 'true' },
    });
    expect(kube.admissionCalls().at(-1)?.outcome).toBe('patched');
  });

  it('leave namespaces the chart does not select alone (not a job namespace; a job namespace without team: data)', async () => {
    const calls = kube.admissionCalls().length;
    for (const namespace of ['elsewhere', 'analytics']) {
      const pod = await apply('orders-jm', jobManagerPod('orders'), namespace);
      expect(pod.spec.containers.map((c) => c.name)).toEqual(['flink-main-container']);
    }
    expect(kube.admissionCalls().length).toBe(calls);
  });

  it('leave a TaskManager pod alone without calling the injector', async () => {
    const calls = kube.admissionCalls().length;
    const pod = await apply(
      'clickstream-tm',
      jobManagerPod('clickstream', { labels: { component: 'taskmanager' } }),
    );
    expect(pod.spec.containers.map((c) => c.name)).toEqual(['flink-main-container']);
    expect(kube.admissionCalls().length).toBe(calls);
  });
});
