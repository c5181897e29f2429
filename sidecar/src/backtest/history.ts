/**
 * A job's recorded history, read from Prometheus with range queries: records read by the source, backlog (with
 * the share of it estimated from unknown splits), busy time of the busiest source subtask, TaskManager CPU,
 * TaskManagers and the checkpoint size, each on the same steps; and which of them Prometheus had no series of.
 */
import { flinkLabelValue, promString, selector, type MetricNames } from './names.js';
import { chunksOf, type PrometheusClient, type RangeSpec } from './prometheus.js';

export interface JobRef {
  /** Namespace label value; undefined: any. */
  namespace?: string;
  /** Flink's job name, as given or as the reporter filtered it. */
  job: string;
}

export interface History {
  range: RangeSpec;
  /** Records/s read by the source over the step before each point (NaN: no series then). */
  processed: Float64Array;
  /** The counter the rate came from, or undefined when none had a series. */
  processedFrom: string | undefined;
  /** Records waiting at the source, unknown splits estimated (NaN: no series then). */
  backlog: Float64Array | undefined;
  backlogFrom: string | undefined;
  /** Per point: the share of the backlog that is an estimate (unknown splits), 0..1. */
  backlogEstimatedShare: Float64Array | undefined;
  /** Busy time of the busiest source subtask, ms/s (NaN where Flink reported NaN or nothing). */
  busy: Float64Array | undefined;
  /** Whether the source tasks had busy-time series at all (false: none; true with `busy` undefined: all NaN). */
  busySeries: boolean;
  /** Mean CPU load of the job's TaskManagers, 0..1. */
  cpu: Float64Array | undefined;
  /** TaskManagers the job ran on. */
  workers: Float64Array;
  /** Where the worker count came from. */
  workersFrom: 'jobmanager' | 'tasks' | undefined;
  /** The last checkpoint size seen, bytes. */
  stateBytes: number | undefined;
  stateFrom: string | undefined;
}

const hasData = (a: Float64Array) => a.some((v) => Number.isFinite(v));

/** The range-vector window: the step, at least 60 s (a rate needs two scrapes in it). */
export function windowOf(range: RangeSpec): string {
  return `${Math.max(60, range.step)}s`;
}

export async function readHistory(
  client: PrometheusClient,
  ref: JobRef,
  range: RangeSpec,
  names: MetricNames,
  onProgress?: (done: number) => void,
): Promise<History> {
  const w = windowOf(range);
  const ns = ref.namespace === undefined ? [] : [`${names.namespaceLabel}=${promString(ref.namespace)}`];
  const job = [...ns, `${names.jobLabel}=${promString(flinkLabelValue(ref.job))}`];
  const source = [...job, `${names.operatorLabel}=~${promString(names.sourceOperator)}`];
  const on = (label: string) => (ref.namespace === undefined ? label : `${names.namespaceLabel},${label}`);
  // an upper bound on the queries, for progress
  const total =
    chunksOf(range) *
    (names.sourceCounters.length + 3 * names.backlogGauges.length + 4 + names.checkpointSize.length);
  let done = 0;
  const tick = () => onProgress?.(Math.min(1, ++done / total));
  const q = (query: string) => client.range(query, range, tick);

  let processed: Float64Array = new Float64Array(0);
  let processedFrom: string | undefined;
  for (const name of names.sourceCounters) {
    processed = await q(`sum(rate(${selector(name, source)}[${w}]))`);
    if (hasData(processed)) {
      processedFrom = name;
      break;
    }
  }

  let backlog: Float64Array | undefined;
  let backlogEstimatedShare: Float64Array | undefined;
  let backlogFrom: string | undefined;
  for (const name of names.backlogGauges) {
    const last = `last_over_time(${selector(name, job)}[${w}])`;
    const known = await q(`sum(${last} >= 0)`);
    const knownCount = await q(`count(${last} >= 0)`);
    const unknownCount = await q(`count(${last} < 0)`);
    if (!hasData(known) && !hasData(unknownCount)) continue;
    backlogFrom = name.startsWith('~') ? name.slice(1) : name;
    backlog = new Float64Array(known.length).fill(Number.NaN);
    backlogEstimatedShare = new Float64Array(known.length);
    for (let i = 0; i < known.length; i++) {
      const k = Number.isFinite(known[i]) ? (known[i] as number) : 0;
      const kc = Number.isFinite(knownCount[i]) ? (knownCount[i] as number) : 0;
      const uc = Number.isFinite(unknownCount[i]) ? (unknownCount[i] as number) : 0;
      if (kc + uc === 0) continue;
      backlog[i] = kc > 0 ? k + (uc * k) / kc : Number.NaN;
      backlogEstimatedShare[i] = uc / (kc + uc);
    }
    break;
  }

  const task = `last_over_time(${selector(names.taskSeries, job)}[${w}])`;
  const sourceTask = names.sourceCounters
    .map((n) => `last_over_time(${selector(n, source)}[${w}])`)
    .join(' or ');
  const busy = await q(
    `max(last_over_time(${selector(names.busyTime, job)}[${w}]) >= 0 and on(${on('task_attempt_id')}) (${sourceTask}))`,
  );
  const busySeries =
    hasData(busy) ||
    hasData(
      await q(
        `count(last_over_time(${selector(names.busyTime, job)}[${w}]) and on(${on('task_attempt_id')}) (${sourceTask}))`,
      ),
    );
  const cpu = await q(
    `avg(last_over_time(${selector(names.cpuLoad, ns)}[${w}]) >= 0 and on(${on('tm_id')}) ${task})`,
  );
  let workers = await q(
    `max(last_over_time(${selector(names.registeredTaskManagers, ns)}[${w}]) and on(${on('host')}) last_over_time(${selector(names.jobSeries, job)}[${w}]))`,
  );
  let workersFrom: History['workersFrom'] = 'jobmanager';
  if (!hasData(workers)) {
    workers = await q(`count(count by (${on('tm_id')}) (${task}))`);
    workersFrom = hasData(workers) ? 'tasks' : undefined;
  }

  let stateBytes: number | undefined;
  let stateFrom: string | undefined;
  for (const name of names.checkpointSize) {
    const sizes = await q(`max(last_over_time(${selector(name, job)}[${w}]))`);
    for (let i = sizes.length - 1; i >= 0; i--) {
      if (Number.isFinite(sizes[i]) && (sizes[i] as number) > 0) {
        stateBytes = sizes[i] as number;
        stateFrom = name;
        break;
      }
    }
    if (stateBytes !== undefined) break;
  }
  onProgress?.(1);
  return {
    range,
    processed,
    processedFrom,
    backlog,
    backlogFrom,
    backlogEstimatedShare,
    busy: hasData(busy) ? busy : undefined,
    busySeries,
    cpu: hasData(cpu) ? cpu : undefined,
    workers,
    workersFrom,
    stateBytes,
    stateFrom,
  };
}
