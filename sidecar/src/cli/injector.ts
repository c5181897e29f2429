/**
 * `flink-autoscaler injector`: the mutating admission webhook that adds the sidecar to JobManager pods.
 * HTTPS on --listen (POST /mutate, /healthz, /metrics) with the certificate from files (reloaded when they
 * change) or self-managed; plain HTTP on --metrics-listen for probes and scraping.
 */
import { http, https } from '../http/node-http.js';
import type { Command } from 'commander';
import { hostPort, listen } from '../http/listen.js';
import { EventGate, namespaceSet } from '../injector/event-gate.js';
import { recordSkip } from '../injector/events.js';
import { InjectorMetrics } from '../injector/metrics.js';
import { configMapRef, OperatorConfig, type ConfigMapRef } from '../injector/operator-config.js';
import { createInjectorApp, createProbeApp } from '../injector/server.js';
import { quantity, type SidecarSettings } from '../injector/settings.js';
import { checkKeyPair, readKeyPair, watchKeyPair, type KeyPair } from '../injector/tls-files.js';
import type { Issued, SelfManagedTarget } from '../injector/self-managed-tls.js';
import { DEFAULT_SIDECAR_PORT } from '../http/server.js';
import { DEFAULT_LOG_HEARTBEAT_SECONDS } from '../loop/decision-log.js';
import { CliError } from './exit.js';
import { connectFromFlags } from './kube-connection.js';
import { addLogFormatFlag, cliLogger, type LogFormat } from './logger.js';
import { addPolicyFlags, givenPolicyArgs } from './policy-flags.js';

/** How often a running injector checks its self-managed certificate, by default. */
const DEFAULT_TLS_CHECK_SECONDS = 3600;

interface InjectorOptions {
  listen: string;
  logFormat?: LogFormat;
  metricsListen: string;
  tlsCert: string;
  tlsKey: string;
  selfManagedTls?: boolean;
  webhookConfig?: string;
  service?: string;
  tlsSecret?: string;
  tlsCheckSeconds: string;
  namespace?: string;
  kubeconfig?: string;
  sidecarImage?: string;
  sidecarImagePullPolicy: string;
  sidecarCpuRequest: string;
  sidecarMemoryRequest: string;
  sidecarCpuLimit?: string;
  sidecarMemoryLimit: string;
  sidecarPort: string;
  sidecarLogFormat: string;
  sidecarLogHeartbeatSeconds: string;
  nativeSidecar?: boolean;
  namespaces?: string;
  flinkOperatorConfig?: string;
  [policyFlag: string]: unknown;
}

/** The sidecar to inject, from the flags; a bad flag is a CliError naming it. */
export function sidecarSettings(opts: InjectorOptions): SidecarSettings {
  try {
    if (!opts.sidecarImage) throw new Error('--sidecar-image is required');
    const policy = opts.sidecarImagePullPolicy;
    if (policy !== 'Always' && policy !== 'IfNotPresent' && policy !== 'Never') {
      throw new Error(
        `--sidecar-image-pull-policy must be Always, IfNotPresent or Never, got ${JSON.stringify(policy)}`,
      );
    }
    const port = Number(opts.sidecarPort);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`--sidecar-port must be a port number, got ${JSON.stringify(opts.sidecarPort)}`);
    }
    const logFormat = opts.sidecarLogFormat;
    if (logFormat !== 'json' && logFormat !== 'text') {
      throw new Error(`--sidecar-log-format must be json or text, got ${JSON.stringify(logFormat)}`);
    }
    const heartbeat = Number(opts.sidecarLogHeartbeatSeconds);
    if (!Number.isFinite(heartbeat) || heartbeat <= 0) {
      throw new Error(
        `--sidecar-log-heartbeat-seconds must be a positive number of seconds, got ${JSON.stringify(opts.sidecarLogHeartbeatSeconds)}`,
      );
    }
    return {
      image: opts.sidecarImage,
      imagePullPolicy: policy,
      port,
      nativeSidecar: opts.nativeSidecar === true,
      resources: {
        requests: {
          cpu: quantity('--sidecar-cpu-request', opts.sidecarCpuRequest),
          memory: quantity('--sidecar-memory-request', opts.sidecarMemoryRequest),
        },
        limits: {
          memory: quantity('--sidecar-memory-limit', opts.sidecarMemoryLimit),
          ...(opts.sidecarCpuLimit ? { cpu: quantity('--sidecar-cpu-limit', opts.sidecarCpuLimit) } : {}),
        },
      },
      policyArgs: givenPolicyArgs(opts),
      logFormat,
      logHeartbeatSeconds: heartbeat,
    };
  } catch (error) {
    throw error instanceof CliError ? error : new CliError((error as Error).message);
  }
}

export function registerInjector(program: Command): void {
  const command = program
    .command('injector')
    .summary('run the mutating admission webhook that adds the sidecar to JobManager pods')
    .description(
      'Answers AdmissionReview v1 on POST /mutate: a JobManager pod (label component: jobmanager) with the ' +
        'annotation flink-autoscaler.io/inject: "true" gets the sidecar container. It never blocks a pod: on any ' +
        'doubt the pod passes unchanged, with an Event and a counter saying why. Policy flags given here become ' +
        'every injected sidecar’s defaults. Logs are JSON on stderr.',
    )
    .option('--listen <host:port>', 'HTTPS: POST /mutate, /healthz, /metrics', '0.0.0.0:8443')
    .option('--metrics-listen <host:port>', 'plain HTTP: /metrics and /healthz', '0.0.0.0:9090')
    .option('--tls-cert <file>', 'serving certificate (PEM), reloaded when it changes', '/tls/tls.crt')
    .option('--tls-key <file>', 'its private key (PEM), reloaded when it changes', '/tls/tls.key')
    .option('--self-managed-tls', 'make and keep the CA and certificate, and patch the webhook caBundle')
    .option('--webhook-config <name>', 'with --self-managed-tls: the MutatingWebhookConfiguration to patch')
    .option('--service <name>', 'with --self-managed-tls: the injector’s Service (the certificate’s names)')
    .option('--tls-secret <name>', 'with --self-managed-tls: the Secret that keeps the CA and certificate')
    .option(
      '--tls-check-seconds <seconds>',
      'with --self-managed-tls: how often the running injector checks the Secret (renewing 30 days before expiry)',
      String(DEFAULT_TLS_CHECK_SECONDS),
    )
    .option('--namespace <ns>', 'the injector’s namespace (env POD_NAMESPACE)', process.env.POD_NAMESPACE)
    .option(
      '--namespaces <list>',
      'write Events about skipped pods only in these namespaces (the job namespaces), comma-separated; default: every namespace',
    )
    .option('--kubeconfig <file>', 'a kubeconfig (default: in-cluster, or $KUBECONFIG)')
    .option('--sidecar-image <image>', 'the image of the sidecar container (required)')
    .option('--sidecar-image-pull-policy <policy>', 'Always, IfNotPresent or Never', 'IfNotPresent')
    .option('--sidecar-cpu-request <quantity>', 'CPU request of the sidecar', '50m')
    // the sidecar's peak RSS is about 71 MiB for a job of 50 vertices × 256 subtasks (npm run bench:sidecar)
    .option('--sidecar-memory-request <quantity>', 'memory request of the sidecar', '96Mi')
    .option('--sidecar-cpu-limit <quantity>', 'CPU limit of the sidecar (none by default)')
    .option('--sidecar-memory-limit <quantity>', 'memory limit of the sidecar', '256Mi')
    .option('--sidecar-port <port>', 'port of the sidecar’s /metrics and API', String(DEFAULT_SIDECAR_PORT))
    .option('--sidecar-log-format <format>', 'the sidecar’s log format: json or text', 'json')
    .option(
      '--sidecar-log-heartbeat-seconds <s>',
      'how often the sidecar logs an unchanged decision at info (every change is logged at once)',
      String(DEFAULT_LOG_HEARTBEAT_SECONDS),
    )
    .option(
      '--flink-operator-config <namespace/name>',
      "the Flink operator's ConfigMap (its Helm chart's flink-operator-config): read every minute, so each " +
        "injected sidecar knows whether the operator's own autoscaler is on by default for its namespace " +
        '(only those keys go into the pod)',
    )
    .option(
      '--native-sidecar',
      'inject as a Kubernetes native sidecar (init container, restartPolicy Always; ≥ 1.29)',
    );
  addLogFormatFlag(command);
  addPolicyFlags(command).action(async (opts: InjectorOptions) => {
    const settings = sidecarSettings(opts);
    let listenAt: { host: string; port: number };
    let metricsAt: { host: string; port: number };
    const checkSeconds = Number(opts.tlsCheckSeconds);
    let served: Set<string> | undefined;
    let operatorRef: ConfigMapRef | undefined;
    try {
      if (opts.flinkOperatorConfig !== undefined) operatorRef = configMapRef(opts.flinkOperatorConfig);
      served = opts.namespaces === undefined ? undefined : namespaceSet(opts.namespaces);
      listenAt = hostPort('--listen', opts.listen);
      metricsAt = hostPort('--metrics-listen', opts.metricsListen);
      if (!Number.isFinite(checkSeconds) || checkSeconds < 1) {
        throw new Error(
          `--tls-check-seconds must be a number of seconds ≥ 1, got ${JSON.stringify(opts.tlsCheckSeconds)}`,
        );
      }
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    const log = await cliLogger('flink-autoscaler-injector', opts.logFormat);
    const connection = await connectFromFlags(opts.kubeconfig);
    const metrics = new InjectorMetrics({ processMetrics: true });
    const operatorConfig = operatorRef ? new OperatorConfig(connection, operatorRef) : undefined;
    await operatorConfig?.start((error) =>
      log('warn', "the operator's ConfigMap could not be read", {
        configmap: operatorConfig.source,
        error,
      }),
    );
    let pair: KeyPair;
    let selfManaged: { target: SelfManagedTarget; issued: Issued } | undefined;
    if (opts.selfManagedTls) {
      const { webhookConfig, service, tlsSecret, namespace } = opts;
      if (!webhookConfig || !service || !tlsSecret || !namespace) {
        throw new CliError(
          '--self-managed-tls needs --webhook-config, --service, --tls-secret and --namespace (or POD_NAMESPACE)',
        );
      }
      const { ensureCertificates, patchCaBundle } = await import('../injector/self-managed-tls.js');
      const target = { namespace, service, secret: tlsSecret, webhookConfig };
      const issued = await ensureCertificates(connection, target, new Date());
      const patched = await patchCaBundle(connection, target, issued.ca);
      log('info', 'self-managed certificate ready', { secret: tlsSecret, webhooksPatched: patched });
      pair = issued;
      selfManaged = { target, issued };
    } else {
      try {
        pair = readKeyPair(opts.tlsCert, opts.tlsKey);
        checkKeyPair(pair);
      } catch (error) {
        throw new CliError(
          `cannot serve with ${opts.tlsCert} and ${opts.tlsKey}: ${(error as Error).message}`,
          1,
        );
      }
    }
    const app = createInjectorApp({
      settings,
      metrics,
      recordSkip: (event) => recordSkip(connection, event, new Date()),
      eventGate: new EventGate(served ? { namespaces: served } : {}),
      log,
      ...(operatorConfig ? { operatorDefaults: (ns: string) => operatorConfig.readingFor(ns) } : {}),
    });
    const webhookServer = https.createServer({ cert: pair.cert, key: pair.key }, app);
    let keeper: { stop(): void };
    if (selfManaged) {
      const { keepCertificateFresh } = await import('../injector/certificate-renewal.js');
      keeper = keepCertificateFresh({
        connection,
        target: selfManaged.target,
        current: selfManaged.issued,
        everyMs: checkSeconds * 1000,
        serve: (next, webhooksPatched) => {
          webhookServer.setSecureContext({ cert: next.cert, key: next.key });
          metrics.certificateReloads.inc({ result: 'loaded' });
          log('info', 'self-managed certificate renewed', { secret: opts.tlsSecret, webhooksPatched });
        },
        failed: (error) => log('warn', 'self-managed certificate not checked', { error: error.message }),
      });
    } else {
      keeper = watchKeyPair(
        opts.tlsCert,
        opts.tlsKey,
        pair,
        (next) => {
          webhookServer.setSecureContext({ cert: next.cert, key: next.key });
          metrics.certificateReloads.inc({ result: 'loaded' });
          log('info', 'serving certificate reloaded', { cert: opts.tlsCert });
        },
        (error) => {
          metrics.certificateReloads.inc({ result: 'rejected' });
          log('warn', 'serving certificate not reloaded', { error: error.message });
        },
      );
    }
    const servers = [
      await listen(webhookServer, listenAt.host, listenAt.port, 'https'),
      await listen(http.createServer(createProbeApp(metrics)), metricsAt.host, metricsAt.port),
    ];
    log('info', 'listening', { webhook: servers[0]?.url, metrics: servers[1]?.url, image: settings.image });
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        log('info', 'stopping', { signal });
        keeper.stop();
        operatorConfig?.stop();
        void Promise.all(servers.map((s) => s.close())).then(() => resolve());
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    connection.close();
  });
}
