/**
 * The real `flink-autoscaler injector` process: HTTPS with the certificate from files, swapped without a
 * restart when the files change; /metrics and /healthz on plain HTTP; Events in the Kubernetes double for a
 * skip a person should see; bad flags refused before it starts.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceAccount, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';
import { selfSignedCertificate } from '../doubles/kube/tls.js';
import { admissionReview, jobManagerPod } from '../fixtures/admission.js';
import { httpsPost, startInjector } from '../fixtures/injector.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const main = join(root, 'sidecar/dist/cli/main.js');
const NS = 'streaming';
/** A namespace the webhook may send pods from, where the injector serves no job: no Events there. */
const OTHER = 'tenant-b';
const SA = serviceAccount('flink-autoscaler', 'injector', 'injector-token');

let kube: KubeDouble;
let child: ChildProcess;
let dir: string;
let webhook: string;
let probes: string;

function writePair(pair: { cert: string; key: string }) {
  writeFileSync(join(dir, 'tls.crt'), pair.cert);
  writeFileSync(join(dir, 'tls.key'), pair.key);
}

const first = selfSignedCertificate(undefined, { commonName: 'injector', ipAddresses: ['127.0.0.1'] });

beforeAll(async () => {
  kube = await startKubeDouble({
    namespace: NS,
    namespaces: [OTHER],
    users: [SA],
    rules: [
      {
        name: 'injector-events',
        users: [SA.username],
        verbs: ['create'],
        apiGroups: [''],
        resources: ['events'],
      },
    ],
  });
  dir = mkdtempSync(join(tmpdir(), 'fa-injector-'));
  writePair(first);
  ({
    child,
    webhook,
    metrics: probes,
  } = await startInjector([
    ...['--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0'],
    ...['--tls-cert', join(dir, 'tls.crt'), '--tls-key', join(dir, 'tls.key')],
    ...['--kubeconfig', kube.kubeconfig({ token: SA.token }, { namespace: NS })],
    ...['--sidecar-image', 'registry.example/flink-autoscaler:0.1.0', '--scale-up-cpu', '0.85'],
    ...['--namespaces', `${NS},jobs-2`],
  ]));
}, 30_000);

afterAll(async () => {
  child?.kill('SIGTERM');
  await kube?.close();
});

describe('the injector process', () => {
  it('answers AdmissionReviews over HTTPS, passing its policy flags to the sidecar', async () => {
    const answer = await httpsPost(`${webhook}/mutate`, admissionReview(jobManagerPod()), first.cert);
    expect(answer.status).toBe(200);
    expect(answer.fingerprint).toBe(new X509Certificate(first.cert).fingerprint256);
    const patch = JSON.parse(Buffer.from(answer.json.response.patch, 'base64').toString()) as {
      path: string;
      value: { args?: string[] };
    }[];
    const container = patch.find((op) => op.path === '/spec/containers/-');
    expect(container?.value.args).toEqual(expect.arrayContaining(['--scale-up-cpu', '0.85']));
  });

  it('records an Event on the FlinkDeployment when it cannot inject a pod that asked', async () => {
    const pod = jobManagerPod('orders', { annotations: { 'flink-autoscaler.io/inject': 'ture' } });
    await httpsPost(`${webhook}/mutate`, admissionReview(pod), first.cert);
    await expect
      .poll(() => kube.events(NS).map((e) => [e.reason, e.involvedObject?.kind, e.involvedObject?.name]), {
        timeout: 5000,
      })
      .toContainEqual(['SidecarNotInjectedBadAnnotation', 'FlinkDeployment', 'orders']);
  });

  it('writes no Event in a namespace outside --namespaces (the pod is still answered), and counts it', async () => {
    const pod = jobManagerPod('orders', { annotations: { 'flink-autoscaler.io/inject': 'ture' } });
    const answer = await httpsPost(
      `${webhook}/mutate`,
      admissionReview(pod, { namespace: OTHER }),
      first.cert,
    );
    expect(answer.status).toBe(200);
    await expect
      .poll(
        async () =>
          (await (await fetch(`${probes}/metrics`)).text()).match(
            /events_suppressed_total\{reason="not-served"\} \d+/,
          )?.[0],
        {
          timeout: 5000,
        },
      )
      .toBe('events_suppressed_total{reason="not-served"} 1');
    await new Promise((r) => setTimeout(r, 200));
    expect(kube.events(OTHER)).toEqual([]);
  });

  it('serves /metrics and /healthz on plain HTTP, and /mutate only over HTTPS', async () => {
    expect(await (await fetch(`${probes}/healthz`)).text()).toBe('ok\n');
    const metrics = await (await fetch(`${probes}/metrics`)).text();
    expect(metrics).toMatch(
      /flink_autoscaler_injector_admissions_total\{outcome="injected",reason="injected"\} 1/,
    );
    expect(metrics).toMatch(/process_resident_memory_bytes/);
    expect((await fetch(`${probes}/mutate`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('serves a new certificate when the files change, without a restart', async () => {
    const second = selfSignedCertificate(undefined, { commonName: 'injector-2', ipAddresses: ['127.0.0.1'] });
    writePair(second);
    const wanted = new X509Certificate(second.cert).fingerprint256;
    await expect
      .poll(
        async () =>
          (
            await httpsPost(`${webhook}/mutate`, admissionReview(jobManagerPod()), second.cert).catch(
              () => undefined,
            )
          )?.fingerprint,
        {
          timeout: 15_000,
          interval: 500,
        },
      )
      .toBe(wanted);
    // a broken pair is refused and the good one kept
    writeFileSync(join(dir, 'tls.key'), first.key);
    await new Promise((r) => setTimeout(r, 6000));
    expect(
      (await httpsPost(`${webhook}/mutate`, admissionReview(jobManagerPod()), second.cert)).fingerprint,
    ).toBe(wanted);
    const metrics = await (await fetch(`${probes}/metrics`)).text();
    expect(metrics).toMatch(/flink_autoscaler_injector_certificate_reloads_total\{result="loaded"\} 1/);
    expect(metrics).toMatch(/flink_autoscaler_injector_certificate_reloads_total\{result="rejected"\} 1/);
    expect(child.exitCode).toBeNull();
  }, 30_000);

  it.each([
    [
      ['--sidecar-image', 'x', '--sidecar-memory-limit', 'lots'],
      /--sidecar-memory-limit must be a Kubernetes quantity/,
    ],
    [['--sidecar-image', 'x', '--max-workers', '-3'], /--max-workers/],
    [[], /--sidecar-image is required/],
    [['--sidecar-image', 'x', '--tls-cert', '/nonexistent'], /cannot serve with \/nonexistent/],
    [
      ['--sidecar-image', 'x', '--namespaces', 'jobs,Bad_NS'],
      /--namespaces must list Kubernetes namespaces.*Bad_NS/,
    ],
  ])('refuses bad flags %j before it starts', (args, message) => {
    const run = spawnSync(
      process.execPath,
      [main, 'injector', '--kubeconfig', kube.kubeconfig({ token: SA.token }, { namespace: NS }), ...args],
      {
        encoding: 'utf8',
        timeout: 20_000,
      },
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(message);
  });
});
