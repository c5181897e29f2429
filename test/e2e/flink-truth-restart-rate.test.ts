/**
 * Issue 12, "rates read low for a minute after every restart", through the real sidecar process: Flink's 60 s
 * meters restart at zero with the tasks, so their window mean after a rescale reads far below what the job
 * processes. A saturated job (input above capacity, so it processes exactly its capacity) is rescaled from 4 to
 * 6 TaskManagers; the throughput the sidecar shows on the first trusted (full) window after the restart must be
 * within 5 % of the rate the job truly processed over that window.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../fixtures/wait.js';
import { sourceOf, startTruthWorld, type Status, type TruthWorld } from './flink-truth-world.js';

let world: TruthWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const WINDOW = 120;

describe('throughput after a restart', () => {
  it('is within 5 % of the true rate on the first trusted window after it', async () => {
    world = await startTruthWorld({
      workers: 4,
      active: false,
      flink: {
        backlog: 'beam-splits',
        splits: 12,
        unknownSplits: [],
        input: 9000,
        jobShape: { stateMb: 0, maxWorkers: 50 },
      },
      args: ['--window-seconds', String(WINDOW)],
    });
    const w = world;
    const full = (s: Status) =>
      s.signals !== null &&
      !s.gates.some((g) => ['window-not-full', 'no-signals', 'job-not-running'].includes(g));
    await w.untilSeen('a full window at 4 workers', 600, (s) => full(s) && s.signals?.workers === 4);
    w.scaleTo(6);
    await until('the job RUNNING on 6', 30, async () =>
      w.flink.cluster.parallelism === 6 && w.flink.status === 'RUNNING' && w.flink.cluster.attempt
        ? true
        : undefined,
    );
    const attempt = w.flink.cluster.attempt;
    if (attempt === undefined) throw new Error('no attempt');
    const resumedAt = w.flink.cluster.epochMs(attempt.start);
    const first = await w.untilSeen(
      'the first trusted window after the restart',
      WINDOW + 300,
      (s) => full(s) && (s.signals?.time ?? 0) > resumedAt && s.signals?.workers === 6,
    );
    const signals = first.signals as NonNullable<Status['signals']>;
    // The truth: what the job processed over the window that ended at the sample (only since the restart).
    const second = (ms: number) => Math.floor((ms - w.flink.cluster.options.startEpochMs) / 1000);
    const t2 = second(signals.time);
    const t1 = Math.max(attempt.start, t2 - WINDOW);
    const trueRate = (attempt.processedAt(t2) - attempt.processedAt(t1)) / (t2 - t1);
    expect(trueRate).toBeGreaterThan(5900);
    expect(trueRate).toBeLessThan(6100);
    const shown = sourceOf(first)?.throughput ?? 0;
    expect(
      Math.abs(shown / trueRate - 1),
      `throughput shown ${Math.round(shown)}, truly processed ${Math.round(trueRate)} records/s (window ending ${new Date(signals.time).toISOString()}, ${sourceOf(first)?.samples} samples)`,
    ).toBeLessThan(0.05);
  }, 90_000);
});
