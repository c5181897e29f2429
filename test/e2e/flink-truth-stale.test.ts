/**
 * Issue 12, "staleness detection can switch itself off", through the real sidecar process: TaskManagers that do
 * not report `Status.JVM.CPU.Time`, and a sidecar that asks every 5 s while Flink's metric store refreshes at
 * most every 10 s (and answers from the store before refreshing it). Two of every three cycles then read the
 * very figures of the cycle before; the sidecar must drop them as `stale` from the metrics' own change, not
 * take them as new samples because the CPU time it used to judge by is missing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTruthWorld, type TruthWorld } from './flink-truth-world.js';

let world: TruthWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('TaskManagers without Status.JVM.CPU.Time', () => {
  it('still give stale drops for the cycles that read the store unrefreshed', async () => {
    world = await startTruthWorld({
      workers: 4,
      active: false,
      flink: { input: 6000, cpuTime: false, fetchIntervalSeconds: 10 },
      scale: 20,
      args: ['--interval-seconds', '5', '--window-seconds', '60'],
    });
    const w = world;
    await w.untilSeen('signals', 400, (s) => s.signals !== null);
    await w.wait(120);
    const status = await w.status();
    const cycles = w.seen.length;
    const stale = status.droppedSamples['stale'] ?? 0;
    // About two cycles in three read an unrefreshed store; at least a third must be dropped as stale.
    expect(
      stale,
      `${stale} stale drops in ${cycles} cycles: ${JSON.stringify(status.droppedSamples)}`,
    ).toBeGreaterThan(cycles / 3);
  }, 90_000);
});
