/**
 * Issue 12, "misleading words", through the real sidecar process: after a restart Flink's metric store lists
 * none of the new tasks' metrics until they register (here 20 s after the tasks start) and the store refreshes.
 * The `[]` the sidecar gets then must be reported as what it is, `restarting-metrics-not-yet-listed`, not as a
 * configuration problem (`no-backlog-metric`) or a missing metric (`metrics-missing`); and trusted samples come
 * back once the metrics are there.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../fixtures/wait.js';
import { startTruthWorld, type TruthWorld } from './flink-truth-world.js';

let world: TruthWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('the [] window after a restart', () => {
  it('is dropped as restarting-metrics-not-yet-listed, then trusted samples resume', async () => {
    world = await startTruthWorld({
      workers: 4,
      active: false,
      flink: {
        backlog: 'beam-splits',
        splits: 8,
        unknownSplits: [],
        input: 3000,
        metricsRegistrationSeconds: 20,
        jobShape: { stateMb: 0 },
      },
    });
    const w = world;
    await w.untilSeen('a trusted sample at 4 workers', 600, (s) => s.signals?.workers === 4);
    const before = (await w.status()).droppedSamples;
    w.scaleTo(5);
    await until('the job RUNNING on 5', 30, async () =>
      w.flink.cluster.parallelism === 5 && w.flink.status === 'RUNNING' && w.flink.cluster.attempt
        ? true
        : undefined,
    );
    const resumedAt = w.flink.cluster.epochMs(w.flink.cluster.attempt?.start ?? 0);
    await w.untilSeen('a trusted sample after the restart', 400, (s) => (s.signals?.time ?? 0) > resumedAt);
    // The double did answer [] to a fetch after the restart: the tasks ran, their metrics were not registered.
    expect(w.flink.fetches.some((f) => f.epochMs > resumedAt && f.parallelism === 5 && !f.registered)).toBe(
      true,
    );
    const after = (await w.status()).droppedSamples;
    const grew = (reason: string) => (after[reason] ?? 0) - (before[reason] ?? 0);
    expect(
      {
        notYetListed: grew('restarting-metrics-not-yet-listed') > 0,
        noBacklog: grew('no-backlog-metric'),
        missing: grew('metrics-missing'),
      },
      JSON.stringify(after),
    ).toEqual({ notYetListed: true, noBacklog: 0, missing: 0 });
  }, 90_000);
});
