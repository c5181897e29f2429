/**
 * The README's main job, `npm start`: the sidecar against a built-in simulated Flink job and Kubernetes
 * cluster (the test doubles), in accelerated virtual time, so a newcomer watches it scale with no cluster.
 * Prints `kubeconfig: PATH` and `sidecar: URL` first, then logs decisions as JSON lines on stderr. A person
 * scales by hand as in a cluster: `kubectl scale` (or a hold annotation) on the FlinkDeployment.
 */
import { DEFAULT_CONFIG } from '@flink-autoscaler/shared';
import { KubeConnection } from '../../sidecar/src/kube/connection.js';
import { loadKubeSettings } from '../../sidecar/src/kube/kubeconfig.js';
import { jsonLogger } from '../../sidecar/src/cli/logger.js';
import { FlinkCollector } from '../../sidecar/src/flink/collect.js';
import { FlinkHttp } from '../../sidecar/src/flink/http.js';
import { createSidecarApp, startSidecarServer } from '../../sidecar/src/http/server.js';
import { KubeClient } from '../../sidecar/src/kube/client.js';
import { ENABLED_LABEL, type FlinkDeployment } from '../../sidecar/src/kube/deployment.js';
import { Sidecar } from '../../sidecar/src/loop/sidecar.js';
import { SidecarMetrics } from '../../sidecar/src/metrics/exporter.js';
import { loadTrace } from '../../sidecar/src/simulation/trace.js';
import { startFlinkDouble } from '../doubles/flink/index.js';
import { flinkDeployment, serviceAccount, startKubeDouble } from '../doubles/kube/index.js';
import { scalerRule, sidecarRules } from '../fixtures/rbac.js';

const NS = 'default';
const NAME = 'clickstream';
/** Virtual seconds per evaluation (the policy's interval), and real milliseconds between evaluations. */
const STEP_SECONDS = DEFAULT_CONFIG.intervalSeconds;
const STEP_MS = Number(process.env.DEMO_STEP_MS ?? 250);

const trace = loadTrace(process.env.DEMO_TRACE ?? 'step');
const sa = serviceAccount(NS, 'flink', 'sidecar-token');
const you = { token: 'demo-admin-token', username: 'you', groups: ['flink-operators'] };

const flink = await startFlinkDouble({
  clusterId: NAME,
  trace,
  slotsPerTaskManager: 1,
  fetchIntervalSeconds: 0,
});
const kube = await startKubeDouble({
  namespace: NS,
  users: [sa, you],
  rules: [
    ...sidecarRules(NS, sa.username),
    scalerRule(NS, 'flink-operators'),
    { name: 'you', users: ['you'], verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  ],
});
kube.flinkDeployments.put(
  flinkDeployment({
    name: NAME,
    namespace: NS,
    replicas: trace.job.initialWorkers,
    slotsPerTaskManager: 1,
    labels: { [ENABLED_LABEL]: 'true' },
  }),
);
kube.flinkDeployments.reconcile(NS, NAME);
// The operator: a new replica count restarts the simulated job with that many TaskManagers.
kube.onReplicasChange((change) => {
  if (change.to !== undefined) flink.setReplicas(change.to);
  queueMicrotask(() => kube.flinkDeployments.reconcile(NS, NAME));
});

const connection = new KubeConnection(
  await loadKubeSettings(kube.kubeconfig({ token: sa.token }, { namespace: NS }), {}),
);
const clock = () => Date.UTC(2026, 0, 1) + flink.time * 1000;
const log = jsonLogger('flink-autoscaler-demo');
const kubeClient = new KubeClient(connection, { namespace: NS, name: NAME });
const metrics = new SidecarMetrics({ namespace: NS, flinkdeployment: NAME });
const sidecar = new Sidecar({
  collector: new FlinkCollector(new FlinkHttp({ baseUrl: flink.url }), clock),
  kube: kubeClient,
  metrics,
  clock,
  log,
  baseConfig: { ...DEFAULT_CONFIG, maxWorkers: trace.job.maxWorkers },
});
await sidecar.start();
const app = createSidecarApp({
  api: sidecar,
  metrics,
  log,
});
const server = await startSidecarServer(app, '127.0.0.1', Number(process.env.DEMO_PORT ?? 0));

process.stdout.write(`kubeconfig: ${kube.kubeconfig({ token: you.token }, { namespace: NS })}\n`);
process.stdout.write(`sidecar: ${server.url}\n`);
log('info', 'demo started', {
  trace: trace.name,
  description: trace.description,
  speed: `${STEP_SECONDS} virtual seconds every ${STEP_MS} ms`,
  try:
    `kubectl --kubeconfig <kubeconfig> get flinkdeployments,events; ` +
    `kubectl --kubeconfig <kubeconfig> scale flinkdeployment ${NAME} --replicas=30 (a manual scale: the policy holds); ` +
    `kubectl --kubeconfig <kubeconfig> annotate flinkdeployment ${NAME} flink-autoscaler.io/paused=true; ` +
    `curl ${server.url}/api/v1/status`,
});

let lastAction = '';
const timer = setInterval(() => {
  flink.advance(STEP_SECONDS);
  sidecar.updateDeployment(kube.flinkDeployments.get(NS, NAME) as unknown as FlinkDeployment);
  void sidecar.tick().then((e) => {
    if (!e) return;
    const key = `${e.action}:${e.decision?.action}:${e.gates.join(',')}`;
    if (key === lastAction && e.action === 'none') return;
    lastAction = key;
    log('info', 'decision', {
      virtualTime: `${Math.floor(flink.time / 3600)}h${String(Math.floor((flink.time % 3600) / 60)).padStart(2, '0')}m`,
      processedPerSecond: Math.round(flink.job.processed),
      workers: flink.job.active,
      backlog: Math.round(flink.job.backlog),
      action: e.action,
      targetWorkers: e.targetWorkers,
      decision: e.decision
        ? {
            action: e.decision.action,
            desiredWorkers: e.decision.desiredWorkers,
            reasons: e.decision.reasons,
          }
        : null,
      gates: e.gates,
    });
  });
  if (flink.time >= trace.durationSeconds) stop('the trace is over');
}, STEP_MS);

function stop(why: string): void {
  clearInterval(timer);
  log('info', 'demo stopping', { why });
  void Promise.all([server.close(), flink.close(), kube.close()]).then(() => process.exit(0));
}
process.once('SIGINT', () => stop('SIGINT'));
process.once('SIGTERM', () => stop('SIGTERM'));
