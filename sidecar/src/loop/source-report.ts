/**
 * What the collector read of each source, for the status API (`sources`) and the metrics
 * (`flink_autoscaler_source_splits{source,kind}`, `flink_autoscaler_backlog_estimated_share{source}`): the
 * split gauges of the latest reading (a trusted sample's, or those of a cycle dropped for its splits:
 * `splits-incomplete`, `unknown-share-too-high`) and the share of the latest trusted backlog that is an
 * estimate (unknown -1 splits counted as the mean known split); and each source's partition count of the latest
 * trusted sample (`flink_autoscaler_source_partitions{source,from}`), or why it had none.
 */
import type { Unit } from '@flink-autoscaler/shared';
import type { Collected, DropReason } from '../flink/collect.js';

export interface SourceReading {
  id: string;
  /** Records or bytes; null for a source seen only in a dropped cycle. */
  unit: Unit | null;
  /** Split gauges read, expected and reporting -1, at the latest reading; null for a source without them. */
  splits: { found: number; expected: number; unknown: number } | null;
  /** 0..1: the share of the latest trusted backlog that is an estimate (0: none). */
  estimatedShare: number;
  /** Why the latest reading of its splits was dropped, null when it came with a trusted sample. */
  dropped: DropReason | null;
  /** When it was read (ms). */
  time: number;
  /** Partitions of the latest trusted sample (option P's bound), null when none. */
  partitions: number | null;
  /** Where the count came from (`kafka-source`, `kafka-consumer`, `beam-splits`), null when from nowhere. */
  partitionsFrom: string | null;
  /** Why the latest trusted sample had no count, null when it had one. */
  partitionsReason: string | null;
}

export class SourceReport {
  private readings: SourceReading[] = [];

  /** Takes one cycle's collection; a cycle without a sample and without split counts changes nothing. */
  update(collected: Collected): void {
    const sample = collected.sample;
    if (sample) {
      this.readings = sample.sources.map((s) => {
        const counted = collected.partitions?.find((p) => p.source === s.id);
        return {
          id: s.id,
          unit: s.unit,
          splits: s.splits ? { ...s.splits } : null,
          estimatedShare: s.estimatedShare ?? 0,
          dropped: null,
          time: sample.time,
          partitions: s.partitions ?? null,
          partitionsFrom: counted?.from ?? null,
          partitionsReason: s.partitions === undefined ? (counted?.reason ?? 'not counted') : null,
        };
      });
      return;
    }
    const drop = collected.dropped;
    if (!drop?.splits) return;
    const { source, found, expected, unknown } = drop.splits;
    const before = this.readings.find((r) => r.id === source);
    const reading: SourceReading = {
      id: source,
      unit: before?.unit ?? null,
      splits: { found, expected, unknown },
      estimatedShare: before?.estimatedShare ?? 0,
      dropped: drop.reason,
      time: collected.time,
      partitions: before?.partitions ?? null,
      partitionsFrom: before?.partitionsFrom ?? null,
      partitionsReason: before ? before.partitionsReason : 'no trusted sample yet',
    };
    this.readings = before
      ? this.readings.map((r) => (r === before ? reading : r))
      : [...this.readings, reading];
  }

  list(): readonly SourceReading[] {
    return this.readings;
  }
}
