/** Test-side access to stored FlinkDeployments (no authentication, same validation and watch events) and the replicas hook. */
import { valueAt, type Scale, type ScaleApi } from './flinkdeployments.js';
import type { WriteOptions } from './http.js';
import type { Namespaces } from './namespaces.js';
import { operatorStatus, type OperatorStep } from './operator.js';
import { mergePatch, type ResourceApi } from './resource-api.js';
import type { CustomResourceDefinition } from './schema.js';
import type { ObjectStore } from './store.js';
import { clone, type FlinkDeployment, type FlinkDeploymentStatus } from './types.js';

export interface FlinkDeploymentHelpers {
  get(namespace: string, name: string): FlinkDeployment | undefined;
  list(namespace?: string): FlinkDeployment[];
  /** Creates or replaces (ignoring resourceVersion), then writes `status` if the object has one. */
  put(object: FlinkDeployment): FlinkDeployment;
  delete(namespace: string, name: string): boolean;
  /** Merge-patches `.status` through the status subresource, as the operator's status writes do. */
  patchStatus(namespace: string, name: string, status: FlinkDeploymentStatus): FlinkDeployment;
  /** Writes the status the operator writes after reconciling the current spec (see operatorStatus). */
  reconcile(namespace: string, name: string, step?: OperatorStep): FlinkDeployment;
  scale(namespace: string, name: string): Scale;
}

/** A change of `.spec.taskManager.replicas` (by /scale, a patch, an update or `put`). */
export interface ReplicasChange {
  namespace: string;
  name: string;
  from: number | undefined;
  to: number | undefined;
  generation: number | undefined;
  object: FlinkDeployment;
}

const strict: WriteOptions = { fieldValidation: 'Strict', dryRun: false };

export function flinkDeploymentHelpers(context: {
  api: ResourceApi;
  scale: ScaleApi;
  namespaces: Namespaces;
  defaultNamespace: string;
}): FlinkDeploymentHelpers {
  const { api, namespaces } = context;
  const collection = api.kind.collection;
  return {
    get: (namespace, name) => api.store.get(collection, namespace, name) as FlinkDeployment | undefined,
    list: (namespace) => api.store.list(collection, namespace) as FlinkDeployment[],
    put: (object) => {
      const body = clone(object);
      body.apiVersion ??= 'flink.apache.org/v1beta1';
      body.kind ??= 'FlinkDeployment';
      const namespace = (body.metadata.namespace ??= context.defaultNamespace);
      const name = body.metadata.name ?? '';
      namespaces.add(namespace);
      const existing = api.store.get(collection, namespace, name);
      const resourceVersion = existing?.metadata.resourceVersion;
      let stored = existing
        ? api.replace(
            namespace,
            name,
            { ...body, metadata: { ...body.metadata, resourceVersion } },
            '',
            strict,
          ).object
        : api.create(namespace, body, strict).object;
      if (object.status !== undefined) {
        stored = api.replace(namespace, name, { ...stored, status: object.status }, 'status', strict).object;
      }
      return stored as FlinkDeployment;
    },
    delete: (namespace, name) => api.store.delete(collection, namespace, name) !== undefined,
    patchStatus: (namespace, name, status) =>
      api.patch(namespace, name, mergePatch, JSON.stringify({ status }), 'status', strict)
        .object as FlinkDeployment,
    reconcile: (namespace, name, step) => {
      const current = api.current(namespace, name) as FlinkDeployment;
      const status = operatorStatus(current, step);
      return api.replace(namespace, name, { ...current, status }, 'status', strict).object as FlinkDeployment;
    },
    scale: (namespace, name) => context.scale.get(namespace, name),
  };
}

/** Calls the listeners (after the write, outside the request) whenever a stored object's spec replicas change. */
export function notifyReplicaChanges(
  store: ObjectStore,
  collection: string,
  crd: CustomResourceDefinition,
  listeners: ReadonlySet<(change: ReplicasChange) => void>,
): void {
  const path = crd.scale?.specReplicasPath;
  if (path === undefined) return;
  store.subscribe((event) => {
    if (event.collection !== collection || event.type !== 'MODIFIED' || event.previous === undefined) return;
    const before = valueAt(event.previous, path);
    const after = valueAt(event.object, path);
    if (before === after) return;
    const change: ReplicasChange = {
      namespace: event.object.metadata.namespace ?? '',
      name: event.object.metadata.name ?? '',
      from: typeof before === 'number' ? before : undefined,
      to: typeof after === 'number' ? after : undefined,
      generation: event.object.metadata.generation,
      object: event.object as FlinkDeployment,
    };
    for (const listener of listeners) {
      setImmediate(() => {
        try {
          listener(clone(change));
        } catch (error) {
          console.error('kube double: onReplicasChange callback failed', error);
        }
      });
    }
  });
}
