/**
 * Chooses, from the metric ids a source vertex lists, what to read for its backlog, throughput and cumulative
 * count: Beam's backlog gauges (aggregate or per split), FLIP-33 pendingRecords, or the bytes variants;
 * records before bytes, and never a mix.
 */
import type { Unit } from '@flink-autoscaler/shared';

export type BacklogKind =
  | 'beam-aggregate'
  | 'beam-splits'
  | 'flip33-pending-records'
  | 'beam-aggregate-bytes'
  | 'beam-splits-bytes'
  | 'flip33-pending-bytes';

export interface SourceMetricPlan {
  unit: Unit;
  kind: BacklogKind;
  /** The ids whose sums make the backlog (one per split for the per-split kinds). */
  backlogIds: string[];
  /** A per-second rate id, or a cumulative count id whose rate is taken between samples. */
  throughput: { id: string; cumulative: boolean } | undefined;
  /**
   * A Flink counter of the units the source has read (restarts at 0 with the tasks): `<op>.numRecordsOut`,
   * else `<op>.numRecordsIn`, else Beam's `<op>.source_elements_read`; for bytes `<op>.numBytesIn`, else
   * `<op>.source_bytes_read`. Undefined when the source lists none.
   */
  counter: string | undefined;
}

/** The per-split backlog kinds, whose gauges must all be read. */
export function isPerSplit(kind: BacklogKind): boolean {
  return kind === 'beam-splits' || kind === 'beam-splits-bytes';
}

/** Backlog sources in order of preference: records first, then bytes. */
const BACKLOG_PATTERNS: readonly { kind: BacklogKind; unit: Unit; pattern: RegExp }[] = [
  { kind: 'beam-aggregate', unit: 'records', pattern: /\.source_backlog_elements$/ },
  { kind: 'beam-splits', unit: 'records', pattern: /\.source_splits_\d+_backlog_elements$/ },
  { kind: 'flip33-pending-records', unit: 'records', pattern: /\.pendingRecords$/ },
  { kind: 'beam-aggregate-bytes', unit: 'bytes', pattern: /\.source_backlog_bytes$/ },
  { kind: 'beam-splits-bytes', unit: 'bytes', pattern: /\.source_splits_\d+_backlog_bytes$/ },
  { kind: 'flip33-pending-bytes', unit: 'bytes', pattern: /\.pendingBytes$/ },
];

/** The operator part of an operator-scoped id: `Source__Kafka_Source.pendingRecords` → `Source__Kafka_Source`. */
export function operatorOf(id: string): string {
  return id.slice(0, id.lastIndexOf('.'));
}

function throughputFor(
  ids: ReadonlySet<string>,
  operator: string,
  unit: Unit,
): SourceMetricPlan['throughput'] {
  const candidates =
    unit === 'records'
      ? [
          { id: `${operator}.numRecordsOutPerSecond`, cumulative: false },
          { id: `${operator}.numRecordsInPerSecond`, cumulative: false },
          { id: `${operator}.source_elements_read`, cumulative: true },
        ]
      : [
          { id: `${operator}.numBytesInPerSecond`, cumulative: false },
          { id: `${operator}.source_bytes_read`, cumulative: true },
          { id: 'numBytesOutPerSecond', cumulative: false },
        ];
  const found = candidates.find((c) => ids.has(c.id));
  if (found) return found;
  // Another operator of the source chain that reads records (legacy Beam sources name it differently).
  if (unit === 'records') {
    const any = [...ids].find((id) => id.startsWith('Source__') && id.endsWith('.numRecordsOutPerSecond'));
    if (any) return { id: any, cumulative: false };
  }
  return undefined;
}

function counterFor(
  ids: ReadonlySet<string>,
  operator: string,
  unit: Unit,
  throughput: SourceMetricPlan['throughput'],
): string | undefined {
  const candidates =
    unit === 'records'
      ? [`${operator}.numRecordsOut`, `${operator}.numRecordsIn`, `${operator}.source_elements_read`]
      : [`${operator}.numBytesIn`, `${operator}.source_bytes_read`];
  const found = candidates.find((id) => ids.has(id));
  if (found) return found;
  // The counter of the meter chosen on another operator of the source chain (legacy Beam sources).
  if (throughput?.cumulative) return throughput.id;
  const counter = throughput?.id.replace(/PerSecond$/, '');
  return counter !== undefined && counter !== throughput?.id && ids.has(counter) ? counter : undefined;
}

/** What to read for a source vertex, or undefined when it lists no backlog metric at all. */
export function planSourceMetrics(listed: readonly string[]): SourceMetricPlan | undefined {
  const ids = new Set(listed);
  for (const { kind, unit, pattern } of BACKLOG_PATTERNS) {
    const matching = listed.filter((id) => pattern.test(id)).sort();
    if (matching.length === 0) continue;
    const operator = operatorOf(matching[0] as string);
    const backlogIds = matching.filter((id) => operatorOf(id) === operator);
    const throughput = throughputFor(ids, operator, unit);
    return { unit, kind, backlogIds, throughput, counter: counterFor(ids, operator, unit, throughput) };
  }
  return undefined;
}

/** Builds a metrics query string: ids percent-encoded one by one, then joined by commas. */
export function metricQuery(ids: readonly string[], agg?: readonly string[]): string {
  const get = ids.map((id) => encodeURIComponent(id)).join(',');
  return agg ? `?get=${get}&agg=${agg.join(',')}` : `?get=${get}`;
}
