/**
 * The sidecar's collection stage against the Flink REST double: each kind of backlog metric, and every
 * fault mode, which must give a named drop and never a sample.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FlinkCollector } from '../../sidecar/src/flink/collect.js';
import { FlinkHttp } from '../../sidecar/src/flink/http.js';
import { startFlinkDouble, type FlinkDouble, type FlinkDoubleOptions } from '../doubles/flink/index.js';

let flink: FlinkDouble | undefined;
afterEach(async () => {
  await flink?.close();
  flink = undefined;
});

async function setUp(options: FlinkDoubleOptions = {}, http: { timeoutMs?: number; attempts?: number } = {}) {
  flink = await startFlinkDouble({ jobShape: { initialWorkers: 4 }, input: 6000, ...options });
  const double = flink;
  const client = new FlinkHttp({ baseUrl: double.url, timeoutMs: 500, attempts: 1, backoffMs: 1, ...http });
  const collector = new FlinkCollector(client, () => Date.UTC(2026, 0, 1) + double.time * 1000);
  /** Advances virtual time, then collects (a first request fills Flink's metric store, as in Flink). */
  const collect = async (seconds = 15) => {
    double.advance(seconds);
    return collector.collect();
  };
  return { double, client, collector, collect };
}

describe('collecting from Flink', () => {
  it('reads workers, CPU, throughput and the FLIP-33 backlog of a running job', async () => {
    const { collect } = await setUp({ input: 10_000 }); // 4 workers × 2 slots … capacity 4000/s: falls behind
    await collect(5);
    await collect(65);
    const c = await collect(15);
    expect(c.jobState).toBe('RUNNING');
    expect(c.dropped).toBeUndefined();
    expect(c.topology?.reactive).toBe(true);
    expect(c.topology?.slotsPerWorker).toBe(2);
    expect(c.sample?.workers).toBe(4);
    const source = c.sample?.sources[0];
    expect(source?.unit).toBe('records');
    expect(source?.rate).toBeGreaterThan(3000);
    expect(source?.rate).toBeLessThanOrEqual(4000 * 1.05);
    expect(source?.backlog).toBeGreaterThan(100_000);
    expect(c.sample?.cpu).toBeGreaterThan(0.8);
    expect(c.sample?.cpu).toBeLessThanOrEqual(1);
  });

  it('sums Beam per-split backlogs, estimating the splits that report -1 from the known ones', async () => {
    const { double, collect } = await setUp({ backlog: 'beam-splits', input: 10_000 });
    await collect(5);
    await collect(65);
    const c = await collect(15);
    expect(c.dropped).toBeUndefined();
    const source = c.sample?.sources[0];
    expect(source?.unit).toBe('records');
    // Every fourth of the 128 splits is unknown (issue 12: they were left out, a quarter of the backlog lost).
    // They are estimated as the mean known split, and the estimate is flagged with its share.
    expect(source?.splits).toEqual({ found: 128, expected: 128, unknown: 32 });
    expect(source?.estimatedShare).toBe(0.25);
    const truth = double.job.backlog;
    expect(source?.backlog).toBeGreaterThan(0.9 * truth);
    expect(source?.backlog).toBeLessThan(1.1 * truth);
    // Beam's legacy source: the operator's cumulative numRecordsOut is read next to its meter.
    expect(source?.count).toBeGreaterThan(0);
  });

  it('runs in bytes when only bytes are reported', async () => {
    const { collect } = await setUp({ backlog: 'bytes', input: 10_000 });
    await collect(5);
    await collect(65);
    const c = await collect(15);
    expect(c.dropped).toBeUndefined();
    expect(c.sample?.sources[0]?.unit).toBe('bytes');
  });

  it('drops a cycle without a backlog metric', async () => {
    const { collect } = await setUp({ backlog: 'none' });
    await collect(5);
    const c = await collect(20);
    expect(c.dropped?.reason).toBe('no-backlog-metric');
    expect(c.sample).toBeUndefined();
  });

  it('drops a cycle whose figures did not change (metrics not refreshed)', async () => {
    const { collector, collect } = await setUp();
    await collect(5);
    const first = await collect(20);
    expect(first.sample).toBeDefined();
    const again = await collector.collect();
    expect(again.dropped?.reason).toBe('stale');
  });

  it('says loudly when the job is not in Reactive Mode', async () => {
    const { collect } = await setUp({ schedulerMode: null });
    const c = await collect(20);
    expect(c.topology?.reactive).toBe(false);
    expect(c.topology?.notReactiveBecause).toMatch(/not "reactive"/);
  });

  it('gives no sample (and no drop) while the job restarts after a rescale', async () => {
    const { double, collect } = await setUp();
    await collect(5);
    await collect(20);
    double.setReplicas(2);
    const c = await collect(1);
    expect(c.jobState).not.toBe('RUNNING');
    expect(c.sample).toBeUndefined();
    expect(c.dropped).toBeUndefined();
  });

  it('costs requests in proportion to vertices, not subtasks', async () => {
    const costOf = async (workers: number) => {
      const { client, collect } = await setUp({ jobShape: { initialWorkers: workers } });
      await collect(5);
      await collect(20);
      const before = client.requests;
      await collect(15);
      const cost = client.requests - before;
      await flink?.close();
      flink = undefined;
      return cost;
    };
    const small = await costOf(2);
    const large = await costOf(40);
    expect(small).toBe(large);
    expect(small).toBeLessThanOrEqual(6);
  });

  it.each([
    ['down', 'flink-unreachable'],
    ['slow', 'flink-timeout'],
    ['500', 'flink-http-error'],
    ['garbage', 'flink-garbage'],
    ['empty', 'metrics-missing'],
    ['nan', 'not-a-number'],
  ] as const)('fault %s: the cycle is dropped as %s, never sampled, and counted', async (fault, reason) => {
    const { double, collector, collect } = await setUp({ slowMs: 800 });
    await collect(5);
    expect((await collect(20)).sample).toBeDefined();
    await double.setFault(fault);
    const c = await collect(15);
    expect(c.sample).toBeUndefined();
    expect(c.dropped?.reason).toBe(reason);
    expect(collector.drops.get(reason)).toBe(1);
  });

  it.each(['restarting', 'taskmanagers-leaving'] as const)(
    'fault %s: no sample while the job is not RUNNING',
    async (fault) => {
      const { double, collect } = await setUp();
      await collect(5);
      await collect(20);
      await double.setFault(fault);
      const c = await collect(15);
      expect(c.jobState).toBe('RESTARTING');
      expect(c.sample).toBeUndefined();
    },
  );

  it('retries a refused connection with backoff, then succeeds when Flink is back', async () => {
    const { double, collect } = await setUp({}, { attempts: 3 });
    await collect(5);
    await double.setFault('500');
    let calls = 0;
    const sleep = async () => {
      calls++;
      if (calls === 1) await double.setFault('none');
    };
    const client = new FlinkHttp({ baseUrl: double.url, timeoutMs: 500, attempts: 3, backoffMs: 1, sleep });
    const collector = new FlinkCollector(client, () => double.time * 1000);
    double.advance(20);
    const c = await collector.collect();
    expect(calls).toBe(1);
    expect(c.sample).toBeDefined();
  });
});

/**
 * Memory from a small bad answer. The real collector (the built sidecar code) runs in a child Node with the
 * sidecar's own Node flags; proxies in front of the Flink double swap one answer for a bad one. The child
 * reports its peak resident memory (maxRSS, a high-water mark) after warm-up cycles against the honest
 * double and after three cycles against each bad answer, in order. Before the bounds existed, the first
 * 0.3 MiB answer of 100,000 `{}` took the collector from 57 to 231 MiB (zod collected an issue per element),
 * and the five of them to 615 MiB.
 *
 * The bounds, from what each answer must cost (V8 may hold several cycles' garbage at the peak):
 * - OVER_CAP_MIB, the 0.3 MiB answers refused before parsing: the bytes, their text and the socket's chunks
 *   (about 1 MiB a cycle): 8 MiB, a thirty-second of the sidecar's 256Mi limit.
 * - UNDER_CAP_MIB, 49,999 `{}` parsed and refused at the first item: 50,000 empty objects and their array
 *   (about 2.5 MiB a cycle): 16 MiB.
 * - LARGEST_MIB, the largest answer the caps let through to validation (8 MiB of 150-character metric ids,
 *   50,000 items, the last one bad): the socket's chunks, the bytes, the text and the parsed strings (8 MiB
 *   each) and the objects parsed and copied by validation: about 40 MiB a cycle, 80 MiB with one cycle's
 *   garbage not yet collected. With the sidecar's own peak of about 71 MiB that stays inside 256Mi.
 */
const OVER_CAP_MIB = 8;
const UNDER_CAP_MIB = 16;
const LARGEST_MIB = 80;

const MEMORY_HARNESS = `
const { FlinkCollector } = await import(process.env.DIST + '/flink/collect.js');
const { FlinkHttp } = await import(process.env.DIST + '/flink/http.js');
const mib = () => process.resourceUsage().maxRSS / 1024;
const pause = () => new Promise((r) => setTimeout(r, 300));
const collector = (url) =>
  new FlinkCollector(new FlinkHttp({ baseUrl: url, timeoutMs: 30000, attempts: 1 }), Date.now);
const honest = collector(process.env.FLINK_URL);
for (let i = 0; i < 5; i++) {
  await honest.collect();
  await pause();
}
const warm = mib();
const bad = collector(process.env.BAD_URL);
const drops = [];
const started = performance.now();
for (let i = 0; i < 3; i++) {
  drops.push((await bad.collect()).dropped);
  await pause();
}
process.stdout.write(JSON.stringify({ warm, peak: mib(), drops, ms: (performance.now() - started) / 3 - 300 }));
`;

/** `n` empty objects: 100,000 of them are 0.3 MiB of JSON. */
const emptyObjects = (n: number) => `[${Array.from({ length: n }, () => '{}').join(',')}]`;

/** 49,999 distinct metric ids of 150 characters, then an item without an id: about 8 MiB. */
function largestMetricList(): string {
  const pad = 'x'.repeat(120);
  const ids = Array.from(
    { length: 49_999 },
    (_, i) => `{"id":"Source__Kafka.${pad}.${String(i).padStart(8, '0')}"}`,
  );
  return `[${ids.join(',')},{}]`;
}

const METRIC_LIST = /\/vertices\/[0-9a-f]{32}\/subtasks\/metrics$/;
const OVER_CAP =
  /^\/\S+: an array at \$(\.jobs)? has more than 50,000 items \(the cap on one array of a Flink answer\)$/;

const BAD_ANSWERS: [name: string, path: RegExp, body: string, message: RegExp, boundMiB: number][] = [
  ['metric list of a source vertex', METRIC_LIST, emptyObjects(100_000), OVER_CAP, OVER_CAP_MIB],
  [
    'aggregated metrics of a source vertex',
    /\/subtasks\/metrics\?get=/,
    emptyObjects(100_000),
    OVER_CAP,
    OVER_CAP_MIB,
  ],
  [
    'aggregated CPU of the TaskManagers',
    /^\/taskmanagers\/metrics\?get=/,
    emptyObjects(100_000),
    OVER_CAP,
    OVER_CAP_MIB,
  ],
  ['jobs overview', /^\/jobs\/overview$/, `{"jobs":${emptyObjects(100_000)}}`, OVER_CAP, OVER_CAP_MIB],
  ['job configuration', /^\/jobmanager\/config$/, emptyObjects(100_000), OVER_CAP, OVER_CAP_MIB],
  [
    '49,999 {} (under the item cap: validation stops at the first)',
    METRIC_LIST,
    emptyObjects(49_999),
    /: unexpected answer at 0\.id: /,
    UNDER_CAP_MIB,
  ],
  [
    'the largest answer the caps let through (8 MiB, 50,000 items, the last bad)',
    METRIC_LIST,
    largestMetricList(),
    /: unexpected answer at 49999\.id: /,
    LARGEST_MIB,
  ],
];

/** A proxy to `target` that answers `body` for paths matching `path`. */
async function badProxy(target: string, path: RegExp, body: string) {
  const { createServer, request } = await import('node:http');
  const server = createServer((req, res) => {
    if (path.test(req.url ?? '')) {
      const bytes = Buffer.from(body);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.length }).end(bytes);
      return;
    }
    const upstream = request(new URL(req.url ?? '/', target), { method: req.method }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((done) => server.close(done)) };
}

describe('memory from a small bad answer', () => {
  it('answers of 100,000 {}: each cycle dropped as garbage naming the cap, peak memory bounded', async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const { SIDECAR_NODE_OPTIONS } = await import('../../sidecar/src/injector/settings.js');
    flink = await startFlinkDouble({ jobShape: { initialWorkers: 4 }, input: 6000, fetchIntervalSeconds: 0 });
    const double = flink;
    const ticker = setInterval(() => double.advance(1), 100);
    const proxies = await Promise.all(BAD_ANSWERS.map(([, path, body]) => badProxy(double.url, path, body)));
    /** The collector in a child Node with the sidecar's flags: warm-up against the double, then 3 bad cycles. */
    const measure = async (badUrl: string) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', MEMORY_HARNESS], {
        env: {
          ...process.env,
          NODE_OPTIONS: SIDECAR_NODE_OPTIONS,
          DIST: fileURLToPath(new URL('../../sidecar/dist', import.meta.url)),
          FLINK_URL: double.url,
          BAD_URL: badUrl,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((done) => child.on('close', done));
      expect(code, stderr).toBe(0);
      return JSON.parse(stdout) as {
        warm: number;
        peak: number;
        ms: number;
        drops: ({ reason: string; message: string } | undefined)[];
      };
    };
    try {
      const results = [];
      for (const [i] of BAD_ANSWERS.entries()) results.push(await measure(proxies[i]!.url));
      const report = results.map(
        (r, i) =>
          `${BAD_ANSWERS[i]![0]}: ${r.warm.toFixed(1)} MiB, +${(r.peak - r.warm).toFixed(1)} MiB, ${r.ms.toFixed(0)} ms a cycle`,
      );
      console.log(`peak RSS after warm-up, its growth over 3 bad cycles:\n${report.join('\n')}`);
      results.forEach((result, i) => {
        const [name, , , message, bound] = BAD_ANSWERS[i]!;
        expect(result.peak - result.warm, name).toBeLessThan(bound);
        for (const drop of result.drops) {
          expect(drop?.reason, name).toBe('flink-garbage');
          expect(drop?.message, name).toMatch(message);
        }
      });
    } finally {
      clearInterval(ticker);
      await Promise.all(proxies.map((p) => p.close()));
    }
  }, 120_000);
});
