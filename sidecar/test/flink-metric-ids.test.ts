import { describe, expect, it } from 'vitest';
import { metricQuery, operatorOf, planSourceMetrics } from '../src/flink/metric-ids.js';
import { readTopology } from '../src/flink/topology.js';
import type { JobDetails } from '../src/flink/wire.js';

const BEAM = 'Source__ReadFromKafka/KafkaIO_Read/KafkaIO_Read_ReadFromKafkaViaUnbounded/Read(K';

describe('choosing the source metrics', () => {
  it('takes FLIP-33 pendingRecords with the operator’s numRecordsOutPerSecond', () => {
    const plan = planSourceMetrics([
      'numRecordsInPerSecond',
      'busyTimeMsPerSecond',
      'Source__Kafka_Source.pendingRecords',
      'Source__Kafka_Source.numRecordsOutPerSecond',
      'Map.numRecordsOutPerSecond',
    ]);
    expect(plan).toEqual({
      unit: 'records',
      kind: 'flip33-pending-records',
      backlogIds: ['Source__Kafka_Source.pendingRecords'],
      throughput: { id: 'Source__Kafka_Source.numRecordsOutPerSecond', cumulative: false },
    });
  });

  it('takes every Beam split of the source, in records, before any bytes', () => {
    const plan = planSourceMetrics([
      `${BEAM}.source_splits_0_backlog_bytes`,
      `${BEAM}.source_splits_1_backlog_elements`,
      `${BEAM}.source_splits_0_backlog_elements`,
      `${BEAM}.source_elements_read`,
      `${BEAM}.numRecordsOutPerSecond`,
    ]);
    expect(plan?.kind).toBe('beam-splits');
    expect(plan?.unit).toBe('records');
    expect(plan?.backlogIds).toEqual([
      `${BEAM}.source_splits_0_backlog_elements`,
      `${BEAM}.source_splits_1_backlog_elements`,
    ]);
    expect(plan?.throughput).toEqual({ id: `${BEAM}.numRecordsOutPerSecond`, cumulative: false });
  });

  it('prefers Beam’s aggregate backlog, and falls back to the rate of source_elements_read', () => {
    const plan = planSourceMetrics([`${BEAM}.source_backlog_elements`, `${BEAM}.source_elements_read`]);
    expect(plan).toMatchObject({
      kind: 'beam-aggregate',
      throughput: { id: `${BEAM}.source_elements_read`, cumulative: true },
    });
  });

  it('runs in bytes with byte rates when only bytes are reported', () => {
    const plan = planSourceMetrics([
      'Source__S.pendingBytes',
      'Source__S.numBytesInPerSecond',
      'Source__S.numRecordsOutPerSecond',
    ]);
    expect(plan).toMatchObject({
      unit: 'bytes',
      kind: 'flip33-pending-bytes',
      throughput: { id: 'Source__S.numBytesInPerSecond', cumulative: false },
    });
  });

  it('has no plan without a backlog metric, and no throughput without a rate', () => {
    expect(planSourceMetrics(['numRecordsInPerSecond', 'Source__S.numRecordsOutPerSecond'])).toBeUndefined();
    expect(planSourceMetrics(['Source__S.pendingRecords'])?.throughput).toBeUndefined();
  });

  it('reads a cumulative counter next to the meter: numRecordsOut, else numRecordsIn, else Beam’s', () => {
    const op = 'Source__Kafka_Source';
    const base = [`${op}.pendingRecords`, `${op}.numRecordsInPerSecond`];
    expect(
      planSourceMetrics([...base, `${op}.numRecordsIn`, `${op}.numRecordsOut`, `${op}.source_elements_read`])
        ?.counter,
    ).toBe(`${op}.numRecordsOut`);
    expect(planSourceMetrics([...base, `${op}.numRecordsIn`, `${op}.source_elements_read`])?.counter).toBe(
      `${op}.numRecordsIn`,
    );
    expect(
      planSourceMetrics([`${BEAM}.source_splits_0_backlog_elements`, `${BEAM}.source_elements_read`]),
    ).toMatchObject({
      throughput: { id: `${BEAM}.source_elements_read`, cumulative: true },
      counter: `${BEAM}.source_elements_read`,
    });
    expect(
      planSourceMetrics([
        'Source__S.pendingBytes',
        'Source__S.numBytesInPerSecond',
        'Source__S.source_bytes_read',
      ])?.counter,
    ).toBe('Source__S.source_bytes_read');
    expect(planSourceMetrics(base)?.counter).toBeUndefined();
  });

  it('splits operator and metric at the last dot, and percent-encodes ids one by one', () => {
    expect(operatorOf(`${BEAM}.source_backlog_elements`)).toBe(BEAM);
    expect(metricQuery([`${BEAM}.x`, 'a b'], ['min', 'sum'])).toBe(
      `?get=${encodeURIComponent(`${BEAM}.x`)},a%20b&agg=min,sum`,
    );
  });
});

describe('reading the topology', () => {
  const job = (extra: Partial<JobDetails> = {}): JobDetails => ({
    jid: 'a'.repeat(32),
    name: 'clickstream',
    state: 'RUNNING',
    maxParallelism: -1,
    vertices: [
      {
        id: 'c'.repeat(32),
        name: 'Source: Kafka Source -> Map',
        parallelism: 4,
        maxParallelism: 128,
        status: 'RUNNING',
      },
      { id: 'd'.repeat(32), name: 'Sink', parallelism: 4, maxParallelism: 64, status: 'RUNNING' },
    ],
    plan: { nodes: [{ id: 'd'.repeat(32), inputs: [{ id: 'c'.repeat(32) }] }, { id: 'c'.repeat(32) }] },
    ...extra,
  });

  it('finds the sources, the slots, the largest max parallelism and Reactive Mode', () => {
    const t = readTopology(job(), [
      { key: 'scheduler-mode', value: 'reactive' },
      { key: 'taskmanager.numberOfTaskSlots', value: '2' },
    ]);
    expect(t.sources.map((s) => s.id)).toEqual(['c'.repeat(32)]);
    expect(t.slotsPerWorker).toBe(2);
    expect(t.maxParallelism).toBe(128);
    expect(t.reactive).toBe(true);
  });

  it('says loudly when the job is not in Reactive Mode on a standalone deployment', () => {
    expect(readTopology(job(), []).notReactiveBecause).toMatch(/scheduler-mode is not set, not "reactive"/);
    expect(
      readTopology(job(), [
        { key: 'scheduler-mode', value: 'reactive' },
        { key: 'execution.target', value: 'kubernetes-application' },
      ]).notReactiveBecause,
    ).toMatch(/needs a standalone deployment/);
  });
});
