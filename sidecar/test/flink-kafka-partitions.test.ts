/**
 * A Kafka source's partition count from its per-partition offset gauges (issue 14, option P): the ids of
 * apache/flink-connector-kafka's KafkaSourceReaderMetrics (`KafkaSourceReader.topic.<t>.partition.<p>.
 * currentOffset`/`committedOffset`) and of the legacy FlinkKafkaConsumer (`KafkaConsumer.topic.<t>.partition.
 * <p>.currentOffsets`/`committedOffsets`), as Flink's REST store lists them per subtask; the count trusted only
 * from a listing that cannot be short; listed again on a re-resolution and after a while; the reason when not.
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { FlinkHttp } from '../src/flink/http.js';
import { FlinkError } from '../src/flink/http.js';
import { checkPartitions, parsePartitionIds } from '../src/flink/kafka-partitions.js';
import { PartitionLister, sourcePartitions } from '../src/flink/partition-listing.js';

const OP = 'Source__Kafka_Source';
/** A KafkaSource subtask's ids: task and operator metrics, the reader's counters, two gauges per partition. */
function sourceSubtask(i: number, partitions: readonly number[], topic = 'orders'): string[] {
  return [
    `${i}.numRecordsIn`,
    `${i}.busyTimeMsPerSecond`,
    `${i}.${OP}.numRecordsOutPerSecond`,
    `${i}.${OP}.KafkaSourceReader.commitsSucceeded`,
    `${i}.${OP}.KafkaSourceReader.KafkaConsumer.records-lag-max`,
    ...partitions.flatMap((p) => [
      `${i}.${OP}.KafkaSourceReader.topic.${topic}.partition.${p}.currentOffset`,
      `${i}.${OP}.KafkaSourceReader.topic.${topic}.partition.${p}.committedOffset`,
    ]),
  ];
}
/** Partitions 0..n-1 of a topic round-robin over p subtasks (KafkaSource's enumerator, start index 0). */
function roundRobin(p: number, n: number, topic = 'orders'): string[] {
  return Array.from({ length: p }, (_, i) =>
    sourceSubtask(
      i,
      Array.from({ length: n }, (_, k) => k).filter((k) => k % p === i),
      topic,
    ),
  ).flat();
}

describe('parsing the partition gauges', () => {
  it('counts distinct (topic, partition) pairs over all subtasks, both gauges of a partition once', () => {
    const listing = parsePartitionIds(roundRobin(4, 24));
    expect(listing?.from).toBe('kafka-source');
    expect(listing?.pairs.size).toBe(24);
    expect(listing?.bySubtask.get(1)).toEqual(
      new Set(['orders/1', 'orders/5', 'orders/9', 'orders/13', 'orders/17', 'orders/21']),
    );
    expect(checkPartitions(listing!, 4, false)).toEqual({
      ok: true,
      partitions: 24,
      topics: 1,
      idleSubtasks: 0,
    });
  });

  it('reads the legacy FlinkKafkaConsumer names (KafkaConsumer.topic.<t>.partition.<p>.currentOffsets)', () => {
    const ids = [0, 1, 2].flatMap((i) => [
      `${i}.Source__Custom_Source.commitsSucceeded`,
      `${i}.Source__Custom_Source.KafkaConsumer.topic.clicks.partition.${i}.currentOffsets`,
      `${i}.Source__Custom_Source.KafkaConsumer.topic.clicks.partition.${i}.committedOffsets`,
      `${i}.Source__Custom_Source.KafkaConsumer.topic.clicks.partition.${i + 3}.currentOffsets`,
      // the older names, registered beside them: not needed, not counted twice
      `${i}.Source__Custom_Source.KafkaConsumer.current-offsets.clicks-${i}`,
    ]);
    const listing = parsePartitionIds(ids);
    expect(listing?.from).toBe('kafka-consumer');
    expect(checkPartitions(listing!, 3, false)).toMatchObject({ ok: true, partitions: 6 });
  });

  it('takes topics as Flink lists them (dots filtered to _) and counts partitions of every topic', () => {
    const ids = [
      ...sourceSubtask(0, [0, 2], 'clicks_v2'),
      ...sourceSubtask(1, [1, 3], 'clicks_v2'),
      `0.${OP}.KafkaSourceReader.topic.views.partition.0.currentOffset`,
      `1.${OP}.KafkaSourceReader.topic.views.partition.1.currentOffset`,
    ];
    const check = checkPartitions(parsePartitionIds(ids)!, 2, false);
    expect(check).toEqual({ ok: true, partitions: 6, topics: 2, idleSubtasks: 0 });
  });

  it('finds nothing in a source without partition gauges (pendingRecords only, Beam splits, a Kafka consumer metric)', () => {
    expect(
      parsePartitionIds([
        `0.${OP}.pendingRecords`,
        `0.${OP}.KafkaSourceReader.KafkaConsumer.records-lag-max`,
        '0.Source__Read.source_splits_3_backlog_elements',
      ]),
    ).toBeUndefined();
  });
});

describe('trusting a listing', () => {
  it('refuses one where a subtask lists nothing (its TaskManager not fetched since the restart)', () => {
    const ids = roundRobin(6, 24).filter((id) => !id.startsWith('4.') && !id.startsWith('5.'));
    const check = checkPartitions(parsePartitionIds(ids)!, 6, true);
    expect(check.ok).toBe(false);
    expect(check.ok ? '' : check.message).toMatch(/^2 of 6 subtasks list no metric \(subtask 4, 5\)/);
  });

  it('refuses one with a partition missing below a higher one of its topic', () => {
    const ids = roundRobin(4, 24).filter((id) => !id.includes('.partition.9.'));
    const check = checkPartitions(parsePartitionIds(ids)!, 4, true);
    expect(check.ok ? '' : check.message).toMatch(/no subtask lists partition orders\/9 /);
  });

  it('refuses subtasks reading no partition until a second listing shows the same partitions', () => {
    // 30 subtasks, 24 partitions: 6 idle for good; or 24 subtasks whose last 6 wait for their splits
    const idle = parsePartitionIds(roundRobin(30, 24))!;
    const first = checkPartitions(idle, 30, false);
    expect(first.ok ? '' : first.message).toMatch(/^6 of 30 subtasks read no partition \(24 listed\)/);
    expect(checkPartitions(idle, 30, true)).toEqual({ ok: true, partitions: 24, topics: 1, idleSubtasks: 6 });
    const waiting = [...roundRobin(24, 24).filter((id) => !/^(1[89]|2[0-3])\..*partition/.test(id))];
    expect(checkPartitions(parsePartitionIds(waiting)!, 24, false).ok).toBe(false);
  });

  it('refuses a listing with subtasks beyond the parallelism (a rescale under way)', () => {
    const check = checkPartitions(parsePartitionIds(roundRobin(8, 24))!, 6, true);
    expect(check.ok ? '' : check.message).toMatch(/subtask 6, 7 is listed but the vertex runs 6/);
  });
});

/** Flink's per-subtask listing, answered from `ids` (a function of the call's number), every call recorded. */
function fakeHttp(answer: (call: number) => string[] | Error) {
  const calls: string[] = [];
  const http: Pick<FlinkHttp, 'get'> = {
    get: <T>(path: string, schema: z.ZodType<T>) => {
      calls.push(path);
      const a = answer(calls.length);
      if (a instanceof Error) return Promise.reject(a);
      return Promise.resolve(schema.parse(a.map((id) => ({ id }))));
    },
  };
  return { http, calls };
}

const JOB = 'a'.repeat(32);
const V = 'b'.repeat(32);

describe('the partition lister', () => {
  it('lists once, keeps a trusted count until a reset or five minutes, then lists again', async () => {
    let n = 24;
    const { http, calls } = fakeHttp(() => roundRobin(12, n));
    const lister = new PartitionLister(http);
    lister.reset(JOB);
    expect(await lister.read(0, JOB, V, 12, 10_000)).toMatchObject({ from: 'kafka-source', partitions: 24 });
    expect(calls).toEqual([`/jobs/${JOB}/vertices/${V}/metrics`]);
    n = 32; // the topic gains partitions
    expect(await lister.read(15_000, JOB, V, 12, 10_000)).toMatchObject({ partitions: 24 });
    expect(calls).toHaveLength(1);
    expect(await lister.read(300_000, JOB, V, 12, 10_000)).toMatchObject({ partitions: 32 });
    expect(calls).toHaveLength(2);
    lister.reset(JOB); // a rescale
    await lister.read(301_000, JOB, V, 12, 10_000);
    expect(calls).toHaveLength(3);
  });

  it('trusts idle subtasks only from a listing a metric-store refresh after one with the same partitions', async () => {
    const { http } = fakeHttp(() => roundRobin(30, 24));
    const lister = new PartitionLister(http);
    lister.reset(JOB);
    expect(await lister.read(0, JOB, V, 30, 10_000)).toMatchObject({
      reason: expect.stringMatching(/6 of 30/),
    });
    // 5 s later: the same fetch of Flink's store, not a confirmation
    expect(await lister.read(5_000, JOB, V, 30, 10_000)).toHaveProperty('reason');
    expect(await lister.read(10_000, JOB, V, 30, 10_000)).toMatchObject({ partitions: 24, idleSubtasks: 6 });
  });

  it('says why for a known Kafka source whose listing comes back [] (a restart), and for a failed listing', async () => {
    const answers: (string[] | Error)[] = [
      roundRobin(4, 8),
      [],
      new FlinkError('timeout', `/jobs/${JOB}/vertices/${V}/metrics`, 'no answer within 3000 ms'),
      new FlinkError('unexpected-shape', `/jobs/${JOB}/vertices/${V}/metrics`, 'more than 50,000 items'),
    ];
    const { http, calls } = fakeHttp((call) => answers[call - 1] ?? roundRobin(4, 8));
    const lister = new PartitionLister(http);
    lister.reset(JOB);
    expect(await lister.read(0, JOB, V, 4, 10_000)).toMatchObject({ partitions: 8 });
    lister.reset(JOB); // the job restarted on new TaskManagers
    expect(await lister.read(20_000, JOB, V, 4, 10_000)).toEqual({
      from: 'kafka-source',
      reason: expect.stringMatching(/lists no metric of the source's subtasks/),
      incomplete: true,
    });
    // a listing that failed says nothing of the readers (not incomplete: the backlog is not judged by it)
    expect(await lister.read(35_000, JOB, V, 4, 10_000)).toMatchObject({
      reason: expect.stringMatching(/listing failed: .*3000 ms/),
      incomplete: false,
    });
    expect(await lister.read(50_000, JOB, V, 4, 10_000)).toMatchObject({
      reason: expect.stringMatching(/50,000 items/),
      incomplete: false,
    });
    // a refused answer would be refused again: not listed for five minutes
    expect(await lister.read(65_000, JOB, V, 4, 10_000)).toMatchObject({
      reason: 'the last listing was refused',
      incomplete: false,
    });
    expect(calls).toHaveLength(4);
    expect(await lister.read(350_000, JOB, V, 4, 10_000)).toMatchObject({ partitions: 8 });
  });

  it('gives nothing for a source that never listed partition gauges in this job', async () => {
    const { http } = fakeHttp(() => [`0.${OP}.pendingRecords`]);
    const lister = new PartitionLister(http);
    lister.reset(JOB);
    expect(await lister.read(0, JOB, V, 1, 10_000)).toBeUndefined();
  });
});

describe("a source's count for the sample", () => {
  it('takes Kafka’s count first, never Beam’s splits when Kafka’s listing is not trusted', () => {
    expect(
      sourcePartitions(
        's',
        30,
        { from: 'kafka-source', partitions: 24, topics: 1, idleSubtasks: 6 },
        undefined,
      ),
    ).toEqual({
      source: 's',
      partitions: 24,
      from: 'kafka-source',
      topics: 1,
      reason: null,
    });
    expect(
      sourcePartitions('s', 30, { from: 'kafka-source', reason: 'short', incomplete: true }, 12),
    ).toMatchObject({
      partitions: null,
      reason: 'short',
    });
  });

  it('takes Beam’s splits only when fewer than the subtasks, and says why not otherwise', () => {
    expect(sourcePartitions('s', 16, undefined, 12)).toMatchObject({ partitions: 12, from: 'beam-splits' });
    expect(sourcePartitions('s', 16, undefined, 16)).toMatchObject({
      partitions: null,
      from: 'beam-splits',
      reason: expect.stringMatching(/as many as the source's 16 subtasks/),
    });
    expect(sourcePartitions('s', 16, undefined, undefined)).toMatchObject({
      partitions: null,
      from: null,
      reason: expect.stringMatching(/no Kafka partition offset gauge/),
    });
  });
});
