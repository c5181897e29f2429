/**
 * core v1 ConfigMaps: `data` (strings) and `binaryData` (base64), their keys valid config keys and unique across
 * the two, `immutable` once true, 1 MiB at most, printing (NAME, DATA, AGE), as the API server validates them
 * (pkg/apis/core/validation ValidateConfigMap).
 */
import { pruneTopLevel, validateMetadata } from './metadata.js';
import { decodeConfigMap } from './protobuf.js';
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

const topLevel = new Set(['apiVersion', 'kind', 'metadata', 'data', 'binaryData', 'immutable']);
const KEY = /^[-._a-zA-Z0-9]+$/;
/** The API server's limit on a ConfigMap's data and binaryData together (corev1.MaxSecretSize). */
const MAX_BYTES = 1024 * 1024;

function validateConfigMap(object: KubeObject, old: KubeObject | undefined): FieldError[] {
  const errors = validateMetadata(object.metadata, { nameRequired: true });
  let bytes = 0;
  const seen = new Set<string>();
  for (const field of ['data', 'binaryData'] as const) {
    const map = object[field];
    if (map === undefined || map === null) continue;
    if (!isObject(map)) {
      errors.push({ type: 'FieldValueInvalid', field, value: map, detail: 'must be a map' });
      continue;
    }
    for (const [key, value] of Object.entries(map)) {
      if (!KEY.test(key) || key === '.' || key === '..') {
        errors.push({
          type: 'FieldValueInvalid',
          field: `${field}[${key}]`,
          value: key,
          detail: "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        });
      }
      if (seen.has(key)) {
        errors.push({
          type: 'FieldValueInvalid',
          field: `${field}[${key}]`,
          value: key,
          detail: 'duplicate of key present in data',
        });
      }
      seen.add(key);
      if (typeof value !== 'string') {
        errors.push({
          type: 'FieldValueInvalid',
          field: `${field}[${key}]`,
          value,
          detail: 'must be a string',
        });
        continue;
      }
      bytes += field === 'binaryData' ? Buffer.from(value, 'base64').length : Buffer.byteLength(value);
    }
  }
  if (bytes > MAX_BYTES) {
    errors.push({
      type: 'FieldValueTooLong',
      field: '',
      value: '',
      detail: `may not be more than ${MAX_BYTES} bytes`,
    });
  }
  if (old !== undefined && old['immutable'] === true) {
    // ValidateConfigMapUpdate: once immutable, immutable stays true and data and binaryData stay as they are.
    const same = (a: unknown, b: unknown) => JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
    const changed = [
      ...(object['immutable'] === true ? [] : ['immutable']),
      ...(['data', 'binaryData'] as const).filter((field) => !same(object[field], old[field])),
    ];
    for (const field of changed) {
      errors.push({
        type: 'FieldValueForbidden',
        field,
        value: '',
        detail: 'field is immutable when `immutable` is set',
      });
    }
  }
  return errors;
}

/**
 * binaryData is []byte on the wire: a value that is not standard base64 fails the body's decoding (a 400, as
 * encoding/json's CorruptInputError from the API server's decoder), before any validation. The byte Go names:
 * the first character outside the alphabet, or the start of an incomplete last quantum.
 */
function decodeBinaryData(object: KubeObject): KubeObject {
  const binary = object['binaryData'];
  for (const value of Object.values(isObject(binary) ? binary : {})) {
    if (typeof value !== 'string') continue;
    const bad = /[^A-Za-z0-9+/=]|=[^=]|=.{2,}$/.exec(value)?.index;
    const at = bad ?? (value.length % 4 === 0 ? undefined : value.length - (value.length % 4));
    if (at !== undefined) {
      throw badRequest(
        `ConfigMap in version "v1" cannot be handled as a ConfigMap: illegal base64 data at input byte ${at}`,
      );
    }
  }
  return object;
}

const columns = stringColumns([
  ['Name', 0, 'name'],
  ['Data', 0, ''],
  ['Age', 0, ''],
]);

export const configMapKind: KindStrategy = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  listKind: 'ConfigMapList',
  resource: 'configmaps',
  collection: 'configmaps',
  builtIn: true,
  patchTypes: [jsonPatch, mergePatch, strategicMergePatch],
  allowUnconditionalUpdate: true,
  hasGeneration: false,
  statusSubresource: false,
  fieldLabels: ['metadata.name', 'metadata.namespace'],
  toStorage: decodeBinaryData,
  toExternal: (object) => ({ ...object, apiVersion: 'v1', kind: 'ConfigMap' }),
  prune: pruneTopLevel(topLevel),
  validate: validateConfigMap,
  table: printer(columns, (o) => [
    o.metadata.name,
    String(
      Object.keys(isObject(o['data']) ? o['data'] : {}).length +
        Object.keys(isObject(o['binaryData']) ? o['binaryData'] : {}).length,
    ),
    since(o.metadata.creationTimestamp),
  ]),
  deleteAnswer: (deleted) => deletedStatus(configMapKind, deleted),
  fromProtobuf: decodeConfigMap,
};
