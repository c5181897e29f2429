/**
 * Issue 12, "stale split list after a rescale", through the real sidecar process: a Beam KafkaIO job whose
 * splits follow the parallelism is rescaled from 4 to 17 TaskManagers. The old split ids 0..3 still answer, so
 * no `[]` warns the sidecar; the backlog it shows on the first trusted sample after the rescale must still be
 * the whole backlog (all 17 splits), as the double's truth at the fetch it read.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../fixtures/wait.js';
import { readingOf, seriesValue, sourceOf, startTruthWorld, type TruthWorld } from './flink-truth-world.js';

let world: TruthWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('a rescale from 4 to 17 (splits follow the parallelism)', () => {
  it('reads the whole backlog on the first trusted sample after it, and every one after', async () => {
    world = await startTruthWorld({
      workers: 4,
      active: false,
      flink: {
        backlog: 'beam-splits',
        splitsFollowParallelism: true,
        unknownSplits: [],
        input: 12_000,
        jobShape: { stateMb: 0, maxWorkers: 50 },
        maxParallelism: 64,
      },
    });
    const w = world;
    // Before: 4 splits on 4 subtasks, the backlog growing by 8,000 records/s.
    const before = await w.untilSeen('a trusted sample at 4 workers', 300, (s) => {
      const src = s.signals === null ? undefined : sourceOf(s);
      return src !== undefined && s.signals?.workers === 4 && src.backlog > 0;
    });
    const truth0 = w.truthAt(before.signals?.time ?? 0).backlog;
    expect(Math.abs((sourceOf(before)?.backlog ?? 0) / truth0 - 1)).toBeLessThan(0.02);

    w.scaleTo(17);
    await until('the job RUNNING on 17', 30, async () =>
      w.flink.cluster.parallelism === 17 && w.flink.status === 'RUNNING' ? true : undefined,
    );
    const resumedAt = w.flink.cluster.epochMs(w.flink.cluster.runningSince);
    const first = await w.untilSeen(
      'the first trusted sample after the rescale',
      600,
      (s) => s.signals !== null && s.signals.time > resumedAt && s.signals.workers === 17,
    );
    await w.wait(90);
    const after = w.seen.filter(
      (s) => s.signals !== null && s.signals.time > resumedAt && s.signals.workers === 17,
    );
    expect(after[0]).toBe(first);
    let withReading = 0;
    for (const s of after) {
      const signals = s.signals as NonNullable<typeof s.signals>;
      const truth = w.truthAt(signals.time);
      expect(truth.splits).toBe(17);
      const shown = sourceOf(s);
      // The backlog shown is the whole backlog Flink had at that fetch (all 17 splits), within 1 %.
      const error = Math.abs((shown?.backlog ?? 0) / truth.backlog - 1);
      expect(
        error,
        `sample at ${new Date(signals.time).toISOString()}: backlog ${shown?.backlog}, truth ${Math.round(truth.backlog)}`,
      ).toBeLessThan(0.01);
      // Contract 1: the split gauges found and expected, in the status with the sample.
      const reading = readingOf(s);
      if (reading !== undefined) withReading++;
      if (reading !== undefined) expect(reading.splits).toEqual({ found: 17, expected: 17, unknown: 0 });
    }
    expect(withReading, 'statuses giving the splits of the sample behind their signals').toBeGreaterThan(0);
    const text = await w.metricsText();
    for (const [kind, value] of [
      ['found', 17],
      ['expected', 17],
      ['unknown', 0],
    ] as const)
      expect(seriesValue(text, 'flink_autoscaler_source_splits', { kind }), kind).toBe(value);
  }, 60_000);
});
