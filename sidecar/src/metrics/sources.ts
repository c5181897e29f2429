/**
 * Per-source series of what the collector read (loop/source-report.ts): how many split gauges it found,
 * expected and saw report -1 (`flink_autoscaler_source_splits{source,kind}`), and the share of the backlog
 * that is an estimate (`flink_autoscaler_backlog_estimated_share{source}`, 0 when nothing was estimated),
 * and its partition count (`flink_autoscaler_source_partitions{source,from}`, no series while unknown).
 * A source no longer read leaves both.
 */
import { Gauge, type Registry } from 'prom-client';
import type { SourceReading } from '../loop/source-report.js';

const KINDS = ['found', 'expected', 'unknown'] as const;

export class SourceGauges {
  private readonly splits: Gauge<'source' | 'kind'>;
  private readonly share: Gauge<'source'>;
  private readonly partitions: Gauge<'source' | 'from'>;

  constructor(registry: Registry) {
    this.splits = new Gauge({
      name: 'flink_autoscaler_source_splits',
      help:
        'Per-split backlog gauges of a source (Beam): found (answered a value), expected (listed by Flink at ' +
        'the last re-resolution) and unknown (reported -1, estimated as the mean known split), at the latest reading.',
      labelNames: ['source', 'kind'],
      registers: [registry],
    });
    this.share = new Gauge({
      name: 'flink_autoscaler_backlog_estimated_share',
      help: 'Share of the latest trusted backlog of a source that is an estimate (unknown splits), 0 to 1.',
      labelNames: ['source'],
      registers: [registry],
    });
    this.partitions = new Gauge({
      name: 'flink_autoscaler_source_partitions',
      help:
        'Partitions of a source at the latest trusted sample, the bound of policy option P: distinct Kafka (topic, ' +
        "partition) pairs over its subtasks (from=kafka-source or kafka-consumer) or Beam's splits when fewer than " +
        'its subtasks (from=beam-splits). No series while unknown (see the status for why).',
      labelNames: ['source', 'from'],
      registers: [registry],
    });
  }

  set(readings: readonly SourceReading[]): void {
    this.splits.reset();
    this.share.reset();
    this.partitions.reset();
    for (const r of readings) {
      this.share.set({ source: r.id }, r.estimatedShare);
      if (r.partitions !== null)
        this.partitions.set({ source: r.id, from: r.partitionsFrom ?? 'unknown' }, r.partitions);
      if (r.splits) for (const kind of KINDS) this.splits.set({ source: r.id, kind }, r.splits[kind]);
    }
  }
}
