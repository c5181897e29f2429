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

  it('sums Beam per-split backlogs, leaving out the splits that report -1', async () => {
    const { double, collect } = await setUp({ backlog: 'beam-splits', input: 10_000 });
    await collect(5);
    await collect(65);
    const c = await collect(15);
    expect(c.dropped).toBeUndefined();
    expect(c.sample?.sources[0]?.unit).toBe('records');
    // every fourth split is unknown: the known ones hold about three quarters of the backlog
    const truth = double.job.backlog;
    expect(c.sample?.sources[0]?.backlog).toBeGreaterThan(0.6 * truth);
    expect(c.sample?.sources[0]?.backlog).toBeLessThan(0.9 * truth);
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
