/**
 * The Flink operator's default configuration as the injector keeps it (`--flink-operator-config ns/name`): read
 * from its ConfigMap at start and every minute after, so that each injected sidecar learns whether the
 * operator's own autoscaler is on by default for its namespace (kube/operator-defaults.ts). Only the
 * autoscaler's on and off keys that can apply to the pod's namespace go into the pod; a failed read keeps the
 * last good one and says why, and an injection never waits for Kubernetes.
 */
import type { KubeConnection } from '../kube/connection.js';
import {
  autoscalerEntriesFor,
  operatorConfigFrom,
  type OperatorDefaultsReading,
} from '../kube/operator-defaults.js';

/** How often the ConfigMap is read again (the operator reloads its own every 5 minutes by default). */
export const OPERATOR_CONFIG_REFRESH_MS = 60_000;

export interface ConfigMapRef {
  namespace: string;
  name: string;
}

/** `--flink-operator-config`: `namespace/name`; throws a clear error for anything else. */
export function configMapRef(text: string): ConfigMapRef {
  const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(text);
  if (!match || text.length > 317) {
    throw new Error(
      `--flink-operator-config must be <namespace>/<configmap name>, e.g. flink-operator/flink-operator-config, got ${JSON.stringify(text)}`,
    );
  }
  return { namespace: match[1] as string, name: match[3] as string };
}

interface ConfigMap {
  data?: Record<string, string>;
}

export class OperatorConfig {
  private readonly connection: KubeConnection;
  private readonly ref: ConfigMapRef;
  private config: ReadonlyMap<string, string> | undefined;
  private error: string | undefined = 'not read yet';
  private timer: NodeJS.Timeout | undefined;

  constructor(connection: KubeConnection, ref: ConfigMapRef) {
    this.connection = connection;
    this.ref = ref;
  }

  get source(): string {
    return `${this.ref.namespace}/${this.ref.name}`;
  }

  /** Reads the ConfigMap once; never throws (a failure is kept as the reason, with the last good reading). */
  async refresh(): Promise<{ ok: boolean; error?: string }> {
    const { namespace, name } = this.ref;
    try {
      const configMap = await this.connection.json<ConfigMap>({
        method: 'GET',
        path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps/${encodeURIComponent(name)}`,
        what: `get configmap ${namespace}/${name}`,
      });
      this.config = operatorConfigFrom(configMap.data);
      this.error = undefined;
      return { ok: true };
    } catch (error) {
      this.error = (error as Error).message;
      return { ok: false, error: this.error };
    }
  }

  /** Reads it now and every `everyMs`; `failed` hears each failed read. Returns once the first read ended. */
  async start(failed: (error: string) => void, everyMs = OPERATOR_CONFIG_REFRESH_MS): Promise<void> {
    const read = async () => {
      const result = await this.refresh();
      if (!result.ok) failed(result.error ?? 'unknown');
    };
    await read();
    this.timer = setInterval(() => void read(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * What a sidecar in `namespace` is told: the entries that can apply there (from the last good reading, even
   * after a failed one: the operator keeps its last good configuration too), or why there are none.
   */
  readingFor(namespace: string): OperatorDefaultsReading {
    if (this.config === undefined) return { source: this.source, error: this.error ?? 'not read yet' };
    return { source: this.source, entries: autoscalerEntriesFor(this.config, namespace) };
  }
}
