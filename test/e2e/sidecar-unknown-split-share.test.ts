/**
 * maxUnknownSplitShare reaches the collector through the sidecar's policy: a Beam job with 5 of its 8 splits
 * reporting -1 (unknown) is not trusted at the default (0.5), and is, with an estimate, when the
 * FlinkDeployment's annotation flink-autoscaler.io/max-unknown-split-share allows 0.7.
 */
import { DEFAULT_CONFIG } from '@flink-autoscaler/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { FlinkCollector } from '../../sidecar/src/flink/collect.js';
import { FlinkHttp } from '../../sidecar/src/flink/http.js';
import { KubeClient } from '../../sidecar/src/kube/client.js';
import { Sidecar } from '../../sidecar/src/loop/sidecar.js';
import { SidecarMetrics } from '../../sidecar/src/metrics/exporter.js';
import { startFlinkDouble, type FlinkDouble } from '../doubles/flink/index.js';
import { flinkDeployment, serviceAccount, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';
import { connectKube } from '../fixtures/kube-connect.js';
import { sidecarRules } from '../fixtures/rbac.js';

const NS = 'streaming';
const NAME = 'clickstream';
const SA = serviceAccount(NS, 'flink', 'sidecar-token');

let flink: FlinkDouble | undefined;
let kube: KubeDouble | undefined;
afterEach(async () => {
  await flink?.close();
  await kube?.close();
  flink = kube = undefined;
});

/** Runs an advising sidecar for 3 minutes (the 2 minute window filled); the drop reasons it logged and its last evaluation's sample. */
async function run(annotations: Record<string, string>) {
  flink = await startFlinkDouble({
    clusterId: NAME,
    jobShape: { initialWorkers: 4, capacityPerWorker: 1000 },
    slotsPerTaskManager: 1,
    input: 6000,
    backlog: 'beam-splits',
    splits: 8,
    unknownSplits: [0, 1, 2, 3, 4],
  });
  kube = await startKubeDouble({ namespace: NS, users: [SA], rules: sidecarRules(NS, SA.username) });
  const f = flink;
  kube.flinkDeployments.put(
    flinkDeployment({ name: NAME, namespace: NS, replicas: 4, slotsPerTaskManager: 1, annotations }),
  );
  kube.flinkDeployments.reconcile(NS, NAME);
  const connection = await connectKube(kube.kubeconfig({ token: SA.token }, { namespace: NS }));
  const clock = () => Date.UTC(2026, 0, 1) + f.time * 1000;
  const dropped: string[] = [];
  const sidecar = new Sidecar({
    collector: new FlinkCollector(new FlinkHttp({ baseUrl: f.url, attempts: 1, timeoutMs: 1000 }), clock),
    kube: new KubeClient(connection, { namespace: NS, name: NAME }),
    metrics: new SidecarMetrics({ namespace: NS, flinkdeployment: NAME }),
    clock,
    log: (_level, msg, fields = {}) => {
      if (msg === 'sample dropped') dropped.push(String(fields['reason']));
    },
    baseConfig: DEFAULT_CONFIG,
  });
  await sidecar.start();
  let last;
  for (let t = 0; t < 180; t += 15) {
    f.advance(15);
    last = (await sidecar.tick()) ?? last;
  }
  return { dropped, truth: f.job.backlog, signals: last?.signals };
}

describe('maxUnknownSplitShare through the sidecar', () => {
  it('at the default 0.5, 5 unknown splits of 8 are not trusted', async () => {
    const { dropped, signals } = await run({});
    expect(dropped).toContain('unknown-share-too-high');
    expect(signals).toBeUndefined();
  });

  it('the annotation 0.7 lets them in, estimated from the 3 known splits', async () => {
    const { dropped, signals, truth } = await run({
      'flink-autoscaler.io/max-unknown-split-share': '0.7',
    });
    expect(dropped).not.toContain('unknown-share-too-high');
    expect(signals?.source.backlog).toBeGreaterThan(0.9 * truth);
    expect(signals?.source.backlog).toBeLessThan(1.1 * truth);
  });
});
