/** RFC 6902 JSON Patch (with `test`) and RFC 7386 merge patch, failing the way the apiserver's patch library fails. */
import { clone, isObject, jsonEqual } from './types.js';

/** The patch document itself is malformed: the apiserver answers 400 BadRequest. */
export class PatchDecodeError extends Error {
  override name = 'PatchDecodeError';
}

/** A well-formed patch does not apply (failed `test`, missing path): the apiserver answers 422. */
export class PatchApplyError extends Error {
  override name = 'PatchApplyError';
}

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
  hasValue: boolean;
}

function decodeJsonPatch(text: string): Operation[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new PatchDecodeError((error as Error).message);
  }
  if (!Array.isArray(parsed)) {
    throw new PatchDecodeError('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  }
  return parsed.map((raw) => {
    if (!isObject(raw))
      throw new PatchDecodeError('json: cannot unmarshal into Go value of type jsonpatch.Operation');
    const op: Operation = {
      op: typeof raw['op'] === 'string' ? raw['op'] : '',
      path: typeof raw['path'] === 'string' ? raw['path'] : '',
      hasValue: Object.hasOwn(raw, 'value'),
      value: raw['value'],
    };
    if (typeof raw['from'] === 'string') op.from = raw['from'];
    return op;
  });
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchApplyError(`doc is missing path: "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function arrayIndex(token: string, length: number, forInsert: boolean): number {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new PatchApplyError(`invalid array index: ${token}`);
  const index = Number(token);
  if (index > length || (!forInsert && index === length)) {
    throw new PatchApplyError(`Unable to access invalid index: ${index}`);
  }
  return index;
}

/** The container that holds the last token of the pointer, and that token. */
function locate(doc: unknown, tokens: string[], pointer: string): { parent: unknown; key: string } {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[arrayIndex(token, node.length, false)];
    else if (isObject(node) && Object.hasOwn(node, token)) node = node[token];
    else throw new PatchApplyError(`doc is missing path: "${pointer}"`);
  }
  const key = tokens[tokens.length - 1];
  if (key === undefined) throw new PatchApplyError(`doc is missing path: "${pointer}"`);
  return { parent: node, key };
}

function getAt(doc: unknown, pointer: string): { found: boolean; value: unknown } {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return { found: true, value: doc };
  let parent: unknown;
  let key: string;
  try {
    ({ parent, key } = locate(doc, tokens, pointer));
  } catch {
    return { found: false, value: undefined };
  }
  if (Array.isArray(parent)) {
    if (!/^(0|[1-9][0-9]*)$/.test(key) || Number(key) >= parent.length)
      return { found: false, value: undefined };
    return { found: true, value: parent[Number(key)] };
  }
  if (isObject(parent) && Object.hasOwn(parent, key)) return { found: true, value: parent[key] };
  return { found: false, value: undefined };
}

function add(doc: unknown, pointer: string, value: unknown): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, key } = locate(doc, tokens, pointer);
  if (Array.isArray(parent)) {
    if (key === '-') parent.push(value);
    else parent.splice(arrayIndex(key, parent.length, true), 0, value);
  } else if (isObject(parent)) {
    parent[key] = value;
  } else {
    throw new PatchApplyError(`doc is missing path: "${pointer}"`);
  }
  return doc;
}

function remove(doc: unknown, pointer: string, op: string): { doc: unknown; removed: unknown } {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return { doc: null, removed: doc };
  const { parent, key } = locate(doc, tokens, pointer);
  if (Array.isArray(parent)) {
    const index = arrayIndex(key, parent.length, false);
    const [removed] = parent.splice(index, 1);
    return { doc, removed };
  }
  if (isObject(parent) && Object.hasOwn(parent, key)) {
    const removed = parent[key];
    delete parent[key];
    return { doc, removed };
  }
  throw new PatchApplyError(`${op} operation does not apply: doc is missing key: ${pointer}`);
}

function applyOperation(doc: unknown, operation: Operation): unknown {
  const { op, path } = operation;
  switch (op) {
    case 'add':
      return add(doc, path, clone(operation.value));
    case 'remove':
      return remove(doc, path, 'remove').doc;
    case 'replace': {
      const tokens = parsePointer(path);
      if (tokens.length === 0) return clone(operation.value);
      if (!getAt(doc, path).found)
        throw new PatchApplyError(`replace operation does not apply: doc is missing key: ${path}`);
      const { parent, key } = locate(doc, tokens, path);
      if (Array.isArray(parent)) parent[Number(key)] = clone(operation.value);
      else if (isObject(parent)) parent[key] = clone(operation.value);
      return doc;
    }
    case 'move': {
      if (operation.from === undefined) throw new PatchApplyError('move operation missing from');
      const { doc: without, removed } = remove(doc, operation.from, 'move');
      return add(without, path, removed);
    }
    case 'copy': {
      if (operation.from === undefined) throw new PatchApplyError('copy operation missing from');
      const source = getAt(doc, operation.from);
      if (!source.found)
        throw new PatchApplyError(
          `copy operation does not apply: doc is missing from path: ${operation.from}`,
        );
      return add(doc, path, clone(source.value));
    }
    case 'test': {
      const target = getAt(doc, path);
      const expected = operation.hasValue ? operation.value : null;
      if (!target.found ? expected === null : jsonEqual(target.value, expected)) return doc;
      throw new PatchApplyError(`testing value ${path} failed: test failed`);
    }
    default:
      throw new PatchApplyError(`Unexpected kind: ${op}`);
  }
}

/** Applies an RFC 6902 patch (the request body, as text) to a copy of `doc`. */
export function applyJsonPatch(doc: unknown, patchText: string): unknown {
  const operations = decodeJsonPatch(patchText);
  let result = clone(doc);
  for (const operation of operations) result = applyOperation(result, operation);
  return result;
}

function mergeInto(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const result = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergeInto(result[key], value);
  }
  return result;
}

/** Applies an RFC 7386 merge patch (the request body, as text) to a copy of `doc`. */
export function applyMergePatch(doc: unknown, patchText: string): unknown {
  let patch: unknown;
  try {
    patch = JSON.parse(patchText);
  } catch (error) {
    throw new PatchDecodeError(`error decoding patch: ${(error as Error).message}`);
  }
  if (!isObject(patch)) throw new PatchDecodeError('Invalid JSON Patch');
  return mergeInto(doc, patch);
}
