/** The FlinkDeployment CRD read from its YAML, and its openAPIV3Schema applied as the apiserver does: prune unknown fields, then validate. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import type { FieldError } from './status.js';
import { isObject, type JsonObject } from './types.js';

/** The CRD of the Flink Kubernetes Operator, in `../shared/reference` beside the checkout. */
export const defaultCrdPath = fileURLToPath(
  new URL('../../../../shared/reference/flinkdeployments.flink.apache.org-v1.yml', import.meta.url),
);

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

/** The parts of a CustomResourceDefinition the double serves (its served, storage version). */
export interface CustomResourceDefinition {
  group: string;
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  schema: JsonObject;
  printerColumns: PrinterColumn[];
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  statusSubresource: boolean;
}

function field(object: unknown, ...path: string[]): unknown {
  let node = object;
  for (const key of path) node = isObject(node) ? node[key] : undefined;
  return node;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

const loaded = new Map<string, CustomResourceDefinition>();

/** Reads an apiextensions.k8s.io/v1 CRD file (memoized: the FlinkDeployment one is 11k lines). */
export function loadCrd(path: string = defaultCrdPath): CustomResourceDefinition {
  const cached = loaded.get(path);
  if (cached) return cached;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`kube double: cannot read the CRD at ${path} (${(error as Error).message})`, {
      cause: error,
    });
  }
  const document: unknown = parse(text);
  const spec = field(document, 'spec');
  const versions = field(spec, 'versions');
  if (!Array.isArray(versions)) throw new Error(`kube double: ${path} has no spec.versions`);
  const version = versions.find((v) => field(v, 'storage') === true) ?? versions[0];
  const schema = field(version, 'schema', 'openAPIV3Schema');
  if (!isObject(schema)) throw new Error(`kube double: ${path} has no openAPIV3Schema`);
  const names = field(spec, 'names');
  const kind = String(field(names, 'kind'));
  const scale = field(version, 'subresources', 'scale');
  const crd: CustomResourceDefinition = {
    group: String(field(spec, 'group')),
    version: String(field(version, 'name')),
    kind,
    listKind: typeof field(names, 'listKind') === 'string' ? String(field(names, 'listKind')) : `${kind}List`,
    plural: String(field(names, 'plural')),
    singular:
      typeof field(names, 'singular') === 'string' ? String(field(names, 'singular')) : kind.toLowerCase(),
    shortNames: strings(field(names, 'shortNames')),
    categories: strings(field(names, 'categories')),
    namespaced: field(spec, 'scope') === 'Namespaced',
    schema,
    printerColumns: (Array.isArray(field(version, 'additionalPrinterColumns'))
      ? (field(version, 'additionalPrinterColumns') as unknown[])
      : []
    ).filter(isObject) as unknown as PrinterColumn[],
    statusSubresource: isObject(field(version, 'subresources', 'status')),
    ...(isObject(scale)
      ? {
          scale: {
            specReplicasPath: String(scale['specReplicasPath']),
            statusReplicasPath: String(scale['statusReplicasPath']),
            ...(typeof scale['labelSelectorPath'] === 'string'
              ? { labelSelectorPath: scale['labelSelectorPath'] }
              : {}),
          },
        }
      : {}),
  };
  loaded.set(path, crd);
  return crd;
}

/** The structural schema as plain JSON Schema for Ajv: Kubernetes extensions turned into what they mean. */
function toAjvSchema(schema: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (
      key.startsWith('x-kubernetes-') ||
      ['nullable', 'format', 'description', 'default', 'example'].includes(key)
    ) {
      continue;
    }
    if (key === 'properties' && isObject(value)) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => [name, isObject(sub) ? toAjvSchema(sub) : sub]),
      );
    } else if ((key === 'additionalProperties' || key === 'items' || key === 'not') && isObject(value)) {
      out[key] = toAjvSchema(value);
    } else if (['anyOf', 'allOf', 'oneOf'].includes(key) && Array.isArray(value)) {
      out[key] = value.map((sub: unknown) => (isObject(sub) ? toAjvSchema(sub) : sub));
    } else {
      out[key] = value;
    }
  }
  if (schema['x-kubernetes-int-or-string'] === true) {
    delete out['anyOf'];
    out['type'] = ['integer', 'string'];
  }
  if (schema['nullable'] === true && typeof out['type'] === 'string') out['type'] = [out['type'], 'null'];
  return out;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce(
      (path, token) => (/^\d+$/.test(token) ? `${path}[${token}]` : path === '' ? token : `${path}.${token}`),
      '',
    );
}

function toFieldError(error: ErrorObject): FieldError {
  const path = fieldPath(error.instancePath);
  switch (error.keyword) {
    case 'type': {
      const expected = String(error.params['type']).replace(',', ' or ');
      const actual = jsonType(error.data);
      return {
        type: 'FieldValueInvalid',
        field: path,
        value: actual,
        detail: `${path} in body must be of type ${expected}: "${actual}"`,
      };
    }
    case 'enum': {
      const allowed = (error.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return {
        type: 'FieldValueNotSupported',
        field: path,
        value: error.data,
        detail: `supported values: ${allowed}`,
      };
    }
    case 'required': {
      const missing = String(error.params['missingProperty']);
      return { type: 'FieldValueRequired', field: path === '' ? missing : `${path}.${missing}` };
    }
    default:
      return {
        type: 'FieldValueInvalid',
        field: path,
        value: error.data,
        detail: `${path} in body ${error.message ?? 'is invalid'}`,
      };
  }
}

/** A CRD version's schema, ready to prune and validate objects of that kind. */
export class CrdSchema {
  readonly #schema: JsonObject;
  #validator: ValidateFunction | undefined;

  constructor(crd: CustomResourceDefinition) {
    this.#schema = crd.schema;
  }

  /** Ajv's validator, compiled at the first validation: seconds on a loaded machine, which a server start need not wait for. */
  get #validate(): ValidateFunction {
    if (this.#validator === undefined) {
      const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, verbose: true });
      this.#validator = ajv.compile(toAjvSchema(this.#schema));
    }
    return this.#validator;
  }

  /**
   * Removes, in place, every field the structural schema does not declare (unless under
   * x-kubernetes-preserve-unknown-fields) and every null of a non-nullable field, as the apiserver prunes
   * before validating. Returns the unknown fields' paths (`spec.foo`), for strict or warning field validation.
   */
  prune(object: JsonObject): string[] {
    const unknown: string[] = [];
    const walk = (value: unknown, schema: unknown, path: string, root: boolean): void => {
      if (!isObject(schema)) return;
      if (Array.isArray(value)) {
        value.forEach((item, i) => walk(item, schema['items'], `${path}[${i}]`, false));
        return;
      }
      if (!isObject(value)) return;
      const properties = isObject(schema['properties']) ? schema['properties'] : undefined;
      const additional = schema['additionalProperties'];
      const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
      for (const key of Object.keys(value)) {
        if (root && ['apiVersion', 'kind', 'metadata'].includes(key)) continue;
        const childPath = path === '' ? key : `${path}.${key}`;
        const childSchema = properties?.[key] ?? (isObject(additional) ? additional : undefined);
        if (childSchema === undefined) {
          if (preserve || additional === true) continue;
          unknown.push(childPath);
          delete value[key];
        } else if (value[key] === null && !(isObject(childSchema) && childSchema['nullable'] === true)) {
          delete value[key];
        } else {
          walk(value[key], childSchema, childPath, false);
        }
      }
    };
    walk(object, this.#schema, '', true);
    return unknown;
  }

  /** Schema errors of a pruned object, as field errors (`spec.mode: Unsupported value: ...`). */
  validate(object: JsonObject): FieldError[] {
    if (this.#validate(object)) return [];
    return (this.#validate.errors ?? []).map(toFieldError);
  }
}

const compiled = new WeakMap<CustomResourceDefinition, CrdSchema>();

/** The CrdSchema of a CRD, compiled once per process (Ajv takes most of a second on the FlinkDeployment schema). */
export function schemaOf(crd: CustomResourceDefinition): CrdSchema {
  let schema = compiled.get(crd);
  if (schema === undefined) {
    schema = new CrdSchema(crd);
    compiled.set(crd, schema);
  }
  return schema;
}
