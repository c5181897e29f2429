/**
 * `flink-autoscaler gateway`: where Grafana's server asks, for a person, to scale a job (and whether they
 * may, and the job's status). It authenticates its caller, checks the person's own Kubernetes rights and
 * writes the scale and the hold to the FlinkDeployment itself; it never contacts a pod.
 */
import type { Command } from 'commander';
import { DEFAULT_USER_PREFIX } from '../gateway/person.js';
import { DEFAULT_MAX_HOLD_SECONDS } from '../gateway/scale-body.js';
import { serveGateway } from '../gateway/serve.js';
import {
  createGatewayApp,
  DEFAULT_AUDIENCE,
  DEFAULT_MAX_CONCURRENT_REVIEWS,
  DEFAULT_REQUESTS_PER_MINUTE,
} from '../gateway/server.js';
import { hostPort } from '../http/listen.js';
import { namespaceSet } from '../injector/event-gate.js';
import { CliError } from './exit.js';
import { connectFromFlags } from './kube-connection.js';
import { addLogFormatFlag, cliLogger, type LogFormat } from './logger.js';
import { addPolicyFlags, policyFromFlags } from './policy-flags.js';

interface GatewayOptions {
  listen: string;
  logFormat?: LogFormat;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  insecureHttp?: boolean;
  namespaces?: string;
  kubeconfig?: string;
  audience: string;
  clientCaFile?: string;
  grafanaJwksUrl?: string;
  grafanaIssuer?: string;
  trustGrafanaUserHeader?: boolean;
  userPrefix: string;
  group: string[];
  maxConcurrentReviews: string;
  requestsPerMinute: string;
  maxHoldSeconds: string;
  /** The policy flags (--max-workers …): the sidecar's base policy, where a scale's bounds come from. */
  [policyFlag: string]: unknown;
}

/** The namespaces of --namespaces (empty: none served); a name that cannot be a namespace is a CliError. */
export function namespaceList(text: string): Set<string> {
  try {
    return namespaceSet(text);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

function wholeNumber(flag: string, text: string, min: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw new CliError(`${flag} must be a whole number ≥ ${min}, got ${JSON.stringify(text)}`);
  }
  return value;
}

function httpUrl(flag: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`${flag} must be a URL, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new CliError(`${flag} must be an http(s) URL, got ${JSON.stringify(text)}`);
  }
  return url.toString();
}

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * A Grafana login is a name its user may often choose: without a prefix of its own it could name a real
 * Kubernetes user or service account, and a `system:` group would hand every Grafana person that group.
 */
export function checkMapping(prefix: string, groups: readonly string[]): void {
  if (prefix.trim() === '' || prefix.startsWith('system:')) {
    throw new CliError(
      `--user-prefix must be a prefix no real Kubernetes user has (such as "grafana:"), not ${JSON.stringify(prefix)}`,
    );
  }
  const reserved = groups.filter((group) => group.trim() === '' || group.startsWith('system:'));
  if (reserved.length > 0) {
    throw new CliError(
      `--group must name groups of your own, not ${reserved.map((g) => JSON.stringify(g)).join(', ')}`,
    );
  }
}

export function registerGateway(program: Command): void {
  const command = program
    .command('gateway')
    .summary('decide and write manual scales for Grafana (the person’s own Kubernetes rights decide)')
    .description(
      'Serves POST /api/v1/namespaces/{ns}/flinkdeployments/{name}/scale, GET …/scale/access and GET …/status. ' +
        'The caller (Grafana’s server) is authenticated by a TokenReview for --audience or a client certificate; ' +
        'the person comes from Grafana’s signed ID token (X-Grafana-Id); a SubjectAccessReview asks whether that ' +
        'person may update flinkdeployments/scale on the job; the gateway then writes the replicas and the hold ' +
        'to the FlinkDeployment in one patch and records an Event. It never contacts a pod. A scale must keep to ' +
        'the job’s bounds: its flink-autoscaler.io/ annotations on the policy flags, which must be the ' +
        'sidecar’s (the chart passes the same to the injector and the gateway). Logs are JSON on stderr.',
    )
    .option('--listen <host:port>', 'where the gateway answers', '0.0.0.0:8443')
    .option('--tls-cert-file <file>', 'serving certificate (PEM), re-read when it changes')
    .option('--tls-key-file <file>', 'its private key (PEM)')
    .option('--insecure-http', 'serve plain HTTP (tests and local runs only)')
    .option(
      '--namespaces <list>',
      'serve only FlinkDeployments in these namespaces, comma-separated; default: every namespace',
    )
    .option('--kubeconfig <file>', 'a kubeconfig (default: in-cluster, or $KUBECONFIG)')
    .option('--audience <audience>', 'callers’ tokens must be bound to this audience', DEFAULT_AUDIENCE)
    .option('--client-ca-file <file>', 'accept client certificates signed by these CAs (CN = the caller)')
    .option(
      '--grafana-jwks-url <url>',
      'Grafana’s signing keys, e.g. http://grafana.monitoring/api/signing-keys/keys',
    )
    .option('--grafana-issuer <url>', 'the ID tokens’ issuer (Grafana’s root_url), checked when given')
    .option(
      '--trust-grafana-user-header',
      'believe X-Grafana-User without a signed X-Grafana-Id (still only from a caller allowed to speak for people)',
    )
    .option(
      '--user-prefix <prefix>',
      'a Grafana login maps to the Kubernetes user <prefix><login>',
      DEFAULT_USER_PREFIX,
    )
    .option('--group <group>', 'a Kubernetes group every Grafana person is in (repeatable)', collect, [])
    .option(
      '--max-concurrent-reviews <n>',
      'TokenReviews and SubjectAccessReviews in flight at most (429 beyond)',
      String(DEFAULT_MAX_CONCURRENT_REVIEWS),
    )
    .option(
      '--requests-per-minute <n>',
      'requests per minute per caller IP (the gateway as a whole: 10 times as many)',
      String(DEFAULT_REQUESTS_PER_MINUTE),
    )
    .option(
      '--max-hold-seconds <n>',
      'the longest hold a person may ask for',
      String(DEFAULT_MAX_HOLD_SECONDS),
    );
  addLogFormatFlag(command);
  addPolicyFlags(command, { switches: false }).action(async (opts: GatewayOptions) => {
    let at: { host: string; port: number };
    try {
      at = hostPort('--listen', opts.listen);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
    const tlsGiven = opts.tlsCertFile !== undefined || opts.tlsKeyFile !== undefined;
    if (opts.insecureHttp && tlsGiven) {
      throw new CliError('give either --tls-cert-file and --tls-key-file, or --insecure-http, not both');
    }
    if (!opts.insecureHttp && (opts.tlsCertFile === undefined || opts.tlsKeyFile === undefined)) {
      throw new CliError(
        'the gateway serves HTTPS: give --tls-cert-file and --tls-key-file (or --insecure-http for a local test)',
      );
    }
    if (opts.clientCaFile !== undefined && opts.insecureHttp) {
      throw new CliError('--client-ca-file needs HTTPS (--tls-cert-file and --tls-key-file)');
    }
    const maxConcurrentReviews = wholeNumber('--max-concurrent-reviews', opts.maxConcurrentReviews, 1);
    const requestsPerMinute = wholeNumber('--requests-per-minute', opts.requestsPerMinute, 1);
    const maxHoldSeconds = wholeNumber('--max-hold-seconds', opts.maxHoldSeconds, 0);
    const policy = policyFromFlags(opts);
    const grafanaJwksUrl =
      opts.grafanaJwksUrl === undefined ? undefined : httpUrl('--grafana-jwks-url', opts.grafanaJwksUrl);
    const namespaces = opts.namespaces === undefined ? undefined : namespaceList(opts.namespaces);
    if (opts.audience.trim() === '') throw new CliError('--audience must not be empty');
    checkMapping(opts.userPrefix, opts.group);
    const log = await cliLogger('flink-autoscaler-gateway', opts.logFormat);
    const connection = await connectFromFlags(opts.kubeconfig);
    const app = createGatewayApp({
      connection,
      audience: opts.audience,
      ...(namespaces !== undefined ? { namespaces } : {}),
      ...(grafanaJwksUrl !== undefined ? { grafanaJwksUrl } : {}),
      ...(opts.grafanaIssuer !== undefined ? { grafanaIssuer: opts.grafanaIssuer } : {}),
      trustGrafanaUserHeader: opts.trustGrafanaUserHeader === true,
      userPrefix: opts.userPrefix,
      groups: opts.group,
      maxConcurrentReviews,
      requestsPerMinute,
      maxHoldSeconds,
      policy,
      processMetrics: true,
      log,
      warn: (message, fields) => log('warn', message, fields),
    });
    let server;
    try {
      server = await serveGateway(app, {
        host: at.host,
        port: at.port,
        ...(opts.insecureHttp || opts.tlsCertFile === undefined || opts.tlsKeyFile === undefined
          ? {}
          : {
              tls: {
                certFile: opts.tlsCertFile,
                keyFile: opts.tlsKeyFile,
                ...(opts.clientCaFile === undefined ? {} : { clientCaFile: opts.clientCaFile }),
              },
            }),
        log: (level, message, fields) => log(level, message, fields),
      });
    } catch (error) {
      connection.close();
      throw new CliError(`cannot serve: ${(error as Error).message}`, 1);
    }
    log('info', 'listening', {
      url: server.url,
      namespaces: namespaces ? [...namespaces] : 'all',
      audience: opts.audience,
      grafanaIdTokens: grafanaJwksUrl !== undefined,
      trustGrafanaUserHeader: opts.trustGrafanaUserHeader === true,
      clientCertificates: opts.clientCaFile !== undefined,
    });
    if (grafanaJwksUrl === undefined && !opts.trustGrafanaUserHeader) {
      log('warn', 'no way to learn the person: give --grafana-jwks-url (or --trust-grafana-user-header)', {});
    }
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        log('info', 'stopping', { signal });
        void server.close().then(() => resolve());
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    connection.close();
  });
}
