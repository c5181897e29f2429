/**
 * A Kafka source's partition count from the per-partition offset gauges its readers register, as listed per
 * subtask by `/jobs/:jid/vertices/:vid/metrics` (ids `<subtask>.<operator>.<groups>.<metric>`). Pure: no I/O.
 *
 * The names, from apache/flink-connector-kafka:
 * - KafkaSource (FLIP-27, `KafkaSourceReaderMetrics`): group `KafkaSourceReader`, then `topic.<topic>` and
 *   `partition.<p>`, gauges `currentOffset` and `committedOffset`, registered when a split is added to the
 *   reader (the reader itself opens before its splits arrive).
 * - FlinkKafkaConsumer (legacy, `KafkaConsumerMetricConstants`, `AbstractFetcher.registerOffsetMetrics`):
 *   group `KafkaConsumer`, then `topic.<topic>` and `partition.<p>`, gauges `currentOffsets` and
 *   `committedOffsets` (and the older `KafkaConsumer.current-offsets.<topic>-<p>`, not needed here).
 * Flink's REST metric store filters each id part (` ` `.` `:` `,` → `_`), so a topic `clicks.v2` is listed as
 * `clicks_v2`: the parts never hold a dot.
 *
 * The count is the distinct (topic, partition) pairs over all subtasks. It is trusted only from a listing that
 * cannot be short: every subtask listed, no partition number missing below a topic's highest, and subtasks
 * that read no partition (past the partitions, or whose splits have not arrived yet) seen so in two listings.
 */

export type PartitionMetrics = 'kafka-source' | 'kafka-consumer';

const PATTERNS: readonly { from: PartitionMetrics; pattern: RegExp }[] = [
  {
    from: 'kafka-source',
    pattern:
      /^(\d+)\.[^.]+\.KafkaSourceReader\.topic\.([^.]+)\.partition\.(\d+)\.(?:currentOffset|committedOffset)$/,
  },
  {
    from: 'kafka-consumer',
    pattern:
      /^(\d+)\.[^.]+\.KafkaConsumer\.topic\.([^.]+)\.partition\.(\d+)\.(?:currentOffsets|committedOffsets)$/,
  },
];

/** The partition gauges of one listing, by subtask. */
export interface PartitionListing {
  from: PartitionMetrics;
  /** Every subtask index with any id listed. */
  listed: ReadonlySet<number>;
  /** Per subtask index, the `topic/partition` pairs whose gauges it lists. */
  bySubtask: ReadonlyMap<number, ReadonlySet<string>>;
  /** Every pair over all subtasks. */
  pairs: ReadonlySet<string>;
}

/**
 * The Kafka partition gauges among a vertex's per-subtask ids (KafkaSource's first when both kinds appear),
 * or undefined when it lists none.
 */
export function parsePartitionIds(ids: readonly string[]): PartitionListing | undefined {
  const listed = new Set<number>();
  for (const id of ids) {
    const dot = id.indexOf('.');
    if (dot > 0 && /^\d+$/.test(id.slice(0, dot))) listed.add(Number(id.slice(0, dot)));
  }
  for (const { from, pattern } of PATTERNS) {
    const bySubtask = new Map<number, Set<string>>();
    const pairs = new Set<string>();
    for (const id of ids) {
      const match = pattern.exec(id);
      if (!match) continue;
      const pair = `${match[2]}/${Number(match[3])}`;
      const subtask = Number(match[1]);
      let set = bySubtask.get(subtask);
      if (!set) bySubtask.set(subtask, (set = new Set()));
      set.add(pair);
      pairs.add(pair);
    }
    if (pairs.size > 0) return { from, listed, bySubtask, pairs };
  }
  return undefined;
}

export type PartitionCheck =
  { ok: true; partitions: number; topics: number; idleSubtasks: number } | { ok: false; message: string };

function list(values: readonly (number | string)[]): string {
  const shown = values.slice(0, 8).join(', ');
  return values.length > 8 ? `${shown}, … (${values.length})` : shown;
}

/** Per topic, the partition numbers below its highest that no subtask lists. */
function gaps(pairs: ReadonlySet<string>): string[] {
  const byTopic = new Map<string, Set<number>>();
  for (const pair of pairs) {
    const slash = pair.lastIndexOf('/');
    const topic = pair.slice(0, slash);
    let set = byTopic.get(topic);
    if (!set) byTopic.set(topic, (set = new Set()));
    set.add(Number(pair.slice(slash + 1)));
  }
  const missing: string[] = [];
  for (const [topic, numbers] of [...byTopic].sort(([a], [b]) => a.localeCompare(b))) {
    const highest = Math.max(...numbers);
    for (let p = 0; p < highest; p++) if (!numbers.has(p)) missing.push(`${topic}/${p}`);
  }
  return missing;
}

function topicsOf(pairs: ReadonlySet<string>): number {
  return new Set([...pairs].map((p) => p.slice(0, p.lastIndexOf('/')))).size;
}

/** Whether two listings show the same pairs. */
export function samePairs(a: ReadonlySet<string>, b: ReadonlySet<string> | undefined): boolean {
  return b !== undefined && a.size === b.size && [...a].every((p) => b.has(p));
}

/**
 * Whether a listing of a vertex running `parallelism` subtasks gives its whole partition count. `confirmed`:
 * an earlier listing of the same run, at least one metric-store refresh before, showed the same pairs (so
 * subtasks that read no partition are idle, not waiting for their splits).
 */
export function checkPartitions(
  listing: PartitionListing,
  parallelism: number,
  confirmed: boolean,
): PartitionCheck {
  const absent: number[] = [];
  for (let i = 0; i < parallelism; i++) if (!listing.listed.has(i)) absent.push(i);
  if (absent.length > 0) {
    return {
      ok: false,
      message:
        `${absent.length} of ${parallelism} subtasks list no metric (subtask ${list(absent)}): Flink's metric ` +
        'store has not fetched them since the (re)start, so partitions they read would be missed',
    };
  }
  const beyond = [...listing.listed].filter((i) => i >= parallelism);
  if (beyond.length > 0) {
    return {
      ok: false,
      message: `subtask ${list(beyond.sort((a, b) => a - b))} is listed but the vertex runs ${parallelism}: a rescale is under way`,
    };
  }
  const missing = gaps(listing.pairs);
  if (missing.length > 0) {
    return {
      ok: false,
      message:
        `no subtask lists partition ${list(missing)} though a higher one of its topic is listed: a reader ` +
        'has not registered its partitions yet',
    };
  }
  let idle = 0;
  for (let i = 0; i < parallelism; i++) if ((listing.bySubtask.get(i)?.size ?? 0) === 0) idle++;
  if (idle > 0 && !confirmed) {
    return {
      ok: false,
      message:
        `${idle} of ${parallelism} subtasks read no partition (${listing.pairs.size} listed): they may be ` +
        'idle or still waiting for their splits; trusted once the next listing shows the same partitions',
    };
  }
  return { ok: true, partitions: listing.pairs.size, topics: topicsOf(listing.pairs), idleSubtasks: idle };
}
