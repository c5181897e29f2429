import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  checkJsonBounds,
  FLINK_JSON_BOUNDS,
  grouped,
  JsonBoundsError,
  parseBoundedJson,
  type JsonBounds,
} from '../src/flink/bounded-json.js';
import { getText, GetFailure } from '../src/flink/get-text.js';
import { FlinkError, FlinkHttp } from '../src/flink/http.js';
import { aggregatedSchema, jobDetailsSchema, list, metricListSchema } from '../src/flink/wire.js';
import { closeServer, serve } from './loopback-server.js';

afterEach(closeServer);

const bounds = (b: Partial<JsonBounds>): JsonBounds => ({ maxItems: 5, maxValues: 100, maxDepth: 8, ...b });
const refusal = (text: string, b: Partial<JsonBounds>) => {
  try {
    checkJsonBounds(text, bounds(b));
  } catch (error) {
    expect(error).toBeInstanceOf(JsonBoundsError);
    return (error as Error).message;
  }
  return undefined;
};

describe('JSON bounded before it is parsed', () => {
  it('counts the items of each array and the members of each object, wherever they are', () => {
    expect(refusal('[1,2,3,4,5]', {})).toBeUndefined();
    expect(refusal('[1,2,3,4,5,6]', {})).toBe(
      'an array at $ has more than 5 items (the cap on one array of a Flink answer)',
    );
    expect(refusal('{"jobs":[{},{},{},{},{},{}]}', {})).toBe(
      'an array at $.jobs has more than 5 items (the cap on one array of a Flink answer)',
    );
    expect(refusal('{"a":[1,{"b":[],"c":{"d":[0,0,0,0,0,0]}}]}', {})).toBe(
      'an array at $.a[1].c.d has more than 5 items (the cap on one array of a Flink answer)',
    );
    expect(refusal('{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6}', {})).toBe(
      'an object at $ has more than 5 members (the cap on one object of a Flink answer)',
    );
    expect(refusal('[[],[],{},{}, [ ] ]', {})).toBeUndefined();
  });

  it('is not fooled by brackets, commas and quotes inside strings', () => {
    expect(
      refusal('["a,b,c,d,e,f,g", "[[[[[[[[[", "\\",\\",\\",\\",\\",\\","]', { maxDepth: 2 }),
    ).toBeUndefined();
    expect(refusal('{"k,,,,,,,,":"v,,,,,,,,","x\\\\":"]]]]"}', {})).toBeUndefined();
  });

  it('caps the values of the whole answer and its depth', () => {
    expect(refusal(`[${Array(5).fill('[1,2,3,4,5]').join(',')}]`, { maxValues: 20 })).toBe(
      'the answer has more than 20 values (the cap on one Flink answer)',
    );
    expect(refusal('[[[[[[[[1]]]]]]]]', {})).toBeUndefined();
    expect(refusal('[[[[[[[[[1]]]]]]]]]', {})).toMatch(/^the answer nests deeper than 8 levels/);
  });

  it('never refuses what stays within the caps, and JSON.parse decides what is JSON', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 6 }), (text) => {
        expect(parseBoundedJson(text, { maxItems: 1e6, maxValues: 1e6, maxDepth: 64 })).toEqual(
          JSON.parse(text),
        );
      }),
    );
    expect(() => parseBoundedJson('[1,2')).toThrow(SyntaxError);
  });

  it('counts exactly: the cap is the largest size that passes, for arrays and objects, empty or not', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 12 }), (n, cap) => {
        const array = JSON.stringify(Array.from({ length: n }, (_, i) => i));
        const object = JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])));
        const b = { maxItems: cap, maxValues: 1e6 };
        expect(refusal(array, b) === undefined).toBe(n <= cap);
        expect(refusal(object, b) === undefined).toBe(n <= cap);
        expect(refusal(`[${array}]`, b) === undefined).toBe(n <= cap && cap >= 1);
        expect(refusal(`{"x":${object}}`, b) === undefined).toBe(n <= cap && cap >= 1);
      }),
    );
  });

  it('writes large numbers with thousands separators, without Intl', () => {
    expect(grouped(50_000)).toBe('50,000');
    expect(grouped(250_000)).toBe('250,000');
    expect(grouped(999)).toBe('999');
    expect(grouped(1_234_567)).toBe('1,234,567');
  });
});

describe('validation that stops at the first issue', () => {
  it('one issue for 100,000 bad items, with the index of the first', () => {
    const items = Array.from({ length: 40_000 }, () => ({}));
    const parsed = metricListSchema.safeParse(items);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toHaveLength(1);
    expect(parsed.error?.issues[0]?.path).toEqual([0, 'id']);

    const later = [{ id: 'a' }, { id: 'b' }, { nope: 1 }, {}];
    expect(metricListSchema.safeParse(later).error?.issues.map((i) => i.path)).toEqual([[2, 'id']]);
  });

  it('caps an array even when it did not come through the text scan', () => {
    const parsed = list(z.number(), 3).safeParse([1, 2, 3, 4]);
    expect(parsed.error?.issues[0]?.message).toBe(
      'more than 3 items (the cap on one array of a Flink answer)',
    );
    expect(list(z.number(), 3).safeParse([1, 2, 3]).data).toEqual([1, 2, 3]);
    expect(list(z.number()).safeParse({ length: 1 }).success).toBe(false);
  });

  it('keeps the shapes and transforms of the items (NaN spelled as a string)', () => {
    expect(aggregatedSchema.parse([{ id: 'x', sum: 'NaN', avg: 2, extra: true }])).toEqual([
      { id: 'x', sum: NaN, avg: 2, extra: true },
    ]);
    const id = 'a'.repeat(32);
    const details = jobDetailsSchema.safeParse({
      jid: id,
      name: 'j',
      state: 'RUNNING',
      vertices: [{ id, name: 'v', parallelism: 1, status: 'RUNNING' }],
      plan: { nodes: [{ id, inputs: [{ id }, {}] }] },
    });
    expect(details.error?.issues.map((i) => i.path)).toEqual([['plan', 'nodes', 0, 'inputs', 1, 'id']]);
  });
});

describe('the Flink client with the bounds', () => {
  it('drops an answer past the caps with a message naming the cap', async () => {
    const url = await serve((_req, res) => res.end(`[${Array(60_000).fill('{}').join(',')}]`));
    const client = new FlinkHttp({ baseUrl: url, attempts: 1 });
    const error = await client.get('/taskmanagers/metrics', metricListSchema).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlinkError);
    expect((error as FlinkError).failure).toBe('unexpected-shape');
    expect((error as FlinkError).message).toBe(
      `/taskmanagers/metrics: an array at $ has more than ${grouped(FLINK_JSON_BOUNDS.maxItems)} items (the cap on one array of a Flink answer)`,
    );
  });

  it('refuses at once an answer whose Content-Length is over the cap, before any of its body', async () => {
    const url = await serve((_req, res) => {
      res.setHeader('Content-Length', String(10 * 1024 * 1024));
      res.flushHeaders(); // and no body: only the header can tell
    });
    const started = Date.now();
    const failure = await getText(new URL('/big', url), { timeoutMs: 2000, maxBytes: 1024 * 1024 }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(GetFailure);
    expect((failure as GetFailure).kind).toBe('too-large');
    expect((failure as GetFailure).message).toBe('the answer is larger than 1048576 bytes');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('reads an answer longer than its Content-Length said, or one without it, whole', async () => {
    const body = JSON.stringify(Array.from({ length: 5000 }, (_, i) => ({ id: `metric.${i}` })));
    const url = await serve((req, res) => {
      if (req.url === '/chunked') {
        res.write(body.slice(0, 1000));
        setTimeout(() => res.end(body.slice(1000)), 5);
      } else res.end(body);
    });
    for (const path of ['/chunked', '/plain']) {
      const answer = await getText(new URL(path, url), { timeoutMs: 2000, maxBytes: 1024 * 1024 });
      expect(answer.text).toBe(body);
    }
  });
});
