/**
 * The sidecar keeps its view of the FlinkDeployment current through a watch on the Kubernetes double:
 * changes arrive, a failed read is retried, and a watch-driven label change flips the loop's mode.
 */
import { DEFAULT_CONFIG } from '@flink-autoscaler/shared';
import { kubeClient } from '../fixtures/kube-connect.js';
import { afterEach, describe, expect, it } from 'vitest';

import { ENABLED_LABEL, type FlinkDeployment } from '../../sidecar/src/kube/deployment.js';
import { Sidecar } from '../../sidecar/src/loop/sidecar.js';
import { keepWatching, type WatchHandle } from '../../sidecar/src/loop/watch.js';
import { SidecarMetrics } from '../../sidecar/src/metrics/exporter.js';
import { sidecarRules } from '../fixtures/rbac.js';
import { flinkDeployment, serviceAccount, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';

const NS = 'streaming';
const NAME = 'clickstream';
const SA = serviceAccount(NS, 'flink', 'sidecar-token');

let kube: KubeDouble | undefined;
let watch: WatchHandle | undefined;
afterEach(async () => {
  await watch?.stop();
  await kube?.close();
  watch = undefined;
  kube = undefined;
});

async function setUp() {
  kube = await startKubeDouble({ namespace: NS, users: [SA], rules: sidecarRules(NS, SA.username) });
  kube.flinkDeployments.put(flinkDeployment({ name: NAME, namespace: NS, replicas: 4 }));
  kube.flinkDeployments.reconcile(NS, NAME);
  const client = await kubeClient(kube.kubeconfig({ token: SA.token }, { namespace: NS }), {
    namespace: NS,
    name: NAME,
  });
  return { double: kube, client };
}

function edit(double: KubeDouble, change: (fd: FlinkDeployment) => void): void {
  const fd = double.flinkDeployments.get(NS, NAME) as unknown as FlinkDeployment;
  change(fd);
  double.flinkDeployments.put(fd as never);
}

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${what} did not happen`);
}

describe('watching the FlinkDeployment', () => {
  it('delivers the current object, then every change', async () => {
    const { double, client } = await setUp();
    const seen: FlinkDeployment[] = [];
    watch = keepWatching(
      client,
      (fd) => seen.push(fd),
      () => undefined,
    );
    await eventually(() => seen.length >= 1, 'the first read');
    edit(double, (fd) => {
      if (fd.spec?.taskManager) fd.spec.taskManager.replicas = 9;
    });
    await eventually(() => seen.at(-1)?.spec?.taskManager?.replicas === 9, 'the change');
  });

  it('retries a failed read with backoff, and logs why', async () => {
    const { double, client } = await setUp();
    double.setFault({
      kind: 'internalError',
      times: 2,
      match: { verbs: ['get'], resource: 'flinkdeployments' },
    });
    const seen: FlinkDeployment[] = [];
    const logs: string[] = [];
    watch = keepWatching(
      client,
      (fd) => seen.push(fd),
      (_level, msg) => logs.push(msg),
      { firstBackoffMs: 10 },
    );
    await eventually(() => seen.length >= 1, 'a read after the failures');
    expect(logs.filter((m) => m === 'cannot read the FlinkDeployment')).toHaveLength(2);
  });

  it('a label added to the FlinkDeployment switches the sidecar from advisor to active', async () => {
    const { double, client } = await setUp();
    const sidecar = new Sidecar({
      collector: { collect: async () => ({ time: 0, jobState: undefined }), drops: new Map() },
      kube: client,
      metrics: new SidecarMetrics({ namespace: NS, flinkdeployment: NAME }),
      clock: () => 0,
      log: () => undefined,
      baseConfig: DEFAULT_CONFIG,
    });
    await sidecar.start();
    watch = keepWatching(
      client,
      (fd) => sidecar.updateDeployment(fd),
      () => undefined,
    );
    expect(sidecar.mode).toBe('advisor');
    edit(double, (fd) => {
      fd.metadata.labels = { ...fd.metadata.labels, [ENABLED_LABEL]: 'true' };
    });
    await eventually(() => sidecar.mode === 'active', 'the switch to active');
  });
});
