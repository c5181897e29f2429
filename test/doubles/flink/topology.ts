/**
 * The job's graph: a source vertex (source chained with one operator), then `middleVertices` one-operator
 * vertices in a chain, then a sink vertex, each fed by the one before over a HASH edge; with Flink's ids and the
 * REST metric ids of its operators.
 */
import { hexId, metricId, operatorPart } from './ids.js';
import type { ResolvedOptions } from './options.js';

export interface VertexTopology {
  id: string;
  /** The chained operator names joined by ` -> ` (the vertex name in /jobs/:jobid). */
  name: string;
  operators: readonly string[];
  /** The operators' names as REST metric id parts (cut to 80, filtered). */
  operatorParts: readonly string[];
}

export interface Topology {
  source: VertexTopology;
  /** The vertices between source and sink, in topological order (none by default). */
  middle: readonly VertexTopology[];
  sink: VertexTopology;
  /** Every vertex in topological order: source, the middle ones, sink (as /jobs/:jobid lists them). */
  vertices: readonly VertexTopology[];
  slotSharingGroupId: string;
  applicationId: string;
  /** Ids on /subtasks/metrics that the sidecar reads, for tests of its clients. */
  metricIds: {
    /** `<source op>.numRecordsOutPerSecond`, e.g. `Source__Kafka_Source.numRecordsOutPerSecond`. */
    sourceThroughput: string;
    /**
     * The ids of the configured backlog metric (per split for Beam, those of the first attempt when the splits
     * follow the parallelism), without `-1` filtering.
     */
    backlog: string[];
  };
}

function vertex(jobId: string, role: string, operators: string[]): VertexTopology {
  return {
    id: hexId(`${jobId}/${role}`),
    name: operators.join(' -> '),
    operators,
    operatorParts: operators.map(operatorPart),
  };
}

/**
 * The operator of middle vertex k (1-based): `Map k` and `Window(Tumbling, 60 s) k` in turn, so that some
 * names need the metric id filter.
 */
export function middleOperatorName(k: number): string {
  return k % 2 === 1 ? `Map ${k}` : `Window(Tumbling, 60 s) ${k}`;
}

export function topology(o: ResolvedOptions): Topology {
  const source = vertex(o.jobId, 'source', [o.sourceName, o.workName]);
  const middle = Array.from({ length: o.middleVertices }, (_, i) =>
    vertex(o.jobId, `middle/${i + 1}`, [middleOperatorName(i + 1)]),
  );
  const sink = vertex(o.jobId, 'sink', [o.sinkName]);
  const op = source.operatorParts[0] ?? '';
  // With splits that follow the parallelism: the ids of the first attempt.
  const initialSplits = o.splitsFollowParallelism
    ? Math.min(o.shape.initialWorkers * o.slots, o.maxParallelism)
    : o.splits;
  const splits = Array.from({ length: initialSplits }, (_, k) => k);
  const backlog: Record<ResolvedOptions['backlog'], string[]> = {
    flip33: [metricId(op, 'pendingRecords')],
    'beam-splits': splits.map((k) => splitMetricId(op, k, 'backlog_elements')),
    'beam-aggregate': [metricId(op, 'source.backlog_elements')],
    bytes: [metricId(op, 'pendingBytes')],
    none: [],
  };
  return {
    source,
    middle,
    sink,
    vertices: [source, ...middle, sink],
    slotSharingGroupId: hexId(`${o.jobId}/slot-sharing-group`),
    applicationId: hexId(`${o.jobId}/application`),
    metricIds: { sourceThroughput: metricId(op, 'numRecordsOutPerSecond'), backlog: backlog[o.backlog] },
  };
}

/**
 * Beam's per-split metric `source.splits.<k>.<name>` on an operator: one id part, so
 * `source_splits_<k>_<name>`.
 */
export function splitMetricId(operator: string, split: number, name: string): string {
  return metricId(operator, `source.splits.${split}.${name}`);
}
