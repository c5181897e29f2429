/**
 * Issue 10, "two sidecars for one job": with JobManager HA both JobManager pods get a sidecar. Two real
 * `flink-autoscaler sidecar` processes (identities from env POD_NAME) on one FlinkDeployment in the
 * Kubernetes double elect one on the Lease flink-autoscaler-<name>: it alone scales, writes the state and
 * sends Events; the other observes and says who leads.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { ENABLED_LABEL, STATE_ANNOTATION } from '../../sidecar/src/kube/deployment.js';
import { startFlinkDouble, type FlinkDouble } from '../doubles/flink/index.js';
import { flinkDeployment, serviceAccount, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';
import { sidecarRules } from '../fixtures/rbac.js';
import { freePort, until } from '../fixtures/wait.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NS = 'streaming';
const NAME = 'clickstream';
const SA = serviceAccount(NS, 'flink', 'sidecar-token');

let flink: FlinkDouble | undefined;
let kube: KubeDouble | undefined;
const children: ChildProcess[] = [];
let ticker: NodeJS.Timeout | undefined;
afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  clearInterval(ticker);
  await flink?.close();
  await kube?.close();
});

interface Status {
  leader: { leader: boolean; identity: string; holder: string | null };
  gates: string[];
  lastScalings: { trigger: string; from: number; to: number }[];
}

it('two sidecar processes on one FlinkDeployment: one leads and scales once, the other follows', async () => {
  flink = await startFlinkDouble({
    clusterId: NAME,
    jobShape: { initialWorkers: 4, capacityPerWorker: 1000, maxWorkers: 20 },
    slotsPerTaskManager: 1,
    input: 8000,
    fetchIntervalSeconds: 0,
  });
  const f = flink;
  ticker = setInterval(() => f.advance(1), 1000);
  kube = await startKubeDouble({
    namespace: NS,
    users: [SA],
    rules: [...sidecarRules(NS, SA.username)],
  });
  const k = kube;
  k.flinkDeployments.put(
    flinkDeployment({
      name: NAME,
      namespace: NS,
      replicas: 4,
      slotsPerTaskManager: 1,
      labels: { [ENABLED_LABEL]: 'true' },
    }),
  );
  k.flinkDeployments.reconcile(NS, NAME);
  k.onReplicasChange((change) => {
    if (change.to !== undefined) f.setReplicas(change.to);
    queueMicrotask(() => k.flinkDeployments.reconcile(NS, NAME));
  });

  const urls: string[] = [];
  for (const pod of ['clickstream-jm-0', 'clickstream-jm-1']) {
    const port = await freePort();
    urls.push(`http://127.0.0.1:${port}`);
    const child = spawn(
      process.execPath,
      [
        join(root, 'sidecar/bin/flink-autoscaler.js'),
        'sidecar',
        ...['--flink-url', f.url, '--namespace', NS, '--name', NAME, '--listen', `127.0.0.1:${port}`],
        ...['--kubeconfig', k.kubeconfig({ token: SA.token }, { namespace: NS })],
        ...['--interval-seconds', '1', '--window-seconds', '4', '--cooldown-seconds', '600'],
      ],
      { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, POD_NAME: pod } },
    );
    children.push(child);
    // the second starts once the first leads
    if (urls.length === 1) {
      await until('jm-0 leads', 30, async () => {
        const status = (await (await fetch(`${urls[0]}/api/v1/status`)).json()) as Status;
        return status.leader.leader ? true : undefined;
      });
    }
  }
  const status = async (i: number) => (await (await fetch(`${urls[i]}/api/v1/status`)).json()) as Status;
  await until('a scale-up', 60, async () =>
    (k.flinkDeployments.get(NS, NAME)?.spec.taskManager?.replicas ?? 4) > 4 ? true : undefined,
  );
  // a few more cycles in which the follower sees everything and must not act
  await new Promise((r) => setTimeout(r, 5000));
  const [leader, follower] = [await status(0), await status(1)];
  expect(leader.leader).toEqual({ leader: true, identity: 'clickstream-jm-0', holder: 'clickstream-jm-0' });
  expect(follower.leader).toEqual({
    leader: false,
    identity: 'clickstream-jm-1',
    holder: 'clickstream-jm-0',
  });
  expect(follower.gates).toContain('not-leader');
  const saved = JSON.parse(
    k.flinkDeployments.get(NS, NAME)?.metadata.annotations?.[STATE_ANNOTATION] ?? '{}',
  ) as {
    history: { trigger: string }[];
  };
  expect(saved.history).toHaveLength(1);
  expect(k.events(NS).filter((e) => e.reason === 'ScaledUp')).toHaveLength(1);
  expect(k.events(NS).map((e) => e.reason)).not.toContain('ScalingFailed');
  // the follower adopted the leader's state from its watch
  expect(follower.lastScalings).toEqual(leader.lastScalings);
  expect(await (await fetch(`${urls[1]}/metrics`)).text()).toMatch(/^flink_autoscaler_leader\{[^}]*\} 0$/m);
}, 120_000);
