/** The FlinkDeployment custom resource: its kind strategy (CRD schema, status subresource, generation) and its /scale subresource. */
import type { WriteOptions } from './http.js';
import { pruneMetadata, validateMetadata } from './metadata.js';
import { applyPatch, jsonPatch, mergePatch, type KindStrategy, type ResourceApi } from './resource-api.js';
import type { CrdSchema, CustomResourceDefinition } from './schema.js';
import { badRequest, conflict, internalError, invalid, type FieldError } from './status.js';
import { customResourceColumns, includeObjectOf, toTable } from './table.js';
import { clone, isObject, type JsonObject, type KubeObject } from './types.js';

/** The strategy the apiextensions apiserver applies to objects of a CRD. */
export function customResourceKind(crd: CustomResourceDefinition, schema: CrdSchema): KindStrategy {
  const printing = customResourceColumns(crd.printerColumns);
  return {
    group: crd.group,
    version: crd.version,
    kind: crd.kind,
    listKind: crd.listKind,
    resource: crd.plural,
    collection: `${crd.plural}.${crd.group}`,
    builtIn: false,
    // What apiextensions-apiserver accepts for custom resources (no strategic merge patch).
    patchTypes: [jsonPatch, mergePatch, applyPatch],
    allowUnconditionalUpdate: false,
    hasGeneration: true,
    statusSubresource: crd.statusSubresource,
    fieldLabels: ['metadata.name', 'metadata.namespace'],
    toStorage: (object) => object,
    toExternal: (object) => object,
    prune: (object) => [...pruneMetadata(object.metadata), ...schema.prune(object)],
    validate: (object) => [
      ...validateMetadata(object.metadata, { nameRequired: true }),
      ...schema.validate(object),
      ...scaleErrors(object, crd.scale),
    ],
    table: (objects, { includeObject, metadata }) =>
      toTable(objects, printing.columns, printing.cells, includeObjectOf(includeObject), metadata),
    deleteAnswer: (deleted) => deleted,
  };
}

/**
 * customResourceValidator.ValidateScaleSpec and ValidateScaleStatus: run on every write of a custom resource
 * whose CRD has a scale subresource, through the main resource as through /scale.
 */
function scaleErrors(object: KubeObject, scale: CustomResourceDefinition['scale']): FieldError[] {
  if (scale === undefined) return [];
  const errors: FieldError[] = [];
  for (const path of [scale.specReplicasPath, scale.statusReplicasPath]) {
    const replicas = valueAt(object, path);
    if (typeof replicas !== 'number' || !Number.isInteger(replicas)) continue;
    if (replicas < 0) {
      errors.push({
        type: 'FieldValueInvalid',
        field: path,
        value: replicas,
        detail: 'should be a non-negative integer',
      });
    } else if (replicas > 2 ** 31 - 1) {
      errors.push({
        type: 'FieldValueInvalid',
        field: path,
        value: replicas,
        detail: `should be less than or equal to ${2 ** 31 - 1}`,
      });
    }
  }
  return errors;
}

/** The value at a CRD JSONPath such as `.spec.taskManager.replicas`. */
export function valueAt(object: unknown, jsonPath: string): unknown {
  let node = object;
  for (const key of jsonPath.replace(/^\./, '').split('.')) node = isObject(node) ? node[key] : undefined;
  return node;
}

function setAt(object: JsonObject, jsonPath: string, value: unknown): void {
  const keys = jsonPath.replace(/^\./, '').split('.');
  let node = object;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(node[key])) node[key] = {};
    node = node[key] as JsonObject;
  }
  node[keys[keys.length - 1] ?? ''] = value;
}

/** What an update of /scale starts from when specReplicasPath is unset (math.MinInt32). */
const unsetReplicas = -2147483648;

/** An autoscaling/v1 Scale. */
export interface Scale {
  kind: 'Scale';
  apiVersion: 'autoscaling/v1';
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
  };
  spec: { replicas?: number };
  status: { replicas: number; selector?: string };
}

/** The /scale subresource of a CRD that declares one, as apiextensions-apiserver's ScaleREST serves it. */
export class ScaleApi {
  readonly #paths: NonNullable<CustomResourceDefinition['scale']>;

  constructor(
    readonly api: ResourceApi,
    crd: CustomResourceDefinition,
  ) {
    if (crd.scale === undefined) throw new Error(`${crd.plural}.${crd.group} has no scale subresource`);
    this.#paths = crd.scale;
  }

  /**
   * scaleFromCustomResource: spec.replicas from specReplicasPath (omitted when 0), status from the status
   * paths. When specReplicasPath is unset, a read is a 500 (ScaleREST.Get); an update starts from the
   * smallest int32 (so a JSON Patch `replace` finds the path), which it must not keep.
   */
  scaleOf(object: KubeObject, purpose: 'read' | 'update' = 'read'): Scale {
    let specReplicas = valueAt(object, this.#paths.specReplicasPath);
    if (specReplicas === undefined) {
      if (purpose === 'read') {
        throw internalError(
          `the spec replicas field ${JSON.stringify(this.#paths.specReplicasPath)} does not exist`,
        );
      }
      specReplicas = unsetReplicas;
    }
    const statusReplicas = valueAt(object, this.#paths.statusReplicasPath);
    const selector =
      this.#paths.labelSelectorPath === undefined
        ? undefined
        : valueAt(object, this.#paths.labelSelectorPath);
    const { name, namespace, uid, resourceVersion, creationTimestamp } = object.metadata;
    const scale: Scale = {
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
      spec: typeof specReplicas === 'number' && specReplicas !== 0 ? { replicas: specReplicas } : {},
      status: { replicas: typeof statusReplicas === 'number' ? statusReplicas : 0 },
    };
    if (typeof selector === 'string' && selector !== '') scale.status.selector = selector;
    return scale;
  }

  get(namespace: string, name: string): Scale {
    return this.scaleOf(this.api.current(namespace, name));
  }

  /** Writes a Scale: a set resourceVersion is a precondition, an unset one makes the update unconditional. */
  #write(namespace: string, name: string, scale: unknown, options: WriteOptions): Scale {
    if (!isObject(scale)) throw badRequest('the object provided is unrecognized (must be of type Scale)');
    if (scale['kind'] !== undefined && scale['kind'] !== 'Scale') {
      throw badRequest(
        `the API version in the data (${String(scale['apiVersion'])}) does not match the expected API version (autoscaling/v1)`,
      );
    }
    const metadata = isObject(scale['metadata']) ? scale['metadata'] : {};
    if (metadata['name'] !== undefined && metadata['name'] !== name) {
      throw badRequest(
        `the name of the object (${String(metadata['name'])}) does not match the name on the URL (${name})`,
      );
    }
    const replicas = isObject(scale['spec']) ? (scale['spec']['replicas'] ?? 0) : 0;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || Math.abs(replicas) > 2 ** 31) {
      throw invalid({ group: 'autoscaling', kind: 'Scale' }, name, [
        { type: 'FieldValueInvalid', field: 'spec.replicas', value: replicas, detail: 'must be an int32' },
      ]);
    }
    if (replicas === unsetReplicas) {
      throw badRequest(
        `the spec replicas field ${JSON.stringify(this.#paths.specReplicasPath)} cannot be empty`,
      );
    }
    // A negative count goes on to the custom resource's validation (ValidateScaleSpec): 422 on its path.
    const old = this.api.current(namespace, name);
    const resourceVersion = metadata['resourceVersion'];
    if (
      typeof resourceVersion === 'string' &&
      resourceVersion !== '' &&
      resourceVersion !== old.metadata.resourceVersion
    ) {
      throw conflict(this.api.groupResource, name);
    }
    const next = clone(old);
    setAt(next, this.#paths.specReplicasPath, replicas);
    return this.scaleOf(this.api.commitUpdate(old, next, '', options, []).object);
  }

  replace(namespace: string, name: string, body: unknown, options: WriteOptions): Scale {
    return this.#write(namespace, name, body, options);
  }

  patch(namespace: string, name: string, patchType: string, patchText: string, options: WriteOptions): Scale {
    this.api.acceptPatchType(patchType);
    const patched = this.api.applyPatch(
      this.scaleOf(this.api.current(namespace, name), 'update'),
      patchType,
      patchText,
    );
    return this.#write(namespace, name, patched, options);
  }
}
