/**
 * What the collector read of each source, for the status API (`sources`) and the metrics
 * (`flink_autoscaler_source_splits{source,kind}`, `flink_autoscaler_backlog_estimated_share{source}`): the
 * split gauges of the latest reading (a trusted sample's, or those of a cycle dropped for its splits:
 * `splits-incomplete`, `unknown-share-too-high`) and the share of the latest trusted backlog that is an
 * estimate (unknown -1 splits counted as the mean known split).
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
}

export class SourceReport {
  private readings: SourceReading[] = [];

  /** Takes one cycle's collection; a cycle without a sample and without split counts changes nothing. */
  update(collected: Collected): void {
    const sample = collected.sample;
    if (sample) {
      this.readings = sample.sources.map((s) => ({
        id: s.id,
        unit: s.unit,
        splits: s.splits ? { ...s.splits } : null,
        estimatedShare: s.estimatedShare ?? 0,
        dropped: null,
        time: sample.time,
      }));
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
    };
    this.readings = before
      ? this.readings.map((r) => (r === before ? reading : r))
      : [...this.readings, reading];
  }

  list(): readonly SourceReading[] {
    return this.readings;
  }
}
