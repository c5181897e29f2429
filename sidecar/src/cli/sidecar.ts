/**
 * `flink-autoscaler sidecar`: the per-job sidecar in the JobManager pod. It wires the Flink collector,
 * the Kubernetes client (in-cluster, or a kubeconfig), the control loop, the leader election on the job's
 * Lease, the watch on its FlinkDeployment and the read-only HTTP server; tries to read its FlinkDeployment
 * until it can (the reason shows in /metrics, /api/v1/status and the log); then evaluates every
 * intervalSeconds until SIGTERM.
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { FlinkCollector } from '../flink/collect.js';
import { cycleBudgetFor, FlinkHttp } from '../flink/http.js';
import { hostPort } from '../http/listen.js';
import { createSidecarApp, DEFAULT_SIDECAR_PORT, startSidecarServer } from '../http/server.js';
import { KubeClient } from '../kube/client.js';
import { LeaderElector, leaseNameFor } from '../kube/lease.js';
import { DEFAULT_POD_LABELS_FILE, parsePodLabels } from '../kube/pod-labels.js';
import { DEFAULT_LOG_HEARTBEAT_SECONDS } from '../loop/decision-log.js';
import { defaultLivenessSeconds } from '../loop/health.js';
import { Sidecar } from '../loop/sidecar.js';
import { retryUntilStarted } from '../loop/startup.js';
import { keepWatching } from '../loop/watch.js';
import { SidecarMetrics } from '../metrics/exporter.js';
import { parseOperatorDefaults, type OperatorDefaultsReading } from '../kube/operator-defaults.js';
import { CliError } from './exit.js';
import { connectFromFlags } from './kube-connection.js';
import { addLogFormatFlag, cliLogger, type LogFormat } from './logger.js';
import { addPolicyFlags, policyFromFlags, switchesFromFlags } from './policy-flags.js';

interface SidecarOptions {
  flinkUrl: string;
  namespace?: string;
  name?: string;
  kubeconfig?: string;
  podLabelsFile: string;
  listen: string;
  livenessSeconds?: string;
  logHeartbeatSeconds: string;
  leaderElection: boolean;
  logFormat?: LogFormat;
  flinkOperatorDefaults?: string;
  [policyFlag: string]: unknown;
}

export function registerSidecar(program: Command): void {
  const command = program
    .command('sidecar')
    .summary('run the sidecar: watch Flink, decide, scale the FlinkDeployment, serve /metrics and the API')
    .description(
      'Runs the per-job sidecar. It finds its FlinkDeployment from --namespace (env POD_NAMESPACE, from the ' +
        'Downward API) and --name (env FLINK_DEPLOYMENT_NAME, set by the injector), scales it only when it has the ' +
        'label flink-autoscaler.io/enabled: "true" (advisor mode otherwise), and takes per-job policy overrides ' +
        'from flink-autoscaler.io/<option> annotations. Logs go to stderr: JSON lines, or text with --log-format text.',
    )
    .option(
      '--flink-url <url>',
      'the JobManager REST API',
      process.env.FLINK_REST_URL ?? 'http://localhost:8081',
    )
    .option(
      '--namespace <ns>',
      'namespace of the FlinkDeployment (env POD_NAMESPACE)',
      process.env.POD_NAMESPACE,
    )
    .option(
      '--name <name>',
      'name of the FlinkDeployment (env FLINK_DEPLOYMENT_NAME)',
      process.env.FLINK_DEPLOYMENT_NAME,
    )
    .option('--kubeconfig <file>', 'a kubeconfig (default: in-cluster, or $KUBECONFIG)')
    .option(
      '--pod-labels-file <file>',
      "the pod's labels from a Downward API volume; without --name, the FlinkDeployment is the `app` label",
      DEFAULT_POD_LABELS_FILE,
    )
    .option('--listen <host:port>', 'where /metrics and the API answer', `0.0.0.0:${DEFAULT_SIDECAR_PORT}`)
    .option(
      '--liveness-seconds <s>',
      '/healthz fails (the kubelet restarts the sidecar container) when no evaluation cycle completed for this long ' +
        '(default: 10 × --interval-seconds, at least 300)',
    )
    .option(
      '--log-heartbeat-seconds <s>',
      'the decision (or advice) is logged at info when it or its reasons change, and at least this often',
      String(DEFAULT_LOG_HEARTBEAT_SECONDS),
    )
    .option(
      '--flink-operator-defaults <json>',
      "the Flink operator's default autoscaler keys for this namespace, as the injector read them from the " +
        'operator\'s ConfigMap ({"source", "entries"} or {"source", "error"}): the operator-autoscaler guard then ' +
        'also holds for a job the operator autoscales by default',
    )
    .option(
      '--no-leader-election',
      'act without holding the job’s Lease (only for a job with one JobManager; by default the sidecars of a job ' +
        'elect one on the Lease flink-autoscaler-<name>, identity env POD_NAME or the host name)',
    );
  addLogFormatFlag(command);
  addPolicyFlags(command).action(async (opts: SidecarOptions) => {
    if (!opts.namespace) throw new CliError('--namespace (or env POD_NAMESPACE) is required');
    if (!opts.name && existsSync(opts.podLabelsFile)) {
      opts.name = parsePodLabels(readFileSync(opts.podLabelsFile, 'utf8')).app;
    }
    if (!opts.name) {
      throw new CliError(
        `--name (or env FLINK_DEPLOYMENT_NAME, or an app label in ${opts.podLabelsFile}) is required`,
      );
    }
    const baseConfig = policyFromFlags(opts);
    const { allowNativeMode } = switchesFromFlags(opts);
    let operatorDefaults: OperatorDefaultsReading | undefined;
    try {
      if (opts.flinkOperatorDefaults !== undefined)
        operatorDefaults = parseOperatorDefaults(opts.flinkOperatorDefaults);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    let listen: { host: string; port: number };
    try {
      listen = hostPort('--listen', opts.listen);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    const livenessSeconds =
      opts.livenessSeconds === undefined
        ? defaultLivenessSeconds(baseConfig.intervalSeconds)
        : Number(opts.livenessSeconds);
    if (!Number.isFinite(livenessSeconds) || livenessSeconds < baseConfig.intervalSeconds) {
      throw new CliError(
        `--liveness-seconds must be a number of seconds at least --interval-seconds (${baseConfig.intervalSeconds}), got ${JSON.stringify(opts.livenessSeconds)}`,
      );
    }
    const logHeartbeatSeconds = Number(opts.logHeartbeatSeconds);
    if (!Number.isFinite(logHeartbeatSeconds) || logHeartbeatSeconds <= 0) {
      throw new CliError(
        `--log-heartbeat-seconds must be a positive number of seconds, got ${JSON.stringify(opts.logHeartbeatSeconds)}`,
      );
    }
    const log = await cliLogger('flink-autoscaler-sidecar', opts.logFormat);
    const connection = await connectFromFlags(opts.kubeconfig);
    const target = { namespace: opts.namespace, name: opts.name };
    const kube = new KubeClient(connection, target);
    const metrics = new SidecarMetrics({ namespace: target.namespace, flinkdeployment: target.name });
    const collector = new FlinkCollector(
      new FlinkHttp({
        baseUrl: opts.flinkUrl,
        cycleBudgetMs: cycleBudgetFor(baseConfig.intervalSeconds),
      }),
      Date.now,
    );
    const identity = process.env.POD_NAME || hostname();
    const elector = opts.leaderElection
      ? new LeaderElector({
          connection,
          namespace: target.namespace,
          name: leaseNameFor(target.name),
          identity,
          log,
        })
      : undefined;
    const sidecar = new Sidecar({
      collector,
      kube,
      metrics,
      clock: Date.now,
      log,
      baseConfig,
      identity,
      livenessSeconds,
      logHeartbeatSeconds,
      allowNativeMode,
      ...(operatorDefaults ? { operatorDefaults } : {}),
      ...(elector ? { leadership: elector } : {}),
    });
    const app = createSidecarApp({
      api: sidecar,
      metrics,
      log,
    });
    const server = await startSidecarServer(app, listen.host, listen.port);
    log('info', 'listening', { url: server.url, flink: opts.flinkUrl, identity, ...target });

    let stopping = false;
    let wake: (() => void) | undefined;
    let stopped: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (stopped = resolve));
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log('info', 'stopping', { signal });
      wake?.();
      stopped();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));

    // Until the FlinkDeployment can be read (it may come later, RBAC may come later, the API may be away).
    const started = await retryUntilStarted(() => sidecar.start(), {
      log,
      stopped: () => stopping,
      sleep: (ms) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        }),
    });
    let timer: ReturnType<typeof setInterval> | undefined;
    let watch: { stop(): Promise<void> } | undefined;
    if (started) {
      elector?.onChange(() => sidecar.leadershipChanged());
      elector?.start();
      watch = keepWatching({
        connection,
        target,
        onDeployment: (deployment) => sidecar.updateDeployment(deployment),
        onGone: () => sidecar.deploymentGone(),
        onStatus: (status) => sidecar.watchStatus(status),
        log,
      });
      timer = setInterval(() => void sidecar.tick(), baseConfig.intervalSeconds * 1000);
      void sidecar.tick();
    }
    await done;
    clearInterval(timer);
    await Promise.all([watch?.stop(), elector?.stop(), server.close()]);
    process.exit(0);
  });
}
