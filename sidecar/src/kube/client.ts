/**
 * The sidecar's calls to the Kubernetes API, at the edge: read and watch its own FlinkDeployment, scale
 * it through the `scale` subresource safely against concurrent writers (a JSON Patch `test` of the count it
 * decided from), keep its state in an annotation (with a resourceVersion precondition), and write Events.
 * It reviews nobody: the sidecar's API is read-only, so its service account needs no TokenReviews or
 * SubjectAccessReviews.
 */
import { KubeError } from './api-error.js';
import type { KubeConnection, KubeRequest } from './connection.js';
import { STATE_ANNOTATION, type FlinkDeployment } from './deployment.js';
import { createEvent } from './event.js';

export { KubeError, type KubeFailure } from './api-error.js';

export const GROUP = 'flink.apache.org';
export const VERSION = 'v1beta1';
export const PLURAL = 'flinkdeployments';

const JSON_PATCH = 'application/json-patch+json';
const MERGE_PATCH = 'application/merge-patch+json';
/** Server-side watch timeout; the watch loop re-reads and watches again. */
const WATCH_TIMEOUT_SECONDS = 300;

/** Where the sidecar is: its namespace (Downward API) and its FlinkDeployment's name. */
export interface Target {
  namespace: string;
  name: string;
}

export class KubeClient {
  private readonly connection: KubeConnection;
  private readonly target: Target;

  constructor(connection: KubeConnection, target: Target) {
    this.connection = connection;
    this.target = target;
  }

  private get collection(): string {
    return `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(this.target.namespace)}/${PLURAL}`;
  }

  private get path(): string {
    return `${this.collection}/${encodeURIComponent(this.target.name)}`;
  }

  private call<T>(request: KubeRequest): Promise<T> {
    return this.connection.json<T>(request);
  }

  async get(): Promise<FlinkDeployment> {
    return this.call<FlinkDeployment>({
      method: 'GET',
      path: this.path,
      what: `get flinkdeployment ${this.target.namespace}/${this.target.name}`,
    });
  }

  /**
   * Watches the FlinkDeployment (by name, from `resourceVersion`); `onChange` gets every new version, `onEnd`
   * the reason the watch ended (undefined when the server closed it; the caller re-reads and watches again).
   * Returns a function that stops it.
   */
  async watch(
    resourceVersion: string | undefined,
    onChange: (deployment: FlinkDeployment, type: string) => void,
    onEnd: (error: unknown) => void,
  ): Promise<() => void> {
    const controller = new AbortController();
    const request: KubeRequest = {
      method: 'GET',
      path: this.collection,
      query: {
        watch: true,
        fieldSelector: `metadata.name=${this.target.name}`,
        allowWatchBookmarks: true,
        timeoutSeconds: WATCH_TIMEOUT_SECONDS,
        resourceVersion,
      },
      what: `watch flinkdeployment ${this.target.namespace}/${this.target.name}`,
    };
    let ended = false;
    const end = (error: unknown) => {
      if (ended) return;
      ended = true;
      onEnd(error);
    };
    void this.connection
      .watch(
        request,
        ({ type, object }) => {
          if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED')
            onChange(object as FlinkDeployment, type);
        },
        controller.signal,
      )
      .then(
        () => end(undefined),
        (error: unknown) => end(error),
      );
    return () => {
      controller.abort();
      end(undefined);
    };
  }

  /**
   * Sets the replica count through the scale subresource, only if it still is `from` (a JSON Patch `test`):
   * a concurrent writer makes this fail with a conflict instead of being overwritten.
   */
  async scale(from: number, to: number): Promise<void> {
    try {
      await this.call({
        method: 'PATCH',
        path: `${this.path}/scale`,
        contentType: JSON_PATCH,
        body: [
          { op: 'test', path: '/spec/replicas', value: from },
          { op: 'replace', path: '/spec/replicas', value: to },
        ],
        what: `scale flinkdeployment ${this.target.name} from ${from} to ${to}`,
      });
    } catch (error) {
      // The apiserver answers a failed JSON Patch `test` with a bare 422: read the count to tell a
      // concurrent writer (conflict) from a refused value.
      if (error instanceof KubeError && error.failure === 'invalid') {
        const now = await this.replicas().catch(() => undefined);
        if (now !== undefined && now !== from) {
          throw new KubeError(
            'conflict',
            `the replica count is ${now}, no longer ${from}: someone else scaled`,
            409,
          );
        }
      }
      throw error;
    }
  }

  /** The replica count as the scale subresource shows it. */
  async replicas(): Promise<number | undefined> {
    const scale = await this.call<{ spec?: { replicas?: number } }>({
      method: 'GET',
      path: `${this.path}/scale`,
      what: `get the scale of flinkdeployment ${this.target.name}`,
    });
    return scale.spec?.replicas;
  }

  /**
   * Writes the autoscaler state annotation (a merge patch on metadata only). With `resourceVersion` the write
   * is conditional: a FlinkDeployment changed since that version answers 409 (KubeError `conflict`), so the
   * state another writer saved is never overwritten unseen.
   */
  async saveState(serialized: string, resourceVersion?: string): Promise<FlinkDeployment> {
    const metadata: Record<string, unknown> = { annotations: { [STATE_ANNOTATION]: serialized } };
    if (resourceVersion !== undefined) metadata['resourceVersion'] = resourceVersion;
    return this.call<FlinkDeployment>({
      method: 'PATCH',
      path: this.path,
      contentType: MERGE_PATCH,
      body: { metadata },
      what: `save the autoscaler state on flinkdeployment ${this.target.name}`,
    });
  }

  /** Records a Kubernetes Event (core v1) on the FlinkDeployment. */
  async event(
    deployment: FlinkDeployment,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    now: Date,
  ): Promise<void> {
    const { namespace, name } = this.target;
    await createEvent(
      this.connection,
      {
        namespace,
        involvedObject: {
          apiVersion: `${GROUP}/${VERSION}`,
          kind: 'FlinkDeployment',
          name,
          ...(deployment.metadata.uid ? { uid: deployment.metadata.uid } : {}),
          ...(deployment.metadata.resourceVersion
            ? { resourceVersion: deployment.metadata.resourceVersion }
            : {}),
        },
        type,
        reason,
        message,
        action: reason,
        component: 'flink-autoscaler',
        instance: `${name}-sidecar`,
      },
      now,
    );
  }
}
