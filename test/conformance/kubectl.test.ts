/**
 * The double against the real kubectl: get, watch through an API server restart, scale with preconditions,
 * the three patch types, Events, Leases and auth can-i, each as kube-apiserver answers kubectl.
 * (`kubectl create token` is not covered: the double serves no TokenRequest, serviceaccounts/token.)
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlBinary, runKubectl, type KubeDouble, type KubectlResult } from '../doubles/kube/index.js';
import { fd, ns, startConformanceDouble, storedReplicas, startupTimeoutMs } from './double.js';

let double: KubeDouble;
let kubeconfig: string;

beforeAll(async () => {
  double = await startConformanceDouble();
  kubeconfig = double.kubeconfig('conformance-admin');
}, startupTimeoutMs);

afterAll(async () => {
  await double?.close();
});

function kubectl(...args: string[]): Promise<KubectlResult> {
  return runKubectl(kubeconfig, args, { home: double.dir });
}

function kubectlAs(user: string, ...args: string[]): Promise<KubectlResult> {
  return runKubectl(double.kubeconfig(user), args, { home: double.dir });
}

/** Writes a manifest into the double's directory for `kubectl create -f`. */
function manifest(name: string, object: unknown): string {
  const path = join(double.dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(object));
  return path;
}

function seed(name: string, replicas: number): void {
  double.flinkDeployments.put(fd(name, replicas));
  double.flinkDeployments.reconcile(ns, name);
}

describe('kubectl get and watch', () => {
  it('get flinkdeployments lists them', async () => {
    seed('k-get', 2);
    const { code, stdout, stderr } = await kubectl('get', 'flinkdeployments');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^NAME\s/m);
    expect(stdout).toMatch(/^k-get\s/m);
  });

  it('get -w --output-watch-events prints ADDED and MODIFIED, and ends when the API server restarts', async () => {
    seed('k-watch', 2);
    const child = spawn(
      kubectlBinary,
      [
        '--kubeconfig',
        kubeconfig,
        'get',
        'flinkdeployments',
        '--field-selector=metadata.name=k-watch',
        '--watch',
        '--output-watch-events',
      ],
      {
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: double.dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const waitFor = async (pattern: RegExp, ms = 10_000): Promise<void> => {
      const until = Date.now() + ms;
      while (!pattern.test(stdout)) {
        if (Date.now() > until) throw new Error(`kubectl printed no ${String(pattern)}: ${stdout} ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    try {
      await waitFor(/^ADDED\s+k-watch\s/m);
      const current = double.flinkDeployments.get(ns, 'k-watch');
      if (current === undefined) throw new Error('k-watch is gone');
      double.flinkDeployments.put({
        ...current,
        metadata: { ...current.metadata, labels: { changed: 'yes' } },
      });
      await waitFor(/^MODIFIED\s+k-watch\s/m);
      double.restart();
      const ended = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000)),
      ]);
      expect(ended, `kubectl still watching after the restart; stdout: ${stdout}`).toBe(true);
    } finally {
      child.kill();
    }
  });
});

describe('kubectl scale with preconditions', () => {
  it('--current-replicas that does not match: "Expected replicas to be 2, was 3", nothing written', async () => {
    seed('k-current', 3);
    const { code, stderr } = await kubectl(
      'scale',
      'flinkdeployment',
      'k-current',
      '--current-replicas=2',
      '--replicas=5',
    );
    expect(code).toBe(1);
    expect(stderr).toContain('Expected replicas to be 2, was 3');
    expect(storedReplicas(double, 'k-current')).toBe(3);
  });

  it('--current-replicas that matches: scaled', async () => {
    seed('k-current-ok', 3);
    const { code, stdout, stderr } = await kubectl(
      'scale',
      'flinkdeployment',
      'k-current-ok',
      '--current-replicas=3',
      '--replicas=4',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('flinkdeployment.flink.apache.org/k-current-ok scaled');
    expect(storedReplicas(double, 'k-current-ok')).toBe(4);
  });

  it('--resource-version that is stale: "Expected resource version to be …, was …", nothing written', async () => {
    seed('k-version', 2);
    const stale = double.flinkDeployments.get(ns, 'k-version')?.metadata.resourceVersion ?? '';
    const current = double.flinkDeployments.get(ns, 'k-version');
    if (current === undefined) throw new Error('k-version is gone');
    double.flinkDeployments.put({
      ...current,
      metadata: { ...current.metadata, labels: { changed: 'yes' } },
    });
    const now = double.flinkDeployments.get(ns, 'k-version')?.metadata.resourceVersion ?? '';
    expect(now).not.toBe(stale);
    const { code, stderr } = await kubectl(
      'scale',
      'flinkdeployment',
      'k-version',
      `--resource-version=${stale}`,
      '--replicas=6',
    );
    expect(code).toBe(1);
    expect(stderr).toContain(`Expected resource version to be ${stale}, was ${now}`);
    expect(storedReplicas(double, 'k-version')).toBe(2);
  });
});

describe('kubectl patch types', () => {
  it('--type json applies a JSON Patch', async () => {
    seed('k-json', 2);
    const { code, stdout } = await kubectl(
      'patch',
      'flinkdeployment',
      'k-json',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/taskManager/replicas","value":3}]',
    );
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('flinkdeployment.flink.apache.org/k-json patched');
    expect(storedReplicas(double, 'k-json')).toBe(3);
  });

  it('--type merge applies a merge patch', async () => {
    seed('k-merge', 2);
    const { code, stdout } = await kubectl(
      'patch',
      'flinkdeployment',
      'k-merge',
      '--type=merge',
      '-p',
      '{"spec":{"taskManager":{"replicas":4}}}',
    );
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('flinkdeployment.flink.apache.org/k-merge patched');
    expect(storedReplicas(double, 'k-merge')).toBe(4);
  });

  it('--type strategic on a custom resource: refused with the 415 that lists the accepted patch types', async () => {
    seed('k-strategic', 2);
    const { code, stderr } = await kubectl(
      'patch',
      'flinkdeployment',
      'k-strategic',
      '--type=strategic',
      '-p',
      '{"spec":{"taskManager":{"replicas":5}}}',
    );
    expect(code).toBe(1);
    expect(stderr).toContain(
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
    );
    expect(storedReplicas(double, 'k-strategic')).toBe(2);
  });
});

describe('kubectl and Events, Leases', () => {
  it('create -f an Event with eventTime, then get events shows its reason, object and message', async () => {
    const file = manifest('k-event', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'k-event', namespace: ns },
      involvedObject: {
        apiVersion: 'flink.apache.org/v1beta1',
        kind: 'FlinkDeployment',
        name: 'k-get',
        namespace: ns,
      },
      type: 'Normal',
      reason: 'Rescaled',
      message: 'масштаб 2 → 4',
      eventTime: new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z'),
      action: 'Scale',
      reportingComponent: 'flink-autoscaler',
      reportingInstance: 'k-get-jobmanager-0',
    });
    const created = await kubectl('create', '-f', file);
    expect(created.stderr).toBe('');
    expect(created.stdout.trim()).toBe('event/k-event created');
    const { code, stdout } = await kubectl('get', 'events');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/m);
    expect(stdout).toMatch(/\sNormal\s+Rescaled\s+flinkdeployment\/k-get\s+масштаб 2 → 4$/m);
  });

  it('create -f a Lease, then get leases shows its holder', async () => {
    const file = manifest('k-lease', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'flink-autoscaler-k-get', namespace: ns },
      spec: {
        holderIdentity: 'k-get-jobmanager-0',
        leaseDurationSeconds: 120,
        renewTime: new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z'),
      },
    });
    const created = await kubectl('create', '-f', file);
    expect(created.stderr).toBe('');
    expect(created.stdout.trim()).toBe('lease.coordination.k8s.io/flink-autoscaler-k-get created');
    const { code, stdout } = await kubectl('get', 'leases');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^NAME\s+HOLDER\s+AGE$/m);
    expect(stdout).toMatch(/^flink-autoscaler-k-get\s+k-get-jobmanager-0\s+\d+s$/m);
  });
});

describe('kubectl and ConfigMaps (the Flink operator keeps its defaults in one)', () => {
  it('create configmap --from-literal, get shows NAME DATA AGE, -o jsonpath reads a key', async () => {
    const created = await kubectl(
      'create',
      'configmap',
      'k-operator-config',
      '--from-literal=config.yaml=job.autoscaler.enabled: true',
      '--from-literal=log4j-operator.properties=rootLogger.level = INFO',
    );
    expect(created.stderr).toBe('');
    expect(created.stdout.trim()).toBe('configmap/k-operator-config created');
    const { code, stdout } = await kubectl('get', 'cm');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^NAME\s+DATA\s+AGE$/m);
    expect(stdout).toMatch(/^k-operator-config\s+2\s+\d+s$/m);
    const value = await kubectl(
      'get',
      'configmap',
      'k-operator-config',
      '-o',
      "jsonpath={.data['config\\.yaml']}",
    );
    expect(value.stdout).toBe('job.autoscaler.enabled: true');
  });

  it('refuses a bad key, and a change to an immutable one, as the API server does', async () => {
    const bad = await kubectl('create', 'configmap', 'k-bad-key', '--from-literal=a b=1');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('a valid config key must consist of alphanumeric characters');
    const file = manifest('k-immutable', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'k-immutable', namespace: ns },
      data: { 'config.yaml': 'job.autoscaler.enabled: false' },
      immutable: true,
    });
    expect((await kubectl('create', '-f', file)).code).toBe(0);
    const changed = await kubectl(
      'patch',
      'configmap',
      'k-immutable',
      '--type',
      'merge',
      '-p',
      '{"data":{"config.yaml":"job.autoscaler.enabled: true"}}',
    );
    expect(changed.code).not.toBe(0);
    expect(changed.stderr).toContain('data: Forbidden: field is immutable when `immutable` is set');
  });

  it('refuses binaryData that is not base64 as a body it cannot decode (400), not as an invalid object', async () => {
    const file = manifest('k-binary', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'k-binary', namespace: ns },
      binaryData: { blob: 'no!base64' },
    });
    const created = await kubectl('create', '-f', file);
    expect(created.code).not.toBe(0);
    expect(created.stderr).toContain('Error from server (BadRequest)');
    expect(created.stderr).toContain(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: illegal base64 data at input byte 2',
    );
  });
});

describe('kubectl auth can-i (a SelfSubjectAccessReview sent as protobuf)', () => {
  it('yes for what the user may do', async () => {
    const { code, stdout, stderr } = await kubectlAs('viewer', 'auth', 'can-i', 'get', 'flinkdeployments');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('yes');
  });

  it('no (exit 1) for what it may not', async () => {
    const { code, stdout } = await kubectlAs('viewer', 'auth', 'can-i', 'patch', 'flinkdeployments');
    expect(code).toBe(1);
    expect(stdout.trim()).toBe('no');
  });
});
