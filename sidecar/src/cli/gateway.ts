/** `flink-autoscaler gateway`: one address (for Grafana) that forwards each job's status and scale calls to its sidecar. */
import { http } from '../http/node-http.js';
import type { Command } from 'commander';
import { NAME } from '../gateway/locate.js';
import { createGatewayApp } from '../gateway/server.js';
import { hostPort, listen } from '../http/listen.js';
import { DEFAULT_SIDECAR_PORT } from '../http/server.js';
import { CliError } from './exit.js';
import { connectFromFlags } from './kube-connection.js';
import { jsonLogger } from './logger.js';

interface GatewayOptions {
  listen: string;
  sidecarPort: string;
  namespaces?: string;
  kubeconfig?: string;
}

/** The namespaces of --namespaces (empty: none served); a name that cannot be a namespace is a CliError. */
export function namespaceList(text: string): Set<string> {
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const bad = names.filter((name) => !NAME.test(name) || name.length > 63);
  if (bad.length > 0) {
    throw new CliError(
      `--namespaces must list Kubernetes namespaces, comma-separated; not: ${bad.join(', ')}`,
    );
  }
  return new Set(names);
}

export function registerGateway(program: Command): void {
  program
    .command('gateway')
    .summary('serve every job’s sidecar API at one address (for the Grafana panel)')
    .description(
      'Forwards /api/v1/namespaces/{ns}/flinkdeployments/{name}/status and /scale to that job’s sidecar, found ' +
        'through the Kubernetes API by its JobManager pod’s labels, passing the caller’s Authorization and ' +
        'X-Grafana-User headers: the sidecar alone decides. Logs are JSON on stderr.',
    )
    .option('--listen <host:port>', 'where the gateway answers (plain HTTP)', '0.0.0.0:8080')
    .option(
      '--sidecar-port <port>',
      'the sidecars’ port when their pod does not name it',
      String(DEFAULT_SIDECAR_PORT),
    )
    .option(
      '--namespaces <list>',
      'serve only FlinkDeployments in these namespaces, comma-separated (the gateway then needs to read pods only there); default: every namespace',
    )
    .option('--kubeconfig <file>', 'a kubeconfig (default: in-cluster, or $KUBECONFIG)')
    .action(async (opts: GatewayOptions) => {
      let at: { host: string; port: number };
      try {
        at = hostPort('--listen', opts.listen);
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      const sidecarPort = Number(opts.sidecarPort);
      if (!Number.isInteger(sidecarPort) || sidecarPort < 1 || sidecarPort > 65535) {
        throw new CliError(`--sidecar-port must be a port number, got ${JSON.stringify(opts.sidecarPort)}`);
      }
      const namespaces = opts.namespaces === undefined ? undefined : namespaceList(opts.namespaces);
      const log = jsonLogger('flink-autoscaler-gateway');
      const connection = await connectFromFlags(opts.kubeconfig);
      const app = createGatewayApp({
        connection,
        sidecarPort,
        ...(namespaces !== undefined ? { namespaces } : {}),
        processMetrics: true,
        log: (fields) => log('info', 'request', fields),
      });
      const server = await listen(http.createServer(app), at.host, at.port);
      log('info', 'listening', { url: server.url, namespaces: namespaces ? [...namespaces] : 'all' });
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
