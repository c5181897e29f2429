/** core v1 Secrets: `data` as base64, `stringData` folded into it on write, the type immutable, printing. */
import { pruneTopLevel, validateMetadata } from './metadata.js';
import {
  deletedStatus,
  jsonPatch,
  mergePatch,
  strategicMergePatch,
  type KindStrategy,
} from './resource-api.js';
import type { FieldError } from './status.js';
import { printer, since, stringColumns } from './table.js';
import { isObject, type KubeObject } from './types.js';

const topLevel = new Set(['apiVersion', 'kind', 'metadata', 'data', 'stringData', 'type', 'immutable']);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const KEY = /^[-._a-zA-Z0-9]+$/;

function validateSecret(object: KubeObject, old: KubeObject | undefined): FieldError[] {
  const errors = validateMetadata(object.metadata, { nameRequired: true });
  const data = object['data'];
  if (data !== undefined && !isObject(data)) {
    errors.push({ type: 'FieldValueInvalid', field: 'data', value: data, detail: 'must be a map' });
  }
  for (const [key, value] of Object.entries(isObject(data) ? data : {})) {
    if (!KEY.test(key)) {
      errors.push({
        type: 'FieldValueInvalid',
        field: 'data',
        value: key,
        detail: "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
      });
    }
    if (typeof value !== 'string' || value.length % 4 !== 0 || !BASE64.test(value)) {
      errors.push({ type: 'FieldValueInvalid', field: `data[${key}]`, value, detail: 'must be base64' });
    }
  }
  if (old !== undefined && (old['type'] ?? 'Opaque') !== (object['type'] ?? 'Opaque')) {
    errors.push({
      type: 'FieldValueInvalid',
      field: 'type',
      value: object['type'],
      detail: 'field is immutable',
    });
  }
  if (object['type'] === 'kubernetes.io/tls' && isObject(data)) {
    for (const key of ['tls.crt', 'tls.key']) {
      if (data[key] === undefined)
        errors.push({ type: 'FieldValueRequired', field: `data[${key}]`, value: '' });
    }
  }
  return errors;
}

const columns = stringColumns([
  ['Name', 0, 'name'],
  ['Type', 0, ''],
  ['Data', 0, ''],
  ['Age', 0, ''],
]);

export const secretKind: KindStrategy = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  listKind: 'SecretList',
  resource: 'secrets',
  collection: 'secrets',
  builtIn: true,
  patchTypes: [jsonPatch, mergePatch, strategicMergePatch],
  allowUnconditionalUpdate: true,
  hasGeneration: false,
  statusSubresource: false,
  fieldLabels: ['metadata.name', 'metadata.namespace', 'type'],
  toStorage: (object) => {
    const stringData = object['stringData'];
    if (isObject(stringData)) {
      const data = isObject(object['data']) ? object['data'] : {};
      for (const [key, value] of Object.entries(stringData))
        data[key] = Buffer.from(String(value)).toString('base64');
      object['data'] = data;
    }
    delete object['stringData'];
    object['type'] ??= 'Opaque';
    return object;
  },
  toExternal: (object) => ({ ...object, apiVersion: 'v1', kind: 'Secret' }),
  prune: pruneTopLevel(topLevel),
  validate: validateSecret,
  table: printer(columns, (o) => [
    o.metadata.name,
    o['type'] ?? 'Opaque',
    String(Object.keys(isObject(o['data']) ? o['data'] : {}).length),
    since(o.metadata.creationTimestamp),
  ]),
  deleteAnswer: (deleted) => deletedStatus(secretKind, deleted),
};
