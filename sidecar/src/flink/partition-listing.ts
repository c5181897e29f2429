/**
 * Lists a source vertex's metrics per subtask (`/jobs/:jid/vertices/:vid/metrics`) for its Kafka partition
 * gauges (kafka-partitions.ts) and keeps the count once a listing can be trusted. Listed again at every
 * re-resolution of the collector (a new job, a rescale, a TaskManager change: reset()), every cycle until a
 * listing is trusted, and every `relistMs` after (a topic can gain partitions while the job runs, and a job
 * held at its partitions never rescales to make the collector list again).
 *
 * A failed or refused listing (too large for the JSON caps, Flink unreachable) never drops the cycle: the
 * sample goes without a partition bound and the reading says why.
 */
import { FlinkError, type FlinkHttp } from './http.js';
import { checkPartitions, parsePartitionIds, samePairs, type PartitionMetrics } from './kafka-partitions.js';
import { metricListSchema } from './wire.js';

/** How often a trusted count is listed again. */
export const PARTITION_RELIST_MS = 5 * 60_000;

export type PartitionRead =
  | { from: PartitionMetrics; partitions: number; topics: number; idleSubtasks: number }
  | {
      from: PartitionMetrics | undefined;
      reason: string;
      /**
       * The listing was read and is short: some reader has not registered (so not fetched) its partitions,
       * and a FLIP-33 `pendingRecords` summed over the subtasks leaves their backlog out. False when no
       * listing could be read (refused, failed): that says nothing of the readers.
       */
      incomplete: boolean;
    };

interface VertexState {
  /** A trusted count and when it was listed. */
  settled?: { read: PartitionRead & { partitions: number }; at: number };
  /** The pairs of the latest listings, and when they were first listed so (for idle subtasks' confirmation). */
  previous?: { pairs: ReadonlySet<string>; at: number };
  /** No listing before this time (after a refused answer). */
  notBefore?: number;
}

export class PartitionLister {
  private readonly http: Pick<FlinkHttp, 'get'>;
  private readonly relistMs: number;
  private states = new Map<string, VertexState>();
  /** Source vertices of the current job seen with Kafka partition gauges (a later listing without any is short). */
  private kafka = new Map<string, PartitionMetrics>();
  private jobId: string | undefined;

  constructor(http: Pick<FlinkHttp, 'get'>, relistMs = PARTITION_RELIST_MS) {
    this.http = http;
    this.relistMs = relistMs;
  }

  /** The job's tasks, parallelism or TaskManagers changed: every source is listed again. */
  reset(jobId: string): void {
    this.states = new Map();
    if (jobId !== this.jobId) this.kafka = new Map();
    this.jobId = jobId;
  }

  /**
   * The partition count of a source vertex running `parallelism` subtasks, a reason there is none for a Kafka
   * source, or undefined for a source that lists no Kafka partition gauge (and never did in this job).
   */
  async read(
    time: number,
    jobId: string,
    vertexId: string,
    parallelism: number,
    fetchIntervalMs: number,
  ): Promise<PartitionRead | undefined> {
    let state = this.states.get(vertexId);
    if (!state) this.states.set(vertexId, (state = {}));
    if (state.settled && time - state.settled.at < this.relistMs) return state.settled.read;
    const known = this.kafka.get(vertexId);
    if (state.notBefore !== undefined && time < state.notBefore)
      return known === undefined
        ? undefined
        : { from: known, reason: 'the last listing was refused', incomplete: false };
    let ids: string[];
    try {
      const listed = await this.http.get(`/jobs/${jobId}/vertices/${vertexId}/metrics`, metricListSchema);
      ids = listed.map((m) => m.id);
    } catch (error) {
      if (!(error instanceof FlinkError)) throw error;
      delete state.settled;
      // A refused answer (too large, not JSON) would be refused again: wait as long as for a re-listing.
      if (error.failure === 'unexpected-shape' || error.failure === 'not-json')
        state.notBefore = time + this.relistMs;
      return {
        from: known,
        reason: `the per-subtask metric listing failed: ${error.message}`,
        incomplete: false,
      };
    }
    delete state.notBefore;
    const listing = parsePartitionIds(ids);
    if (!listing) {
      delete state.settled;
      delete state.previous;
      if (known === undefined) return undefined;
      return {
        from: known,
        reason:
          ids.length === 0
            ? "Flink's metric store lists no metric of the source's subtasks (a restart): partitions unknown"
            : 'the source lists no partition offset gauge now (a reader has not registered its partitions)',
        incomplete: true,
      };
    }
    this.kafka.set(vertexId, listing.from);
    const previous = state.previous;
    const same = samePairs(listing.pairs, previous?.pairs);
    const confirmed = same && previous !== undefined && time - previous.at >= fetchIntervalMs;
    if (!same) state.previous = { pairs: listing.pairs, at: time };
    const check = checkPartitions(listing, parallelism, confirmed);
    if (!check.ok) {
      delete state.settled;
      return { from: listing.from, reason: check.message, incomplete: true };
    }
    const read = {
      from: listing.from,
      partitions: check.partitions,
      topics: check.topics,
      idleSubtasks: check.idleSubtasks,
    };
    state.settled = { read, at: time };
    return read;
  }
}

/** What the collector read of a source's partitions in a trusted cycle (status `sources[]`, metrics). */
export interface SourcePartitions {
  source: string;
  /** The count the sample carries (option P's bound), or null when there is none this cycle. */
  partitions: number | null;
  /** Where it comes from: a Kafka source's offset gauges, Beam's split gauges; null when from nowhere. */
  from: PartitionMetrics | 'beam-splits' | null;
  /** Topics read (Kafka), else null. */
  topics: number | null;
  /** Why there is no count, null when there is one. */
  reason: string | null;
}

/**
 * A source's count for the sample: the Kafka gauges' when the source has them (and no count when their
 * listing cannot be trusted, even if Beam's splits would give one), else Beam's split count when the splits
 * are fewer than the subtasks (Beam splits a source into min(parallelism, partitions)), else none.
 */
export function sourcePartitions(
  source: string,
  parallelism: number,
  kafka: PartitionRead | undefined,
  beamSplits: number | undefined,
): SourcePartitions {
  if (kafka !== undefined) {
    return 'partitions' in kafka
      ? { source, partitions: kafka.partitions, from: kafka.from, topics: kafka.topics, reason: null }
      : { source, partitions: null, from: kafka.from ?? null, topics: null, reason: kafka.reason };
  }
  if (beamSplits !== undefined && beamSplits < parallelism)
    return { source, partitions: beamSplits, from: 'beam-splits', topics: null, reason: null };
  const reason =
    beamSplits !== undefined
      ? `Beam's ${beamSplits} splits are as many as the source's ${parallelism} subtasks: Beam splits a source ` +
        'into min(parallelism, partitions), so they do not tell how far it could widen'
      : 'the source lists no Kafka partition offset gauge (KafkaSourceReader, KafkaConsumer) and no Beam split gauge';
  return {
    source,
    partitions: null,
    from: beamSplits !== undefined ? 'beam-splits' : null,
    topics: null,
    reason,
  };
}
