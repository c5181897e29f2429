/**
 * Issue 14, option P, at the collection stage: a native Flink KafkaSource job on the Flink REST double, whose
 * readers register their partitions' offset gauges (`KafkaSourceReader.topic.<t>.partition.<p>.currentOffset`)
 * only once their splits arrive, some subtasks later than others, after every (re)start. The sample carries
 * the topic's partition count once Flink lists all of it, never a short count. While it does not, there is no
 * sample (`splits-incomplete`, and why): a reader registers pendingRecords only at its first fetch, after its
 * splits arrived, so Flink's sum over the subtasks left its backlog out (read 35,000 of a 420,000 backlog
 * before). A `[]` from the metric store gives no sample; a rescale lists the partitions again.
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
/** The collector's clock: the double's virtual seconds from this epoch. */
const EPOCH = Date.UTC(2026, 0, 1);

async function setUp(workers: number, input = 8000) {
  flink = await startFlinkDouble({
    jobShape: { initialWorkers: workers, partitions: PARTITIONS, stateMb: 0 },
    slotsPerTaskManager: 2,
    input,
    topic: 'clicks.v2',
    metricsRegistrationSeconds: 10,
    // the last subtask's splits arrive 60 s after the reader opened: listings in between are short
    partitionRegistrationSeconds: 60,
  });
  const double = flink;
  const client = new FlinkHttp({ baseUrl: double.url, timeoutMs: 2000, attempts: 1, backoffMs: 1 });
  const collector = new FlinkCollector(client, () => EPOCH + double.time * 1000);
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
    // while the readers' splits arrive: no sample (the readers without splits report no pendingRecords either),
    // and why (subtasks reading no partition, or a gap)
    const short = cycles.filter((c) => c.dropped?.reason === 'splits-incomplete');
    expect(short.length).toBeGreaterThan(0);
    for (const c of short) expect(c.dropped?.message).toMatch(/read no partition|no subtask lists partition/);
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

  it("reads the whole backlog or none while the readers' splits arrive: pendingRecords is summed only over readers that fetched", async () => {
    // 12 TaskManagers x 2 slots: 24 subtasks, one partition each, their splits arriving over 60 s after each start
    // more input than 24 workers read: a backlog that grows all along
    const { double, collect, cycles } = await setUp(12, 40_000);
    for (let i = 0; i < 10; i++) await collect();
    double.setReplicas(10);
    for (let i = 0; i < 14; i++) await collect();
    const sampled = cycles.filter((c) => c.sample !== undefined);
    expect(sampled.length).toBeGreaterThan(6);
    for (const c of sampled) {
      // the truth at the metric store's fetch the cycle read: within 1 % (rounding per subtask), never short
      const truth = double.fetches.filter((f) => f.time <= (c.time - EPOCH) / 1000).at(-1)?.backlog ?? NaN;
      expect(c.sample?.sources[0]?.backlog).toBeGreaterThan(truth * 0.99);
    }
    // the cycles while some readers had not fetched said why, rather than passing a short sum on
    const incomplete = cycles.filter((c) => c.dropped?.reason === 'splits-incomplete');
    expect(incomplete.length).toBeGreaterThan(0);
    for (const c of incomplete) expect(c.dropped?.message).toMatch(/pendingRecords|partition/);
  });
});
