/**
 * `flink-autoscaler sidecar`: the per-job sidecar in the JobManager pod. It wires the Flink collector,
 * the Kubernetes client (in-cluster, or a kubeconfig), the control loop, the watch on its FlinkDeployment
 * and the HTTP server, then evaluates every intervalSeconds until SIGTERM.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { FlinkCollector } from '../flink/collect.js';
import { FlinkHttp } from '../flink/http.js';
import { hostPort } from '../http/listen.js';
import { createSidecarApp, DEFAULT_SIDECAR_PORT, startSidecarServer } from '../http/server.js';
import { KubeClient } from '../kube/client.js';
import { DEFAULT_POD_LABELS_FILE, parsePodLabels } from '../kube/pod-labels.js';
import { Sidecar } from '../loop/sidecar.js';
import { keepWatching } from '../loop/watch.js';
import { SidecarMetrics } from '../metrics/exporter.js';
import { CliError } from './exit.js';
import { connectFromFlags } from './kube-connection.js';
import { jsonLogger } from './logger.js';
import { addPolicyFlags, policyFromFlags } from './policy-flags.js';

interface SidecarOptions {
  flinkUrl: string;
  namespace?: string;
  name?: string;
  kubeconfig?: string;
  podLabelsFile: string;
  listen: string;
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
        'from flink-autoscaler.io/<option> annotations. Logs are JSON on stderr.',
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
    .option('--listen <host:port>', 'where /metrics and the API answer', `0.0.0.0:${DEFAULT_SIDECAR_PORT}`);
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
    let listen: { host: string; port: number };
    try {
      listen = hostPort('--listen', opts.listen);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    const log = jsonLogger('flink-autoscaler-sidecar');
    const connection = await connectFromFlags(opts.kubeconfig);
    const target = { namespace: opts.namespace, name: opts.name };
    const kube = new KubeClient(connection, target);
    const metrics = new SidecarMetrics({ namespace: target.namespace, flinkdeployment: target.name });
    const collector = new FlinkCollector(new FlinkHttp({ baseUrl: opts.flinkUrl }), Date.now);
    const sidecar = new Sidecar({ collector, kube, metrics, clock: Date.now, log, baseConfig });
    const app = createSidecarApp({
      api: sidecar,
      kube,
      metrics,
      log: (fields) => log('info', 'request', fields),
    });
    const server = await startSidecarServer(app, listen.host, listen.port);
    log('info', 'listening', { url: server.url, flink: opts.flinkUrl, ...target });
    await sidecar.start();
    const watch = keepWatching({
      connection,
      target,
      onDeployment: (deployment) => sidecar.updateDeployment(deployment),
      log,
    });
    const timer = setInterval(() => void sidecar.tick(), baseConfig.intervalSeconds * 1000);
    await sidecar.tick();
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        log('info', 'stopping', { signal });
        clearInterval(timer);
        void Promise.all([watch.stop(), server.close()]).then(() => resolve());
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    process.exit(0);
  });
}
