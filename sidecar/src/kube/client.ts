/**
 * The sidecar's calls to the Kubernetes API, at the edge: read and watch its own FlinkDeployment, scale
 * it through the `scale` subresource safely against concurrent writers (a JSON Patch `test` of the count it
 * decided from), keep its state in an annotation, write Events, and review callers (TokenReview,
 * SubjectAccessReview).
 */
import {
  ApiException,
  AuthenticationV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { STATE_ANNOTATION, type FlinkDeployment } from './deployment.js';

export const GROUP = 'flink.apache.org';
export const VERSION = 'v1beta1';
export const PLURAL = 'flinkdeployments';

/** Where the sidecar is: its namespace (Downward API) and its FlinkDeployment's name. */
export interface Target {
  namespace: string;
  name: string;
}

export type KubeFailure =
  'conflict' | 'not-found' | 'forbidden' | 'unauthorized' | 'throttled' | 'invalid' | 'unavailable';

export class KubeError extends Error {
  readonly failure: KubeFailure;
  readonly status: number | undefined;
  constructor(failure: KubeFailure, message: string, status?: number) {
    super(message);
    this.name = 'KubeError';
    this.failure = failure;
    this.status = status;
  }
}

/** Turns a client error into a KubeError that says what to do about it. */
export function kubeError(error: unknown, what: string): KubeError {
  if (error instanceof KubeError) return error;
  if (error instanceof ApiException) {
    const code = error.code;
    const body = typeof error.body === 'string' ? error.body : JSON.stringify(error.body);
    const message = (() => {
      try {
        return (JSON.parse(body) as { message?: string }).message ?? body;
      } catch {
        return body;
      }
    })();
    const failure: KubeFailure =
      code === 409
        ? 'conflict'
        : code === 404
          ? 'not-found'
          : code === 403
            ? 'forbidden'
            : code === 401
              ? 'unauthorized'
              : code === 429
                ? 'throttled'
                : code === 422
                  ? 'invalid'
                  : 'unavailable';
    return new KubeError(failure, `${what}: HTTP ${code}: ${message}`, code);
  }
  return new KubeError('unavailable', `${what}: ${(error as Error).message}`);
}

export interface Review {
  authenticated: boolean;
  user?: string;
  groups?: string[];
  error?: string;
}

export class KubeClient {
  private readonly config: KubeConfig;
  private readonly target: Target;
  private readonly custom: CustomObjectsApi;
  private readonly core: CoreV1Api;
  private readonly authn: AuthenticationV1Api;
  private readonly authz: AuthorizationV1Api;

  constructor(config: KubeConfig, target: Target) {
    this.config = config;
    this.target = target;
    this.custom = config.makeApiClient(CustomObjectsApi);
    this.core = config.makeApiClient(CoreV1Api);
    this.authn = config.makeApiClient(AuthenticationV1Api);
    this.authz = config.makeApiClient(AuthorizationV1Api);
  }

  private get ref() {
    return {
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      namespace: this.target.namespace,
      name: this.target.name,
    };
  }

  async get(): Promise<FlinkDeployment> {
    try {
      return (await this.custom.getNamespacedCustomObject(this.ref)) as FlinkDeployment;
    } catch (error) {
      throw kubeError(error, `get flinkdeployment ${this.target.namespace}/${this.target.name}`);
    }
  }

  /**
   * Watches the FlinkDeployment (list-then-watch by name); `onChange` gets every new version, `onEnd` the
   * reason the watch ended (the caller re-lists and watches again). Returns a function that stops it.
   */
  async watch(
    resourceVersion: string | undefined,
    onChange: (deployment: FlinkDeployment, type: string) => void,
    onEnd: (error: unknown) => void,
  ): Promise<() => void> {
    const path = `/apis/${GROUP}/${VERSION}/namespaces/${this.target.namespace}/${PLURAL}`;
    const params: Record<string, string | boolean> = {
      fieldSelector: `metadata.name=${this.target.name}`,
      allowWatchBookmarks: true,
    };
    if (resourceVersion) params.resourceVersion = resourceVersion;
    const controller = await new Watch(this.config).watch(
      path,
      params,
      (type, object) => {
        if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED')
          onChange(object as FlinkDeployment, type);
      },
      onEnd,
    );
    return () => controller.abort();
  }

  /**
   * Sets the replica count through the scale subresource, only if it still is `from` (a JSON Patch `test`):
   * a concurrent writer makes this fail with a conflict instead of being overwritten.
   */
  async scale(from: number, to: number): Promise<void> {
    const body = [
      { op: 'test', path: '/spec/replicas', value: from },
      { op: 'replace', path: '/spec/replicas', value: to },
    ];
    try {
      await this.custom.patchNamespacedCustomObjectScale(
        { ...this.ref, body },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      );
    } catch (error) {
      const failure = kubeError(error, `scale flinkdeployment ${this.target.name} from ${from} to ${to}`);
      // The apiserver answers a failed JSON Patch `test` with a bare 422: read the count to tell a
      // concurrent writer (conflict) from a refused value.
      if (failure.failure === 'invalid') {
        const now = await this.replicas().catch(() => undefined);
        if (now !== undefined && now !== from) {
          throw new KubeError(
            'conflict',
            `the replica count is ${now}, no longer ${from}: someone else scaled`,
            409,
          );
        }
      }
      throw failure;
    }
  }

  /** The replica count as the scale subresource shows it. */
  async replicas(): Promise<number | undefined> {
    try {
      const scale = (await this.custom.getNamespacedCustomObjectScale(this.ref)) as {
        spec?: { replicas?: number };
      };
      return scale.spec?.replicas;
    } catch (error) {
      throw kubeError(error, `get the scale of flinkdeployment ${this.target.name}`);
    }
  }

  /** Writes the autoscaler state annotation (a merge patch on metadata only). */
  async saveState(serialized: string): Promise<FlinkDeployment> {
    const body = { metadata: { annotations: { [STATE_ANNOTATION]: serialized } } };
    try {
      return (await this.custom.patchNamespacedCustomObject(
        { ...this.ref, body },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      )) as FlinkDeployment;
    } catch (error) {
      throw kubeError(error, `save the autoscaler state on flinkdeployment ${this.target.name}`);
    }
  }

  /** Records a Kubernetes Event on the FlinkDeployment. */
  async event(
    deployment: FlinkDeployment,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    now: Date,
  ): Promise<void> {
    const ts = now.toISOString();
    try {
      await this.core.createNamespacedEvent({
        namespace: this.target.namespace,
        body: {
          metadata: { generateName: `${this.target.name}.`, namespace: this.target.namespace },
          involvedObject: {
            apiVersion: `${GROUP}/${VERSION}`,
            kind: 'FlinkDeployment',
            name: this.target.name,
            namespace: this.target.namespace,
            ...(deployment.metadata.uid ? { uid: deployment.metadata.uid } : {}),
            ...(deployment.metadata.resourceVersion
              ? { resourceVersion: deployment.metadata.resourceVersion }
              : {}),
          },
          type,
          reason,
          message: message.slice(0, 1024),
          source: { component: 'flink-autoscaler' },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
          reportingComponent: 'flink-autoscaler',
          reportingInstance: `${this.target.name}-sidecar`,
          eventTime: ts as unknown as Date,
          action: reason,
        },
      });
    } catch (error) {
      throw kubeError(error, `record event ${reason}`);
    }
  }

  /** Who a bearer token belongs to (TokenReview). */
  async reviewToken(token: string): Promise<Review> {
    try {
      const review = await this.authn.createTokenReview({
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
      });
      const status = review.status;
      if (!status?.authenticated)
        return { authenticated: false, error: status?.error ?? 'token not accepted' };
      return { authenticated: true, user: status.user?.username ?? '', groups: status.user?.groups ?? [] };
    } catch (error) {
      throw kubeError(error, 'TokenReview');
    }
  }

  /** Whether a user may update flinkdeployments/scale of this FlinkDeployment (SubjectAccessReview). */
  async mayScale(user: string, groups: readonly string[]): Promise<{ allowed: boolean; reason: string }> {
    try {
      const review = await this.authz.createSubjectAccessReview({
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user,
            groups: [...groups],
            resourceAttributes: {
              group: GROUP,
              resource: PLURAL,
              subresource: 'scale',
              verb: 'update',
              namespace: this.target.namespace,
              name: this.target.name,
            },
          },
        },
      });
      return { allowed: review.status?.allowed === true, reason: review.status?.reason ?? '' };
    } catch (error) {
      throw kubeError(error, 'SubjectAccessReview');
    }
  }
}
