/**
 * Where the Kubernetes API is and how to authenticate, as client-go finds it: the pod's service account
 * (in-cluster), or a kubeconfig file (`--kubeconfig`, then $KUBECONFIG, then ~/.kube/config) with token,
 * token file or client certificate users. Exec and auth-provider plugins are refused with a clear error:
 * the processes this loads for run in-cluster.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import type { KubeConnectionSettings } from './connection.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export class KubeconfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KubeconfigError';
  }
}

type Env = Record<string, string | undefined>;

/** The pod's own service account, when running in a pod (KUBERNETES_SERVICE_HOST and the token exist). */
export function inClusterSettings(
  env: Env = process.env,
  dir = SERVICE_ACCOUNT_DIR,
): KubeConnectionSettings | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port || !existsSync(join(dir, 'token'))) return undefined;
  const caFile = join(dir, 'ca.crt');
  const namespaceFile = join(dir, 'namespace');
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    tokenFile: join(dir, 'token'),
    ...(existsSync(caFile) ? { ca: readFileSync(caFile) } : {}),
    ...(existsSync(namespaceFile) ? { namespace: readFileSync(namespaceFile, 'utf8').trim() } : {}),
  };
}

interface Named {
  name?: string;
  [key: string]: unknown;
}

function named(list: unknown, key: string, name: string, file: string): Record<string, unknown> {
  const entries = Array.isArray(list) ? (list as Named[]) : [];
  const entry = entries.find((e) => e?.name === name);
  const value = entry?.[key];
  if (value === undefined || value === null || typeof value !== 'object') {
    throw new KubeconfigError(`${file}: no ${key} named ${JSON.stringify(name)}`);
  }
  return value as Record<string, unknown>;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Reads `inline` (base64 `*-data`) or the file `path` (relative to the kubeconfig's folder). */
function material(inline: unknown, path: unknown, base: string, what: string): Buffer | undefined {
  const data = text(inline);
  if (data !== undefined) return Buffer.from(data, 'base64');
  const file = text(path);
  if (file === undefined) return undefined;
  const full = isAbsolute(file) ? file : join(base, file);
  try {
    return readFileSync(full);
  } catch (error) {
    throw new KubeconfigError(`cannot read the ${what} ${full}: ${(error as Error).message}`);
  }
}

/** Settings from a kubeconfig's text: its current context (or `context`). */
export async function kubeconfigSettings(
  content: string,
  file: string,
  context?: string,
): Promise<KubeConnectionSettings> {
  const { parse } = await import('yaml');
  let config: Record<string, unknown>;
  try {
    config = (parse(content) ?? {}) as Record<string, unknown>;
  } catch (error) {
    throw new KubeconfigError(`${file} is not YAML: ${(error as Error).message}`);
  }
  const contextName = context ?? text(config['current-context']);
  if (contextName === undefined) throw new KubeconfigError(`${file}: no current-context`);
  const ctx = named(config.contexts, 'context', contextName, file);
  const clusterName = text(ctx.cluster);
  const userName = text(ctx.user);
  if (clusterName === undefined)
    throw new KubeconfigError(`${file}: context ${contextName} names no cluster`);
  const cluster = named(config.clusters, 'cluster', clusterName, file);
  const user = userName === undefined ? {} : named(config.users, 'user', userName, file);
  const server = text(cluster.server);
  if (server === undefined) throw new KubeconfigError(`${file}: cluster ${clusterName} has no server`);
  if (user.exec !== undefined || user['auth-provider'] !== undefined) {
    throw new KubeconfigError(
      `${file}: user ${userName} authenticates with an exec or auth-provider plugin, which flink-autoscaler ` +
        'does not run; use a token, a token file or a client certificate (in a pod, the service account is used)',
    );
  }
  const base = dirname(file);
  const ca = material(cluster['certificate-authority-data'], cluster['certificate-authority'], base, 'CA');
  const cert = material(
    user['client-certificate-data'],
    user['client-certificate'],
    base,
    'client certificate',
  );
  const key = material(user['client-key-data'], user['client-key'], base, 'client key');
  const token = text(user.token);
  const tokenFile = text(user.tokenFile);
  const namespace = text(ctx.namespace);
  const serverName = text(cluster['tls-server-name']);
  return {
    server,
    ...(ca ? { ca } : {}),
    ...(cluster['insecure-skip-tls-verify'] === true ? { insecure: true } : {}),
    ...(serverName ? { serverName } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(token ? { token } : {}),
    ...(tokenFile ? { tokenFile: isAbsolute(tokenFile) ? tokenFile : join(base, tokenFile) } : {}),
    ...(namespace ? { namespace } : {}),
  };
}

/**
 * The connection settings client-go would use: `kubeconfig` when given; otherwise in-cluster when in a pod;
 * otherwise the first file of $KUBECONFIG, then ~/.kube/config.
 */
export async function loadKubeSettings(
  kubeconfig?: string,
  env: Env = process.env,
): Promise<KubeConnectionSettings> {
  const fromFile = async (file: string) => {
    let content: string;
    try {
      content = readFileSync(file, 'utf8');
    } catch (error) {
      throw new KubeconfigError(`cannot read the kubeconfig ${file}: ${(error as Error).message}`);
    }
    return kubeconfigSettings(content, file);
  };
  if (kubeconfig !== undefined) return fromFile(kubeconfig);
  const inCluster = inClusterSettings(env);
  if (inCluster) return inCluster;
  const fromEnv = env.KUBECONFIG?.split(':').find((f) => f !== '' && existsSync(f));
  if (fromEnv) return fromFile(fromEnv);
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return fromFile(home);
  throw new KubeconfigError(
    'no Kubernetes API to talk to: not in a pod (KUBERNETES_SERVICE_HOST and a service account token), ' +
      'no --kubeconfig, no $KUBECONFIG, no ~/.kube/config',
  );
}
