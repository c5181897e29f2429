/**
 * JSON parsing whose memory is bounded by more than the answer's bytes. A few bytes of JSON make a whole
 * object (`{}` is 2 bytes, tens of bytes of heap), so a byte cap alone lets a small answer cost a lot once
 * parsed and validated. Before JSON.parse allocates anything, one pass over the text counts what it would
 * build: items per array, members per object, values in all, and nesting depth; past a cap the answer is
 * refused with an error naming the cap and where it was passed.
 */

export interface JsonBounds {
  /** Items in one array, and members in one object. */
  maxItems: number;
  /** Values in the whole answer (containers and the items and members separated by commas). */
  maxValues: number;
  /** Nesting depth of arrays and objects. */
  maxDepth: number;
}

/**
 * The caps for an answer of the JobManager's REST API. The largest honest arrays are a source vertex's metric
 * list (a Kafka source lists two metrics per partition it reads) and the TaskManagers of a large cluster:
 * thousands to a few tens of thousands. 250,000 values parse into well under 20 MiB of heap.
 */
export const FLINK_JSON_BOUNDS: JsonBounds = { maxItems: 50_000, maxValues: 250_000, maxDepth: 64 };

export class JsonBoundsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonBoundsError';
  }
}

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;

/** 50000 → "50,000" (not toLocaleString: its ICU data costs the process about 9 MiB). */
export const grouped = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/**
 * Throws a JsonBoundsError when `text`, parsed, would pass one of `bounds`. Only counts: malformed JSON is
 * left for JSON.parse to refuse.
 */
export function checkJsonBounds(text: string, bounds: JsonBounds): void {
  // Per open container (index = depth - 1): is it an array, items so far (commas + 1 once non-empty), and
  // for objects the offsets of the current member's key (for the error's path only).
  const isArray: boolean[] = [];
  const items: number[] = [];
  const keyStart: number[] = [];
  const keyEnd: number[] = [];
  let depth = 0;
  let values = 0;
  let expectKey = false;

  const where = (): string => {
    let path = '$';
    for (let d = 0; d < depth - 1; d++) {
      if (isArray[d]) path += `[${Math.max(0, (items[d] ?? 1) - 1)}]`;
      else path += `.${text.slice((keyStart[d] ?? 0) + 1, keyEnd[d] ?? 0)}`;
    }
    return path;
  };
  const item = () => {
    const n = ++items[depth - 1]!;
    if (n > bounds.maxItems) {
      const what = isArray[depth - 1] ? 'an array' : 'an object';
      const unit = isArray[depth - 1] ? 'items' : 'members';
      throw new JsonBoundsError(
        `${what} at ${where()} has more than ${grouped(bounds.maxItems)} ${unit} (the cap on one ${isArray[depth - 1] ? 'array' : 'object'} of a Flink answer)`,
      );
    }
    if (++values > bounds.maxValues) {
      throw new JsonBoundsError(
        `the answer has more than ${grouped(bounds.maxValues)} values (the cap on one Flink answer)`,
      );
    }
  };
  // An open container that is still empty counts its first item when something other than its end follows.
  let pendingFirst = false;

  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9) continue;
    if (pendingFirst) {
      pendingFirst = false;
      if (c !== CLOSE_ARRAY && c !== CLOSE_OBJECT) item();
    }
    if (c === QUOTE) {
      const start = i;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
      }
      if (expectKey && depth > 0 && !isArray[depth - 1]) {
        keyStart[depth - 1] = start;
        keyEnd[depth - 1] = i;
        expectKey = false;
      }
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (depth >= bounds.maxDepth) {
        throw new JsonBoundsError(
          `the answer nests deeper than ${bounds.maxDepth} levels (the cap on a Flink answer) at ${where()}`,
        );
      }
      if (depth === 0 && ++values > bounds.maxValues) {
        throw new JsonBoundsError(`the answer has more than ${grouped(bounds.maxValues)} values`);
      }
      isArray[depth] = c === OPEN_ARRAY;
      items[depth] = 0;
      depth++;
      pendingFirst = true;
      expectKey = c === OPEN_OBJECT;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      if (depth > 0) depth--;
      expectKey = false;
    } else if (c === COMMA) {
      if (depth > 0) {
        item();
        expectKey = !isArray[depth - 1];
      }
    } else if (c === COLON) {
      expectKey = false;
    }
  }
}

/** JSON.parse, after checkJsonBounds. */
export function parseBoundedJson(text: string, bounds: JsonBounds = FLINK_JSON_BOUNDS): unknown {
  checkJsonBounds(text, bounds);
  return JSON.parse(text) as unknown;
}
