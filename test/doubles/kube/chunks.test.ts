/**
 * Large objects arrive over many writes, as over TLS records and TCP segments: answers and watch lines are
 * written in pieces of at most `maxWriteBytes` (default 1400), cut at byte offsets, so multi-byte UTF-8
 * characters are split between pieces. A client that decodes chunk by chunk gets U+FFFD.
 */
import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flinkDeployment, startKubeDouble, type FlinkDeployment, type KubeDouble } from './index.js';

const ns = 'jobs';
const fd = `/apis/flink.apache.org/v1beta1/namespaces/${ns}/flinkdeployments`;

let double: KubeDouble;

function large(): FlinkDeployment {
  // About 20 KB, most of it three-byte characters (a real FlinkDeployment is often over 16 KB).
  return flinkDeployment({
    name: 'large',
    namespace: ns,
    annotations: { 'example.com/notes': '流式处理作业的说明。'.repeat(650) },
  });
}

beforeAll(async () => {
  double = await startKubeDouble({
    namespace: ns,
    users: [{ token: 'admin-token', username: 'admin', groups: ['system:masters'] }],
  });
  double.flinkDeployments.put(large());
}, 60_000);

afterAll(async () => {
  await double?.close();
});

/** The body of a GET as the chunks the HTTP parser handed out, until `enough` or the end. */
function chunks(path: string, enough: (received: Buffer[]) => boolean = () => false): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const received: Buffer[] = [];
    const asked = get(`${double.url}${path}`, { headers: { Authorization: 'Bearer admin-token' } }, (res) => {
      res.on('data', (chunk: Buffer) => {
        received.push(chunk);
        if (enough(received)) {
          asked.destroy();
          resolve(received);
        }
      });
      res.on('end', () => resolve(received));
    });
    asked.on('error', reject);
  });
}

/** Does a chunk end inside a UTF-8 character (its last bytes start a sequence they do not finish)? */
function endsMidCharacter(chunk: Buffer): boolean {
  for (let back = 1; back <= Math.min(3, chunk.length); back += 1) {
    const byte = chunk[chunk.length - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back;
  }
  return false;
}

describe('large answers over many writes', () => {
  it('a GET arrives in pieces of at most 1400 bytes, some cutting a character in two; the whole parses', async () => {
    const received = await chunks(`${fd}/large`);
    expect(received.length).toBeGreaterThan(10);
    expect(Math.max(...received.map((c) => c.length))).toBeLessThanOrEqual(1400);
    expect(received.some(endsMidCharacter)).toBe(true);
    expect(received.some((c) => c.toString('utf8').includes('\uFFFD'))).toBe(true);
    const whole = JSON.parse(Buffer.concat(received).toString('utf8')) as {
      metadata: { annotations: Record<string, string> };
    };
    expect(whole.metadata.annotations['example.com/notes']).toBe('流式处理作业的说明。'.repeat(650));
  });

  it('a watch line is written in pieces too', async () => {
    const received = await chunks(`${fd}?watch=true&fieldSelector=metadata.name%3Dlarge`, (got) =>
      Buffer.concat(got).includes(0x0a),
    );
    expect(received.length).toBeGreaterThan(10);
    expect(received.some(endsMidCharacter)).toBe(true);
    const line = Buffer.concat(received).toString('utf8').split('\n')[0] ?? '';
    expect(JSON.parse(line)).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'large' } } });
  });

  it('small answers stay one write, with a Content-Length', async () => {
    const received = await new Promise<{ length: string | undefined; body: string }>((resolve, reject) => {
      get(`${double.url}/version`, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ length: res.headers['content-length'], body }));
      }).on('error', reject);
    });
    expect(Number(received.length)).toBe(Buffer.byteLength(received.body));
  });

  it('maxWriteBytes: 0 writes an answer in one piece', async () => {
    const whole = await startKubeDouble({
      namespace: ns,
      maxWriteBytes: 0,
      users: [{ token: 'admin-token', username: 'admin', groups: ['system:masters'] }],
      flinkDeployments: [large()],
    });
    try {
      const received = await new Promise<Buffer[]>((resolve, reject) => {
        const parts: Buffer[] = [];
        get(`${whole.url}${fd}/large`, { headers: { Authorization: 'Bearer admin-token' } }, (res) => {
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => resolve(parts));
        }).on('error', reject);
      });
      expect(Buffer.concat(received).length).toBeGreaterThan(20_000);
      expect(received.length).toBeLessThan(5); // one write; the socket may still hand it over in a few reads
    } finally {
      await whole.close();
    }
  });
});
