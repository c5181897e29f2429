/** ObjectMeta checks every kind shares: known fields, name, labels and annotations, worded as apimachinery's validation. */
import { badRequest, type FieldError } from './status.js';
import { isObject, type JsonObject, type KubeObject } from './types.js';

const objectMetaFields = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const qualifiedNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const subdomainMessage =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const namePartMessage =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const labelValueMessage =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/** validation.IsQualifiedName: the messages for a qualified name (`prefix/name`), none when it is one. */
export function qualifiedNameMessages(value: string): string[] {
  const parts = value.split('/');
  const messages: string[] = [];
  let name = value;
  if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) messages.push('prefix part must be non-empty');
    else if (prefix.length > 253 || !dns1123Subdomain.test(prefix))
      messages.push(`prefix part ${subdomainMessage}`);
  } else if (parts.length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) messages.push('name part must be non-empty');
  else if (name.length > 63) messages.push('name part must be no more than 63 characters');
  if (!qualifiedNamePart.test(name)) messages.push(namePartMessage);
  return messages;
}

/** Drops ObjectMeta fields the apiserver does not know; returns their paths (`metadata.foo`). */
export function pruneMetadata(metadata: JsonObject): string[] {
  const unknown: string[] = [];
  for (const key of Object.keys(metadata)) {
    if (!objectMetaFields.has(key)) {
      unknown.push(`metadata.${key}`);
      delete metadata[key];
    }
  }
  return unknown;
}

function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObject(value))
    throw badRequest(`.${field} accessor error: ${JSON.stringify(value)} is not a map[string]string`);
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      throw badRequest(
        `.${field} accessor error: contains non-string value in the map under key "${key}": ${JSON.stringify(v)} is of the type ${typeof v}, expected string`,
      );
    }
  }
  return value as Record<string, string>;
}

function qualifiedNameErrors(key: string, field: string): FieldError[] {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const errors: FieldError[] = [];
  if (prefix !== undefined && (prefix.length > 253 || !dns1123Subdomain.test(prefix))) {
    errors.push({ type: 'FieldValueInvalid', field, value: key, detail: `prefix part ${subdomainMessage}` });
  }
  if (name.length === 0 || name.length > 63 || !qualifiedNamePart.test(name)) {
    errors.push({ type: 'FieldValueInvalid', field, value: key, detail: namePartMessage });
  }
  return errors;
}

/** Validates name, labels and annotations of an object about to be stored. */
export function validateMetadata(metadata: JsonObject, options: { nameRequired: boolean }): FieldError[] {
  const errors: FieldError[] = [];
  const name = metadata['name'];
  if (typeof name !== 'string' || name === '') {
    if (options.nameRequired) {
      errors.push({
        type: 'FieldValueRequired',
        field: 'metadata.name',
        detail: 'name or generateName is required',
      });
    }
  } else if (name.length > 253 || !dns1123Subdomain.test(name)) {
    errors.push({ type: 'FieldValueInvalid', field: 'metadata.name', value: name, detail: subdomainMessage });
  }
  for (const [key, value] of Object.entries(stringMap(metadata['labels'], 'metadata.labels'))) {
    errors.push(...qualifiedNameErrors(key, 'metadata.labels'));
    if (value.length > 63 || !labelValue.test(value)) {
      errors.push({ type: 'FieldValueInvalid', field: 'metadata.labels', value, detail: labelValueMessage });
    }
  }
  let annotationBytes = 0;
  for (const [key, value] of Object.entries(stringMap(metadata['annotations'], 'metadata.annotations'))) {
    errors.push(...qualifiedNameErrors(key.toLowerCase(), 'metadata.annotations'));
    annotationBytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (annotationBytes > 256 * 1024) {
    errors.push({
      type: 'FieldValueTooLong',
      field: 'metadata.annotations',
      detail: 'must have at most 262144 bytes',
    });
  }
  return errors;
}

/** A kind's `prune`: unknown metadata fields and top-level fields outside `fields` are dropped and named. */
export function pruneTopLevel(fields: ReadonlySet<string>) {
  return (object: KubeObject): string[] => {
    const unknown = pruneMetadata(object.metadata);
    for (const key of Object.keys(object)) {
      if (!fields.has(key)) {
        unknown.push(key);
        delete object[key];
      }
    }
    return unknown;
  };
}
