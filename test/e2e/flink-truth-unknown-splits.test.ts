/**
 * Issue 12, "unknown splits vanish silently", through the real sidecar process: a Beam KafkaIO job whose
 * splits 3, 7, 11 and 15 of 16 report -1 (Beam's "unknown"). The sidecar must estimate them from the known ones
 * (mean per known split × all splits), so the backlog it shows is the whole backlog, and say so: the status
 * gives the split counts and the estimate's share (contract 1), and /metrics exports the share.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readingOf, seriesValue, sourceOf, startTruthWorld, type TruthWorld } from './flink-truth-world.js';

let world: TruthWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('splits reporting -1 (unknown)', () => {
  it('are estimated from the known splits, and the estimate is flagged with its share', async () => {
    world = await startTruthWorld({
      workers: 4,
      active: false,
      flink: { backlog: 'beam-splits', splits: 16, unknownSplits: [3, 7, 11, 15], input: 6000 },
    });
    const w = world;
    const trusted = (s: (typeof w.seen)[number]) => {
      const src = s.signals === null ? undefined : sourceOf(s);
      return (
        src !== undefined &&
        src.backlog > 0 &&
        (s.signals?.time ?? 0) > w.flink.cluster.epochMs(w.startedAt + 60)
      );
    };
    await w.untilSeen('trusted samples with a backlog', 400, trusted);
    await w.wait(60);
    const samples = w.seen.filter(trusted);
    expect(samples.length).toBeGreaterThanOrEqual(3);
    let flagged = 0;
    for (const s of samples) {
      const signals = s.signals as NonNullable<typeof s.signals>;
      const atFetch = w.truthAt(signals.time);
      const shown = sourceOf(s);
      const error = Math.abs((shown?.backlog ?? 0) / atFetch.backlog - 1);
      expect(
        error,
        `sample at ${new Date(signals.time).toISOString()}: backlog ${shown?.backlog}, truth ${Math.round(atFetch.backlog)}`,
      ).toBeLessThan(0.01);
      // Flagged: 4 of 16 splits unknown, so a quarter of the backlog is an estimate.
      const reading = readingOf(s);
      if (reading === undefined) continue;
      flagged++;
      expect(reading.splits).toEqual({ found: 16, expected: 16, unknown: 4 });
      expect(reading.estimatedShare).toBeCloseTo(0.25, 2);
    }
    expect(flagged, 'statuses flagging the estimate of the sample behind their signals').toBeGreaterThan(0);
    const text = await w.metricsText();
    expect(seriesValue(text, 'flink_autoscaler_backlog_estimated_share')).toBeCloseTo(0.25, 2);
    expect(seriesValue(text, 'flink_autoscaler_source_splits', { kind: 'unknown' })).toBe(4);
    expect(seriesValue(text, 'flink_autoscaler_source_splits', { kind: 'found' })).toBe(16);
  }, 60_000);
});
