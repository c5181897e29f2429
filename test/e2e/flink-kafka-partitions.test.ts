/**
 * Issue 14, option P, through the real sidecar process: a native Flink KafkaSource job reading a topic of 24
 * partitions, under a load that grows past what 24 workers can read, on the Flink REST double with its
 * unkindness (the readers register their partitions' gauges only when their splits arrive, staggered over the
 * subtasks, after every restart; task metrics registered late). Workers beyond the partitions add nothing, so
 * the sidecar must never scale the job past 24 workers x 1 slot, and must get there: the partition count read
 * from the source's own metrics, shown in the status and as flink_autoscaler_source_partitions.
 *
 * Before the count was read from a Kafka source's metrics (only Beam's splits gave one), the sidecar scaled
 * this job past 24.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../fixtures/wait.js';
import { seriesValue, sourceOf, startTruthWorld, type TruthWorld } from './flink-truth-world.js';

let world: TruthWorld | undefined;
let watch: NodeJS.Timeout | undefined;
afterEach(async () => {
  clearInterval(watch);
  await world?.close();
  world = undefined;
});

const PARTITIONS = 24;
/** Records/s per worker (the truth world's job shape). */
const PER_WORKER = 1000;

/** The status's `sources[]` entry with the partition fields this test reads. */
interface PartitionsReading {
  id: string;
  partitions: number | null;
  partitionsFrom: string | null;
  partitionsReason: string | null;
}

describe('a KafkaSource job of 24 partitions under a growing load', () => {
  it('is scaled up to 24 workers and never past them', async () => {
    world = await startTruthWorld({
      workers: 4,
      active: true,
      scale: 40,
      flink: {
        backlog: 'flip33',
        topic: 'clicks.v2',
        // from 3,000 records/s, +20 a second, to 40,000 (24 workers read at most 24,000)
        input: (t) => Math.min(40_000, 3000 + 20 * Math.max(0, t)),
        jobShape: { partitions: PARTITIONS, stateMb: 0, maxWorkers: 100 },
        metricsRegistrationSeconds: 5,
        partitionRegistrationSeconds: 40,
      },
      args: ['--cooldown-seconds', '120'],
    });
    const w = world;
    let most = 0;
    watch = setInterval(() => {
      most = Math.max(most, w.flink.cluster.parallelism);
    }, 5);

    // from 4 workers, up as the load grows: until the job runs on 24 subtasks (or more)
    await until('the job on 24 subtasks or more', 3600 / w.scale + 5, async () =>
      most >= PARTITIONS ? true : undefined,
    );
    // The load keeps growing past what 24 workers read (24,000 records/s at 1,050 s): ten more minutes, and at
    // least until 1,800 s (39,000 records/s).
    await w.wait(Math.max(600, 1800 - (w.flink.time - w.startedAt)));
    most = Math.max(most, w.flink.cluster.parallelism);
    expect(most, 'the most subtasks the job ran with').toBe(PARTITIONS);
    expect(w.flink.cluster.parallelism).toBe(PARTITIONS);
    // held there by the partitions, and said so
    const held = w.seen.filter((s) => (s.decision?.reasons ?? []).includes('limited-by-partitions'));
    expect(held.length).toBeGreaterThan(0);
    for (const s of held) expect(s.decision?.desiredWorkers).toBe(PARTITIONS);
    for (const s of w.seen) {
      if (s.decision?.desiredWorkers !== undefined)
        expect(s.decision.desiredWorkers, `decision at ${s.lastCycleAt}`).toBeLessThanOrEqual(PARTITIONS);
      if (s.action !== null) expect(s.action.targetWorkers).toBeLessThanOrEqual(PARTITIONS);
    }
    // the job is behind (more arrives than 24 workers read): the bound held it, not a lack of need
    expect(w.flink.job.backlog).toBeGreaterThan(60 * PARTITIONS * PER_WORKER);

    const status = await w.status();
    const reading = (status.sources as PartitionsReading[] | undefined)?.find(
      (r) => r.id === sourceOf(status)?.id,
    );
    expect(reading).toMatchObject({
      partitions: PARTITIONS,
      partitionsFrom: 'kafka-source',
      partitionsReason: null,
    });
    expect(
      seriesValue(await w.metricsText(), 'flink_autoscaler_source_partitions', { from: 'kafka-source' }),
    ).toBe(PARTITIONS);
  }, 240_000);
});
