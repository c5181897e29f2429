/**
 * Issue 14, option P, at the collection stage: a native Flink KafkaSource job on the Flink REST double, whose
 * readers register their partitions' offset gauges (`KafkaSourceReader.topic.<t>.partition.<p>.currentOffset`)
 * only once their splits arrive, some subtasks later than others, after every (re)start. The sample carries
 * the topic's partition count once Flink lists all of it, never a short count, and the reason while not;
 * a `[]` from the metric store gives no sample; a rescale lists the partitions again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FlinkCollector, type Collected } from '../../sidecar/src/flink/collect.js';
import { FlinkHttp } from '../../sidecar/src/flink/http.js';
import { startFlinkDouble, type FlinkDouble } from '../doubles/flink/index.js';

let flink: FlinkDouble | undefined;
afterEach(async () => {
  await flink?.close();
  flink = undefined;
});

const PARTITIONS = 24;

async function setUp(workers: number) {
  flink = await startFlinkDouble({
    jobShape: { initialWorkers: workers, partitions: PARTITIONS, stateMb: 0 },
    slotsPerTaskManager: 2,
    input: 8000,
    topic: 'clicks.v2',
    metricsRegistrationSeconds: 10,
    // the last subtask's splits arrive 60 s after the reader opened: listings in between are short
    partitionRegistrationSeconds: 60,
  });
  const double = flink;
  const client = new FlinkHttp({ baseUrl: double.url, timeoutMs: 2000, attempts: 1, backoffMs: 1 });
  const collector = new FlinkCollector(client, () => Date.UTC(2026, 0, 1) + double.time * 1000);
  const cycles: Collected[] = [];
  const collect = async (seconds = 15) => {
    double.advance(seconds);
    const c = await collector.collect();
    cycles.push(c);
    return c;
  };
  return { double, collect, cycles };
}

const partitionsOf = (c: Collected) => c.sample?.sources[0]?.partitions;

describe("a KafkaSource job's partitions", () => {
  it('are counted once every subtask lists its partitions, never short, and with the reason before', async () => {
    // 15 TaskManagers x 2 slots: 30 subtasks, 6 of them past the 24 partitions
    const { double, collect, cycles } = await setUp(15);
    expect(double.cluster.parallelism).toBe(30);
    for (let i = 0; i < 12; i++) await collect();
    const sampled = cycles.filter((c) => c.sample !== undefined);
    expect(sampled.length).toBeGreaterThan(4);
    // never a count other than the topic's
    for (const c of sampled) expect([undefined, PARTITIONS]).toContain(partitionsOf(c));
    // while the readers' splits arrive: no count, and why (subtasks reading no partition, or a gap)
    const short = sampled.filter((c) => partitionsOf(c) === undefined);
    expect(short.length).toBeGreaterThan(0);
    for (const c of short) {
      expect(c.partitions?.[0]).toMatchObject({ partitions: null, from: 'kafka-source' });
      expect(c.partitions?.[0]?.reason).toMatch(/read no partition|no subtask lists partition/);
    }
    // then the count, from the KafkaSource's gauges (topic clicks.v2 listed as clicks_v2): 6 idle subtasks
    const last = cycles.at(-1) as Collected;
    expect(partitionsOf(last)).toBe(PARTITIONS);
    expect(last.partitions?.[0]).toEqual({
      source: double.topology.source.id,
      partitions: PARTITIONS,
      from: 'kafka-source',
      topics: 1,
      reason: null,
    });
  });

  it('gives no sample on a [] answer, and lists the partitions again after a rescale', async () => {
    const { double, collect } = await setUp(8);
    let c: Collected | undefined;
    for (let i = 0; i < 8; i++) c = await collect();
    expect(c && partitionsOf(c)).toBe(PARTITIONS);
    await double.setFault('empty');
    c = await collect();
    expect(c.sample).toBeUndefined();
    expect(c.dropped?.reason).toMatch(/metrics-missing|restarting-metrics-not-yet-listed/);
    await double.setFault('none');
    c = await collect();
    expect(partitionsOf(c)).toBe(PARTITIONS);

    // 8 -> 10 TaskManagers: 20 subtasks; the partition listing is asked for again, short at first
    const listingsBefore = double.requests.filter((r) =>
      /\/vertices\/[0-9a-f]+\/metrics$/.test(r.url),
    ).length;
    double.setReplicas(10);
    const after: Collected[] = [];
    for (let i = 0; i < 16; i++) {
      c = await collect();
      if (c.sample?.workers === 10) after.push(c);
    }
    const listingsAfter = double.requests.filter((r) => /\/vertices\/[0-9a-f]+\/metrics$/.test(r.url)).length;
    expect(listingsAfter).toBeGreaterThan(listingsBefore);
    expect(after.length).toBeGreaterThan(0);
    for (const s of after) expect([undefined, PARTITIONS]).toContain(partitionsOf(s));
    expect(partitionsOf(after.at(-1) as Collected)).toBe(PARTITIONS);
  });
});
