/**
 * Just enough of Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`: the `k8s\0` magic, a
 * runtime.Unknown envelope, generated messages) to read what kubectl sends that way: `kubectl auth can-i`
 * posts its SelfSubjectAccessReview as protobuf, `kubectl create configmap` its ConfigMap.
 */
import { badRequest } from './status.js';
import type { JsonObject } from './types.js';

export const protobufContentType = 'application/vnd.kubernetes.protobuf';

const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Field = { number: number; bytes?: Buffer; varint?: number };

/** The fields of one protobuf message (varints and length-delimited values; others skipped). */
function fields(message: Buffer): Field[] {
  const out: Field[] = [];
  let at = 0;
  const varint = (): number => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = message[at];
      if (byte === undefined) throw new Error('truncated varint');
      at += 1;
      value += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) return value;
      shift += 7;
    }
  };
  while (at < message.length) {
    const key = varint();
    const number = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) out.push({ number, varint: varint() });
    else if (wire === 2) {
      const length = varint();
      out.push({ number, bytes: message.subarray(at, at + length) });
      at += length;
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  return out;
}

/** A message's string fields by number, as named. */
function strings(message: Buffer | undefined, names: Record<number, string>): JsonObject {
  const out: JsonObject = {};
  for (const field of fields(message ?? Buffer.alloc(0))) {
    const name = names[field.number];
    if (name !== undefined && field.bytes !== undefined) out[name] = field.bytes.toString('utf8');
  }
  return out;
}

function child(message: Buffer | undefined, number: number): Buffer | undefined {
  return fields(message ?? Buffer.alloc(0)).find((f) => f.number === number)?.bytes;
}

/**
 * A message in Kubernetes' protobuf envelope (the `k8s\0` magic, then runtime.Unknown: typeMeta = 1, raw = 2),
 * decoded by `decode` from its typeMeta and raw bytes; a 400 saying why when it cannot be read.
 */
function decoded(
  body: Buffer,
  decode: (typeMeta: JsonObject, raw: Buffer | undefined) => JsonObject,
): JsonObject {
  try {
    if (!body.subarray(0, 4).equals(magic)) throw new Error('no k8s protobuf magic');
    const unknown = body.subarray(4);
    return decode(strings(child(unknown, 1), { 1: 'apiVersion', 2: 'kind' }), child(unknown, 2));
  } catch (error) {
    throw badRequest(`error decoding the protobuf request body: ${(error as Error).message}`);
  }
}

const resourceAttributes = {
  1: 'namespace',
  2: 'verb',
  3: 'group',
  4: 'version',
  5: 'resource',
  6: 'subresource',
  7: 'name',
};
const nonResourceAttributes = { 1: 'path', 2: 'verb' };

/** An authorization.k8s.io/v1 SelfSubjectAccessReview sent as protobuf, in its JSON form. */
export function decodeSelfSubjectAccessReview(body: Buffer): JsonObject {
  return decoded(body, (typeMeta, raw) => {
    const spec = child(raw, 2);
    const resource = child(spec, 1);
    const nonResource = child(spec, 2);
    return {
      ...typeMeta,
      metadata: strings(child(raw, 1), { 1: 'name', 2: 'generateName', 3: 'namespace' }),
      spec: {
        ...(resource === undefined ? {} : { resourceAttributes: strings(resource, resourceAttributes) }),
        ...(nonResource === undefined
          ? {}
          : { nonResourceAttributes: strings(nonResource, nonResourceAttributes) }),
      },
    };
  });
}

/** A protobuf map<string, string|bytes> field: repeated entries {key = 1, value = 2}. */
function map(
  message: Buffer | undefined,
  number: number,
  encoding: 'utf8' | 'base64',
): JsonObject | undefined {
  const entries = fields(message ?? Buffer.alloc(0)).filter((f) => f.number === number && f.bytes);
  if (entries.length === 0) return undefined;
  const out: JsonObject = {};
  for (const entry of entries) {
    const kv = fields(entry.bytes as Buffer);
    const key = kv.find((f) => f.number === 1)?.bytes?.toString('utf8') ?? '';
    out[key] = (kv.find((f) => f.number === 2)?.bytes ?? Buffer.alloc(0)).toString(encoding);
  }
  return out;
}

/** ObjectMeta's fields a client sets on create: name, generateName, namespace, labels, annotations. */
function objectMeta(message: Buffer | undefined): JsonObject {
  const meta = strings(message, { 1: 'name', 2: 'generateName', 3: 'namespace' });
  const labels = map(message, 11, 'utf8');
  const annotations = map(message, 12, 'utf8');
  if (labels) meta['labels'] = labels;
  if (annotations) meta['annotations'] = annotations;
  return meta;
}

/** A core/v1 ConfigMap sent as protobuf (metadata = 1, data = 2, binaryData = 3, immutable = 4), as JSON. */
export function decodeConfigMap(body: Buffer): JsonObject {
  return decoded(body, (typeMeta, raw) => {
    const out: JsonObject = { ...typeMeta, metadata: objectMeta(child(raw, 1)) };
    const data = map(raw, 2, 'utf8');
    const binaryData = map(raw, 3, 'base64');
    if (data) out['data'] = data;
    if (binaryData) out['binaryData'] = binaryData;
    const immutable = fields(raw ?? Buffer.alloc(0)).find((f) => f.number === 4)?.varint;
    if (immutable !== undefined) out['immutable'] = immutable !== 0;
    return out;
  });
}
