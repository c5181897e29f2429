/**
 * Validators for response bodies from Flink's OpenAPI spec (shared/reference/flink-rest-v1.yml), strictly:
 * `$ref`s resolved into `$defs`, `allOf` flattened, the `className` discriminator dispatched, patterns anchored,
 * and no properties the spec does not name. `wire: true` swaps in the wire forms of notes §2.4 and §3.7.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type FormatDefinition, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse } from 'yaml';

type Schema = Record<string, unknown>;

export const SPEC_PATH = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../shared/reference/flink-rest-v1.yml',
);

const HEX32: Schema = { type: 'string', pattern: '^[0-9a-f]{32}$' };
const AGGREGATE_VALUE: Schema = { anyOf: [{ type: 'number' }, { enum: ['NaN', 'Infinity', '-Infinity'] }] };

/** Where the wire differs from the spec (notes §2.4): schema name → the wire's schema. */
export const WIRE_SCHEMAS: Record<string, Schema> = {
  SlotSharingGroupId: HEX32,
  ApplicationID: HEX32,
  ResourceID: { type: 'string', minLength: 1 },
  JobConfigInfo: {
    type: 'object',
    required: ['jid', 'name', 'execution-config'],
    additionalProperties: false,
    properties: {
      jid: { $ref: '#/$defs/JobID' },
      name: { type: 'string' },
      'execution-config': {
        type: 'object',
        additionalProperties: false,
        properties: {
          // 1.x only (notes §1, §3.5); the master spec's ExecutionConfigInfo no longer has it.
          'execution-mode': { type: 'string' },
          'restart-strategy': { type: 'string' },
          'job-parallelism': { type: 'integer' },
          'object-reuse-mode': { type: 'boolean' },
          'user-config': { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
    },
  },
  MetricCollectionResponseBody: {
    type: 'array',
    items: {
      type: 'object',
      required: ['id'],
      additionalProperties: false,
      properties: { id: { type: 'string' }, value: { type: 'string' } },
    },
  },
  AggregatedMetricsResponseBody: {
    type: 'array',
    items: {
      type: 'object',
      required: ['id'],
      additionalProperties: false,
      properties: {
        id: { type: 'string' },
        min: AGGREGATE_VALUE,
        max: AGGREGATE_VALUE,
        avg: AGGREGATE_VALUE,
        sum: AGGREGATE_VALUE,
        skew: AGGREGATE_VALUE,
      },
    },
  },
};

/** Fields that are `null` on the wire (notes §3.7) but not nullable in the spec: `Schema.property`. */
export const WIRE_NULLABLE = [
  'CheckpointStatistics.savepointFormat',
  'LatestCheckpoints.completed',
  'LatestCheckpoints.savepoint',
  'LatestCheckpoints.failed',
  'LatestCheckpoints.restored',
];

/** The OpenAPI 3.0 formats the spec uses. */
const FORMATS: Record<string, FormatDefinition<number> | FormatDefinition<string>> = {
  int32: { type: 'number', validate: (x: number) => Number.isInteger(x) && x >= -(2 ** 31) && x < 2 ** 31 },
  int64: { type: 'number', validate: (x: number) => Number.isSafeInteger(x) },
  double: { type: 'number', validate: () => true },
  byte: { type: 'string', validate: (x: string) => /^[A-Za-z0-9+/]*={0,2}$/.test(x) },
  binary: { type: 'string', validate: () => true },
};

const REF_PREFIX = '#/components/schemas/';
const refName = (ref: unknown) =>
  typeof ref === 'string' && ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : undefined;
const isObject = (x: unknown): x is Schema => typeof x === 'object' && x !== null && !Array.isArray(x);

export class FlinkSpec {
  readonly doc: Schema;
  private readonly components: Record<string, Schema>;
  private readonly ajv = new Ajv2020({ allErrors: true, strict: true });
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(path = SPEC_PATH) {
    this.doc = parse(readFileSync(path, 'utf8')) as Schema;
    const components = (this.doc.components as Schema | undefined)?.schemas;
    if (!isObject(components)) throw new Error(`${path}: no components.schemas`);
    this.components = components as Record<string, Schema>;
    for (const [name, format] of Object.entries(FORMATS)) this.ajv.addFormat(name, format);
  }

  /** The 200 response schema of `GET path` (a spec path such as `/jobs/{jobid}`), as written in the spec. */
  responseSchema(path: string): Schema {
    const op = ((this.doc.paths as Schema)[path] as Schema | undefined)?.get as Schema | undefined;
    const schema = (op?.responses as Schema | undefined)?.['200'] as Schema | undefined;
    const json = ((schema?.content as Schema | undefined)?.['application/json'] as Schema | undefined)
      ?.schema;
    if (!isObject(json)) throw new Error(`the spec has no 200 application/json response for GET ${path}`);
    return json;
  }

  /** Validation errors of `body` against `GET path`'s response (`wire`: with the wire's forms). */
  validate(path: string, body: unknown, { wire = false } = {}): string[] {
    const key = `${wire ? 'wire' : 'spec'} ${path}`;
    let validate = this.cache.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile(this.jsonSchema(this.responseSchema(path), wire));
      this.cache.set(key, validate);
    }
    return validate(body) ? [] : (validate.errors ?? []).map(describe);
  }

  /** A JSON Schema (2020-12) for ajv: the response schema plus every component it reaches, converted. */
  jsonSchema(root: Schema, wire: boolean): Schema {
    const defs: Record<string, Schema> = {};
    const pending = [...this.refsOf(root)];
    while (pending.length > 0) {
      const name = pending.pop() as string;
      if (name in defs) continue;
      defs[name] = this.convert(this.component(name, wire), wire);
      pending.push(...this.refsOf(defs[name]));
    }
    return { ...this.convert(root, wire), $defs: defs };
  }

  /** A component schema; with `wire`, its wire form or its wire-nullable properties marked `nullable`. */
  private component(name: string, wire: boolean): Schema {
    const schema = wire ? (WIRE_SCHEMAS[name] ?? this.components[name]) : this.components[name];
    if (schema === undefined) throw new Error(`the spec has no schema ${name}`);
    const nullables = wire ? WIRE_NULLABLE.filter((n) => n.startsWith(`${name}.`)) : [];
    if (nullables.length === 0 || !isObject(schema.properties)) return schema;
    const properties: Schema = { ...schema.properties };
    for (const entry of nullables) {
      const prop = entry.slice(name.length + 1);
      if (isObject(properties[prop])) properties[prop] = { ...properties[prop], nullable: true };
    }
    return { ...schema, properties };
  }

  private refsOf(schema: unknown): string[] {
    const found: string[] = [];
    const walk = (node: unknown) => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!isObject(node)) return;
      const name =
        refName(node.$ref) ?? (typeof node.$ref === 'string' ? node.$ref.replace('#/$defs/', '') : undefined);
      if (name !== undefined) found.push(name);
      for (const [key, value] of Object.entries(node)) if (key !== 'discriminator') walk(value);
      if (isObject(node.discriminator) && isObject(node.discriminator.mapping)) {
        for (const ref of Object.values(node.discriminator.mapping)) {
          const target = refName(ref);
          if (target !== undefined) found.push(target);
        }
      }
    };
    walk(schema);
    return found;
  }

  /** OpenAPI 3.0 → JSON Schema (`nullable` → `anyOf` with null). */
  private convert(schema: Schema, wire: boolean): Schema {
    const flat = this.flatten(schema, wire);
    const out: Schema = {};
    for (const [key, value] of Object.entries(flat)) {
      if (['discriminator', 'example', 'nullable', 'xml', 'externalDocs'].includes(key)) continue;
      if (key === '$ref') out.$ref = `#/$defs/${refName(value) ?? String(value).replace('#/$defs/', '')}`;
      else if (key === 'pattern' && typeof value === 'string') out.pattern = anchor(value);
      else if (key === 'properties' && isObject(value)) {
        const props: Schema = {};
        for (const [prop, sub] of Object.entries(value)) props[prop] = this.convert(sub as Schema, wire);
        out.properties = props;
      } else if ((key === 'items' || key === 'additionalProperties') && isObject(value))
        out[key] = this.convert(value, wire);
      else if ((key === 'anyOf' || key === 'oneOf') && Array.isArray(value))
        out[key] = value.map((s) => this.convert(s as Schema, wire));
      else out[key] = value;
    }
    if (flat.nullable === true) return nullable(out);
    if (isObject(flat.properties) && flat.additionalProperties === undefined)
      out.additionalProperties = false;
    const discriminator = flat.discriminator;
    if (
      isObject(discriminator) &&
      isObject(discriminator.mapping) &&
      typeof discriminator.propertyName === 'string'
    ) {
      // A base schema with subtypes: dispatch on the discriminator to the subtype, which names every property.
      const property = discriminator.propertyName;
      const cases = Object.entries(discriminator.mapping).map(([value, ref]) => ({
        if: { properties: { [property]: { const: value } }, required: [property] },
        then: { $ref: `#/$defs/${refName(ref) ?? ''}` },
      }));
      return {
        type: 'object',
        required: [property],
        properties: { [property]: { enum: Object.keys(discriminator.mapping) } },
        allOf: cases,
      };
    }
    return out;
  }

  /** Merges `allOf` members (resolving `$ref`s, ignoring their discriminators) into one object schema. */
  private flatten(schema: Schema, wire: boolean): Schema {
    if (!Array.isArray(schema.allOf)) return schema;
    const properties: Schema = {};
    const required = new Set<string>();
    const { allOf, ...rest } = schema;
    for (const member of allOf as Schema[]) {
      const name = refName(member.$ref);
      const resolved = this.flatten(name === undefined ? member : this.component(name, wire), wire);
      Object.assign(properties, resolved.properties);
      for (const r of (resolved.required as string[] | undefined) ?? []) required.add(r);
    }
    return { ...rest, type: 'object', properties, ...(required.size > 0 ? { required: [...required] } : {}) };
  }
}

function anchor(pattern: string): string {
  return `${pattern.startsWith('^') ? '' : '^'}${pattern}${pattern.endsWith('$') ? '' : '$'}`;
}

function nullable(schema: Schema): Schema {
  return { anyOf: [schema, { type: 'null' }] };
}

function describe(e: ErrorObject): string {
  return `${e.instancePath || '(root)'} ${e.message ?? ''}${e.keyword === 'additionalProperties' ? `: ${JSON.stringify(e.params)}` : ''}`;
}
