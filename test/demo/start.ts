/**
 * The README's main job, `npm start`: the sidecar against a built-in simulated Flink job and Kubernetes
 * cluster (the test doubles), in accelerated virtual time, so a newcomer watches it scale with no cluster.
 * Prints `kubeconfig: PATH` and `sidecar: URL` first, then on stdout one readable line per decision with
 * its reasons, a progress line every 15 minutes of job time and a closing summary, each stamped with the
 * wall-clock time (`npm start -- --json`: one JSON object per line instead). The sidecar's own log goes to
 * stderr (text, warnings only; JSON at info with --json; LOG_LEVEL sets the level). Events carry the
 * wall-clock time. A person scales by hand as in a cluster: `kubectl scale` (or a hold annotation) on the
 * FlinkDeployment. `DEMO_TRACE` picks the trace (default step), `DEMO_STEP_MS` the speed.
 */
import { DEFAULT_CONFIG } from '@flink-autoscaler/shared';
import { KubeConnection } from '../../sidecar/src/kube/connection.js';
import { loadKubeSettings } from '../../sidecar/src/kube/kubeconfig.js';
import { cliLogger } from '../../sidecar/src/cli/logger.js';
import { FlinkCollector } from '../../sidecar/src/flink/collect.js';
import { FlinkHttp } from '../../sidecar/src/flink/http.js';
import { createSidecarApp, startSidecarServer } from '../../sidecar/src/http/server.js';
import { KubeClient } from '../../sidecar/src/kube/client.js';
import { ENABLED_LABEL, type FlinkDeployment } from '../../sidecar/src/kube/deployment.js';
import { Sidecar, type Log } from '../../sidecar/src/loop/sidecar.js';
import { SidecarMetrics } from '../../sidecar/src/metrics/exporter.js';
import { loadTrace, rateAt, type Trace } from '../../sidecar/src/simulation/trace.js';
import { startFlinkDouble } from '../doubles/flink/index.js';
import { flinkDeployment, serviceAccount, startKubeDouble } from '../doubles/kube/index.js';
import { scalerRule, sidecarRules } from '../fixtures/rbac.js';
import {
  decisionKey,
  decisionLine,
  decisionObject,
  DemoFigures,
  duration,
  jobClock,
  progressLine,
  summaryLine,
  summaryObject,
  type JobView,
} from './report.js';

const NS = 'default';
const NAME = 'clickstream';
/** Virtual seconds per evaluation (the policy's interval), and real milliseconds between evaluations. */
const STEP_SECONDS = DEFAULT_CONFIG.intervalSeconds;
const STEP_MS = Number(process.env.DEMO_STEP_MS ?? 250);
/** A progress line every this many virtual seconds (15 s of real time at the default speed). */
const PROGRESS_EVERY_SECONDS = 900;

/** Says what is wrong in one line (no stack trace) and exits with 2, before anything has started. */
function refuse(message: string): never {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(2);
}

// The reader went away (`npm start | head`): stop quietly, as a Unix filter does.
process.stdout.on('error', (error: NodeJS.ErrnoException) => process.exit(error.code === 'EPIPE' ? 0 : 1));

const args = process.argv.slice(2);
for (const arg of args) {
  if (arg !== '--json') refuse(`unknown argument ${JSON.stringify(arg)} (the only one is --json)`);
}
const json = args.includes('--json');
if (!Number.isFinite(STEP_MS) || STEP_MS < 1)
  refuse(
    `DEMO_STEP_MS must be a number of milliseconds ≥ 1, got ${JSON.stringify(process.env.DEMO_STEP_MS)}`,
  );
let trace: Trace;
try {
  trace = loadTrace(process.env.DEMO_TRACE ?? 'step');
} catch (error) {
  refuse(`DEMO_TRACE: ${(error as Error).message}`);
}
/** What the demo will take in real time: one evaluation every STEP_MS. */
const expectedSeconds = (trace.durationSeconds / STEP_SECONDS) * (STEP_MS / 1000);
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
/** The sidecar's clock runs in virtual time (its windows, cooldowns and holds); its Events do not. */
const clock = () => Date.UTC(2026, 0, 1) + flink.time * 1000;
const log = await cliLogger(
  'flink-autoscaler-demo',
  json ? 'json' : 'text',
  process.env.LOG_LEVEL ?? (json ? 'info' : 'warn'),
);
const figures = new DemoFigures();
/** The sidecar's log, with its scalings counted for the summary (by the autoscaler, and by hand). */
const sidecarLog: Log = (level, msg, fields) => {
  if (msg === 'scaled') figures.scalings++;
  if (msg === 'manual scale detected') figures.manualScalings++;
  log(level, msg, fields);
};
const kubeClient = new KubeClient(connection, { namespace: NS, name: NAME });
const metrics = new SidecarMetrics({ namespace: NS, flinkdeployment: NAME });
const sidecar = new Sidecar({
  collector: new FlinkCollector(new FlinkHttp({ baseUrl: flink.url }), clock),
  kube: {
    get: () => kubeClient.get(),
    scale: (...a: Parameters<KubeClient['scale']>) => kubeClient.scale(...a),
    saveState: (...a: Parameters<KubeClient['saveState']>) => kubeClient.saveState(...a),
    // kubectl shows an Event's age from its wall-clock time, not the job's virtual time
    event: (deployment, type, reason, message) =>
      kubeClient.event(deployment, type, reason, message, new Date()),
  },
  metrics,
  clock,
  log: sidecarLog,
  baseConfig: { ...DEFAULT_CONFIG, maxWorkers: trace.job.maxWorkers },
});
await sidecar.start();
const app = createSidecarApp({ api: sidecar, metrics, log });
const server = await startSidecarServer(app, '127.0.0.1', Number(process.env.DEMO_PORT ?? 0));

const kubeconfig = kube.kubeconfig({ token: you.token }, { namespace: NS });
const out = (line: string) => process.stdout.write(`${line}\n`);
out(`kubeconfig: ${kubeconfig}`);
out(`sidecar: ${server.url}`);
const startedAt = Date.now();
const speed = `${STEP_SECONDS} s of job time every ${STEP_MS} ms`;
const tries = [
  `kubectl --kubeconfig ${kubeconfig} get flinkdeployments,events`,
  `kubectl --kubeconfig ${kubeconfig} scale flinkdeployment ${NAME} --replicas=30   (a manual scale: the policy holds)`,
  `kubectl --kubeconfig ${kubeconfig} annotate flinkdeployment ${NAME} flink-autoscaler.io/paused=true`,
  `curl ${server.url}/api/v1/status`,
];
if (json) {
  out(
    JSON.stringify({
      time: new Date(startedAt).toISOString(),
      event: 'started',
      trace: trace.name,
      description: trace.description,
      jobSeconds: trace.durationSeconds,
      speed,
      expectedSeconds: Math.round(expectedSeconds),
      try: tries,
    }),
  );
} else {
  out(`trace ${trace.name}: ${trace.description}`);
  out(
    `${jobClock(trace.durationSeconds)} of job time at ${speed}: about ${duration(expectedSeconds)}; Ctrl-C stops it.`,
  );
  out(`try:\n${tries.map((t) => `  ${t}`).join('\n')}`);
}

/** The simulated job as the summary counts it: workers asked for (and paid), input, backlog, CPU. */
function jobView(): JobView {
  return {
    time: flink.time,
    workers: flink.job.requested,
    inputRate: rateAt(trace, flink.time),
    backlog: flink.job.backlog,
    cpu: flink.job.cpu,
  };
}

let lastKey = '';
let nextProgress = PROGRESS_EVERY_SECONDS;
const timer = setInterval(() => {
  flink.advance(STEP_SECONDS);
  const view = jobView();
  figures.step(view, STEP_SECONDS);
  sidecar.updateDeployment(kube.flinkDeployments.get(NS, NAME) as unknown as FlinkDeployment);
  void sidecar.tick().then((e) => {
    if (!e || stopping) return;
    const key = decisionKey(e);
    if (key === lastKey && e.action === 'none') return;
    lastKey = key;
    const now = new Date();
    out(json ? JSON.stringify(decisionObject(now, view, e)) : decisionLine(now, view, e));
  });
  if (view.time >= nextProgress && view.time < trace.durationSeconds) {
    nextProgress += PROGRESS_EVERY_SECONDS;
    const now = new Date();
    const left = ((trace.durationSeconds - view.time) / STEP_SECONDS) * (STEP_MS / 1000);
    out(
      json
        ? JSON.stringify({
            time: now.toISOString(),
            event: 'progress',
            jobTime: jobClock(view.time),
            share: Number((view.time / trace.durationSeconds).toFixed(3)),
            leftSeconds: Math.round(left),
            workers: view.workers,
          })
        : progressLine(now, view, trace.durationSeconds, left),
    );
  }
  if (view.time >= trace.durationSeconds) stop('the trace is over');
}, STEP_MS);

let stopping = false;
function stop(why: string): void {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  const now = new Date();
  const wallSeconds = (now.getTime() - startedAt) / 1000;
  const jobSeconds = Math.min(flink.time, trace.durationSeconds);
  out(
    json
      ? JSON.stringify(summaryObject(now, figures, jobSeconds, wallSeconds, why))
      : summaryLine(figures, jobSeconds, wallSeconds, why),
  );
  void Promise.all([server.close(), flink.close(), kube.close()]).then(() => process.exit(0));
}
process.once('SIGINT', () => stop('stopped by Ctrl-C'));
process.once('SIGTERM', () => stop('stopped by SIGTERM'));
