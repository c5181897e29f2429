/**
 * Just enough of Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`: the `k8s\0` magic, a
 * runtime.Unknown envelope, generated messages) to read what kubectl sends that way: `kubectl auth can-i`
 * posts its SelfSubjectAccessReview as protobuf.
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
  try {
    if (!body.subarray(0, 4).equals(magic)) throw new Error('no k8s protobuf magic');
    const unknown = body.subarray(4);
    const typeMeta = strings(child(unknown, 1), { 1: 'apiVersion', 2: 'kind' });
    const raw = child(unknown, 2);
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
  } catch (error) {
    throw badRequest(`error decoding the protobuf request body: ${(error as Error).message}`);
  }
}
