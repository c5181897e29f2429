/**
 * Whether a Kafka source's FLIP-33 backlog (`pendingRecords`, summed by Flink over the subtasks that list it)
 * covers every reader. Pure: no I/O.
 */
import type { Aggregated } from './wire.js';
import type { PartitionRead } from './partition-listing.js';

/**
 * How many subtasks a FLIP-33 backlog was summed over: sum / avg of Flink's aggregate (the fewest over the ids),
 * or undefined when no id can tell (every subtask reporting 0).
 */
export function reportersOf(rows: Aggregated, ids: readonly string[]): number | undefined {
  let fewest: number | undefined;
  for (const id of ids) {
    const row = rows.find((r) => r.id === id);
    if (row?.sum === undefined || row.avg === undefined || !(row.avg > 0) || !(row.sum > 0)) continue;
    const count = Math.round(row.sum / row.avg);
    fewest = fewest === undefined ? count : Math.min(fewest, count);
  }
  return fewest;
}

/**
 * A Kafka source's FLIP-33 backlog is whole only when every reader with partitions reported it:
 * KafkaSourceReaderMetrics registers pendingRecords at a reader's first fetch, after its splits arrived, and
 * Flink's aggregate sums only the subtasks that list it. So the backlog is trusted when the partition listing
 * is trusted and the reporters are at least the subtasks that read a partition; a listing found short (a
 * reader without its splits yet) drops the sample. Sources without Kafka partition gauges are not checked.
 * Returns why the backlog is short, or undefined when it is whole (or cannot be judged).
 */
export function pendingShort(
  source: string,
  pending: { reporters: number | undefined },
  kafka: PartitionRead,
  parallelism: number,
): string | undefined {
  if ('reason' in kafka) {
    if (!kafka.incomplete) return undefined;
    return `source vertex ${source}: pendingRecords leaves out the readers whose partitions are not listed yet (${kafka.reason})`;
  }
  const reading = parallelism - kafka.idleSubtasks;
  if (pending.reporters !== undefined && pending.reporters < reading) {
    return (
      `source vertex ${source}: pendingRecords from ${pending.reporters} of the ${reading} subtasks that read a ` +
      'partition: the others have not fetched yet, and their backlog would be left out'
    );
  }
  return undefined;
}
