/**
 * `coordination.k8s.io/v1` Leases: the registry's strategy (create on PUT, no unconditional update, spec
 * validation), MicroTime decoding as strict as the apiserver's, and `kubectl get leases` columns.
 */
import { pruneMetadata, validateMetadata } from './metadata.js';
import {
  deletedStatus,
  jsonPatch,
  mergePatch,
  strategicMergePatch,
  type KindStrategy,
} from './resource-api.js';
import { badRequest, type FieldError } from './status.js';
import { printer, since, stringColumns } from './table.js';
import { isObject, type KubeObject } from './types.js';

const specFields: Record<string, 'string' | 'int32' | 'microtime'> = {
  holderIdentity: 'string',
  leaseDurationSeconds: 'int32',
  acquireTime: 'microtime',
  renewTime: 'microtime',
  leaseTransitions: 'int32',
  strategy: 'string',
  preferredHolder: 'string',
};

/** metav1.RFC3339Micro as Go's time.Parse applies it: exactly six fractional digits, `Z` or an offset. */
const microTime = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{6})(Z|[+-]\d{2}:\d{2})$/;

function decodeError(message: string): never {
  throw badRequest(`Lease in version "v1" cannot be handled as a Lease: ${message}`);
}

/** Parses a MicroTime as the apiserver does and re-encodes it as its encoder writes it (UTC, six digits). */
export function parseMicroTime(value: string, decode: (message: string) => never): string {
  const match = microTime.exec(value);
  if (match === null) {
    const head = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(value) ? value.slice(19) : value;
    const layout = head === value ? '2006-01-02T15:04:05.000000Z07:00' : '.000000';
    return decode(
      `parsing time ${JSON.stringify(value)} as "2006-01-02T15:04:05.000000Z07:00": cannot parse ${JSON.stringify(head)} as ${JSON.stringify(layout)}`,
    );
  }
  const [, seconds = '', micros = '', zone = 'Z'] = match;
  const at = Date.parse(`${seconds}${zone}`);
  if (Number.isNaN(at)) decode(`parsing time ${JSON.stringify(value)}: out of range`);
  return `${new Date(at).toISOString().slice(0, 19)}.${micros}Z`;
}

function goType(value: unknown): string {
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'string' ? 'string' : 'object';
}

/** Decodes the wire form: typed spec fields, strict MicroTimes, unknown spec fields left for pruning. */
function toStorage(object: KubeObject): KubeObject {
  const spec = object['spec'];
  if (spec === undefined || spec === null) return object;
  if (!isObject(spec)) {
    decodeError(
      `json: cannot unmarshal ${goType(spec)} into Go struct field Lease.spec of type v1.LeaseSpec`,
    );
  }
  for (const [key, type] of Object.entries(specFields)) {
    const value = spec[key];
    if (value === undefined) continue;
    if (value === null) {
      delete spec[key];
      continue;
    }
    const goName = type === 'microtime' ? 'v1.MicroTime' : type;
    const wrong = () =>
      decodeError(
        `json: cannot unmarshal ${goType(value)} into Go struct field LeaseSpec.spec.${key} of type ${goName}`,
      );
    if (type === 'string' && typeof value !== 'string') wrong();
    if (
      type === 'int32' &&
      (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > 2 ** 31)
    )
      wrong();
    if (type === 'microtime') {
      if (typeof value !== 'string') wrong();
      spec[key] = parseMicroTime(value as string, decodeError);
    }
  }
  return object;
}

/** Unknown top-level and spec fields are dropped (and reported, per fieldValidation). */
function prune(object: KubeObject): string[] {
  const unknown = pruneMetadata(object.metadata);
  for (const key of Object.keys(object)) {
    if (!['apiVersion', 'kind', 'metadata', 'spec'].includes(key)) {
      unknown.push(key);
      delete object[key];
    }
  }
  const spec = object['spec'];
  if (isObject(spec)) {
    for (const key of Object.keys(spec)) {
      if (!(key in specFields)) {
        unknown.push(`spec.${key}`);
        delete spec[key];
      }
    }
  }
  return unknown;
}

/** ValidateLease: the name, then ValidateLeaseSpec. */
function validate(object: KubeObject): FieldError[] {
  const errors = validateMetadata(object.metadata, { nameRequired: true });
  const spec = isObject(object['spec']) ? object['spec'] : {};
  const duration = spec['leaseDurationSeconds'];
  if (typeof duration === 'number' && duration <= 0) {
    errors.push({
      type: 'FieldValueInvalid',
      field: 'spec.leaseDurationSeconds',
      value: duration,
      detail: 'must be greater than 0',
    });
  }
  const transitions = spec['leaseTransitions'];
  if (typeof transitions === 'number' && transitions < 0) {
    errors.push({
      type: 'FieldValueInvalid',
      field: 'spec.leaseTransitions',
      value: transitions,
      detail: 'must be greater than or equal to 0',
    });
  }
  return errors;
}

const columns = stringColumns([
  ['Name', 0, 'name'],
  ['Holder', 0, ''],
  ['Age', 0, ''],
]);

export const leaseKind: KindStrategy = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  listKind: 'LeaseList',
  resource: 'leases',
  collection: 'leases.coordination.k8s.io',
  builtIn: true,
  patchTypes: [jsonPatch, mergePatch, strategicMergePatch],
  // leaseStrategy: AllowCreateOnUpdate true, AllowUnconditionalUpdate false.
  allowUnconditionalUpdate: false,
  allowCreateOnUpdate: true,
  hasGeneration: false,
  statusSubresource: false,
  fieldLabels: ['metadata.name', 'metadata.namespace'],
  toStorage,
  toExternal: (object) => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    ...object,
    spec: isObject(object['spec']) ? object['spec'] : {},
  }),
  prune,
  validate,
  table: printer(columns, (o) => {
    const spec = isObject(o['spec']) ? o['spec'] : {};
    const holder = spec['holderIdentity'];
    return [o.metadata.name, typeof holder === 'string' ? holder : '', since(o.metadata.creationTimestamp)];
  }),
  deleteAnswer: (deleted) => deletedStatus(leaseKind, deleted),
};
