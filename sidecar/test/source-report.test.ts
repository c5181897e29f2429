/**
 * What the sidecar reports of each source's splits and estimate (status `sources`, the series
 * flink_autoscaler_source_splits{source,kind} and flink_autoscaler_backlog_estimated_share{source}), from the
 * collector's cycles: trusted samples, cycles dropped for their splits, and cycles without data.
 */
import { describe, expect, it } from 'vitest';
import type { Collected } from '../src/flink/collect.js';
import { SourceReport } from '../src/loop/source-report.js';
import { SidecarMetrics } from '../src/metrics/exporter.js';

const T0 = Date.UTC(2026, 0, 1);

function sampled(time: number, sources: NonNullable<Collected['sample']>['sources']): Collected {
  return { time, jobState: 'RUNNING', sample: { time, workers: 4, cpu: 0.5, sources } };
}

const kafka = (unknown: number, estimatedShare?: number) => ({
  id: 'kafka',
  unit: 'records' as const,
  rate: 1000,
  backlog: 8000,
  splits: { found: 8, expected: 8, unknown },
  ...(estimatedShare === undefined ? {} : { estimatedShare }),
});
const flip33 = { id: 'clicks', unit: 'bytes' as const, rate: 10, backlog: 0 };

describe('the per-source report', () => {
  it('takes a trusted sample’s sources whole, a split drop for its source only, and keeps them through silence', () => {
    const report = new SourceReport();
    report.update(sampled(T0, [kafka(2, 0.25), flip33]));
    expect(report.list()).toEqual([
      {
        id: 'kafka',
        unit: 'records',
        splits: { found: 8, expected: 8, unknown: 2 },
        estimatedShare: 0.25,
        dropped: null,
        time: T0,
        partitions: null,
        partitionsFrom: null,
        partitionsReason: 'not counted',
      },
      {
        id: 'clicks',
        unit: 'bytes',
        splits: null,
        estimatedShare: 0,
        dropped: null,
        time: T0,
        partitions: null,
        partitionsFrom: null,
        partitionsReason: 'not counted',
      },
    ]);
    // a cycle dropped for too many unknown splits: its split counts, the estimate of the last trusted backlog
    report.update({
      time: T0 + 15_000,
      jobState: 'RUNNING',
      dropped: {
        reason: 'unknown-share-too-high',
        message: '5 of 8 splits unknown',
        splits: { source: 'kafka', found: 8, expected: 8, unknown: 5 },
      },
    });
    expect(report.list()[0]).toEqual({
      id: 'kafka',
      unit: 'records',
      splits: { found: 8, expected: 8, unknown: 5 },
      estimatedShare: 0.25,
      dropped: 'unknown-share-too-high',
      time: T0 + 15_000,
      partitions: null,
      partitionsFrom: null,
      partitionsReason: 'not counted',
    });
    // Flink silent, or a drop without splits: nothing changes
    const before = report.list();
    report.update({
      time: T0 + 30_000,
      jobState: undefined,
      dropped: { reason: 'flink-timeout', message: 'x' },
    });
    report.update({ time: T0 + 45_000, jobState: 'RESTARTING' });
    expect(report.list()).toBe(before);
    // a source first seen in a drop: no unit yet, nothing estimated
    report.update({
      time: T0 + 60_000,
      jobState: 'RUNNING',
      dropped: {
        reason: 'splits-incomplete',
        message: '4 of 17',
        splits: { source: 'other', found: 4, expected: 17, unknown: 0 },
      },
    });
    expect(report.list()[2]).toMatchObject({
      id: 'other',
      unit: null,
      estimatedShare: 0,
      dropped: 'splits-incomplete',
    });
    // the next trusted sample replaces everything: the job has one source now, with nothing estimated
    report.update(sampled(T0 + 75_000, [kafka(0)]));
    expect(report.list()).toEqual([
      {
        id: 'kafka',
        unit: 'records',
        splits: { found: 8, expected: 8, unknown: 0 },
        estimatedShare: 0,
        dropped: null,
        time: T0 + 75_000,
        partitions: null,
        partitionsFrom: null,
        partitionsReason: 'not counted',
      },
    ]);
  });

  it('exports the splits by kind and the estimated share per source; a source gone leaves its series', async () => {
    const metrics = new SidecarMetrics({ namespace: 'ns', flinkdeployment: 'job' });
    const report = new SourceReport();
    report.update(sampled(T0, [kafka(2, 0.25), flip33]));
    metrics.sources.set(report.list());
    const text = await metrics.text();
    const labels = (more: string) => `${more},namespace="ns",flinkdeployment="job"}`;
    expect(text).toContain(`flink_autoscaler_source_splits{source="kafka",kind="found"${labels('')} 8\n`);
    expect(text).toContain(`flink_autoscaler_source_splits{source="kafka",kind="expected"${labels('')} 8\n`);
    expect(text).toContain(`flink_autoscaler_source_splits{source="kafka",kind="unknown"${labels('')} 2\n`);
    expect(text).toContain(`flink_autoscaler_backlog_estimated_share{source="kafka"${labels('')} 0.25\n`);
    // a source without split gauges: nothing estimated, no split series
    expect(text).toContain(`flink_autoscaler_backlog_estimated_share{source="clicks"${labels('')} 0\n`);
    expect(text).not.toMatch(/flink_autoscaler_source_splits\{source="clicks"/);
    report.update(sampled(T0 + 15_000, [flip33]));
    metrics.sources.set(report.list());
    expect(await metrics.text()).not.toMatch(/source="kafka"/);
  });

  it('reports each source’s partition count with where it came from, or why none, and exports the count', async () => {
    const metrics = new SidecarMetrics({ namespace: 'ns', flinkdeployment: 'job' });
    const report = new SourceReport();
    const collected = (time: number, partitions: number | undefined, reason: string | null): Collected => ({
      ...sampled(time, [{ ...flip33, unit: 'records', ...(partitions === undefined ? {} : { partitions }) }]),
      partitions: [
        {
          source: 'clicks',
          partitions: partitions ?? null,
          from: 'kafka-source',
          topics: partitions === undefined ? null : 1,
          reason,
        },
      ],
    });
    report.update(collected(T0, 24, null));
    expect(report.list()[0]).toMatchObject({
      partitions: 24,
      partitionsFrom: 'kafka-source',
      partitionsReason: null,
    });
    metrics.sources.set(report.list());
    const labels = `namespace="ns",flinkdeployment="job"`;
    expect(await metrics.text()).toContain(
      `flink_autoscaler_source_partitions{source="clicks",from="kafka-source",${labels}} 24\n`,
    );
    // a listing that could be short: no count, the reason, and no series
    report.update(collected(T0 + 15_000, undefined, '2 of 6 subtasks list no metric'));
    expect(report.list()[0]).toMatchObject({
      partitions: null,
      partitionsFrom: 'kafka-source',
      partitionsReason: '2 of 6 subtasks list no metric',
    });
    metrics.sources.set(report.list());
    expect(await metrics.text()).not.toMatch(/flink_autoscaler_source_partitions\{/);
  });
});
