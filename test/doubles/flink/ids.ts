/** Identifiers as Flink makes them: 32-hex job and vertex ids, TaskManager pod names, and REST metric ids. */
import { createHash } from 'node:crypto';

/** A stable 32-lowercase-hex id (JobID, JobVertexID, slot sharing group) derived from a seed string. */
export function hexId(seed: string): string {
  return createHash('md5').update(seed).digest('hex');
}

/** Job and vertex ids in a path: 32 hex characters (Flink parses either case). */
export const HEX_ID = /^[0-9a-fA-F]{32}$/;

/** The TaskManager's ResourceID on Kubernetes: its pod name, `<cluster-id>-taskmanager-1-<k>`. */
export function taskManagerId(clusterId: string, k: number): string {
  return `${clusterId}-taskmanager-1-${k}`;
}

const OPERATOR_NAME_MAX_LENGTH = 80;
const KEPT_SUFFIXES = [': Writer', ': Committer'];

/**
 * Flink's `MetricUtils.truncateOperatorName`: cut to 80 characters, keeping a `: Writer` / `: Committer`
 * suffix.
 */
export function truncateOperatorName(name: string): string {
  if (name.length <= OPERATOR_NAME_MAX_LENGTH) return name;
  for (const suffix of KEPT_SUFFIXES) {
    if (name.endsWith(suffix)) return name.slice(0, OPERATOR_NAME_MAX_LENGTH - suffix.length) + suffix;
  }
  return name.slice(0, OPERATOR_NAME_MAX_LENGTH);
}

/** The REST metric store's character filter, applied to each id part: ` ` `.` `:` `,` become `_`. */
export function filterPart(part: string): string {
  return part.replace(/[ .:,]/g, '_');
}

/** The id part of an operator: `Source: Kafka Source` → `Source__Kafka_Source` (after the cut to 80). */
export function operatorPart(operatorName: string): string {
  return filterPart(truncateOperatorName(operatorName));
}

/** A metric id from group parts and the metric name, each filtered and joined by `.`. */
export function metricId(...parts: string[]): string {
  return parts.map(filterPart).join('.');
}
