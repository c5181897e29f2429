/**
 * The collection stage: one cycle against the JobManager's REST API gives the job's state and either a
 * trusted sample (workers, CPU, and per source its throughput, cumulative count and backlog) or the reason
 * the cycle's data was dropped. It never guesses: missing, stale, NaN, incomplete or inconsistent data is
 * dropped and counted. The one estimate it makes, unknown (-1) Beam splits as the mean of the known ones, is
 * flagged with its share and bounded by maxUnknownSplitShare.
 *
 * Metric ids are re-resolved (listed again) whenever the job's topology or parallelism changes (a new job id,
 * a vertex's parallelism or subtask count, the TaskManager count) and whenever an answer lacks ids: after a
 * rescale the old subtasks' ids still answer, so a cached list stays valid but incomplete (notes §2.3).
 *
 * Each source's partition count (option P's bound) comes with the sample: a Kafka source's from its readers'
 * per-partition offset gauges (partition-listing.ts), listed again with the ids; no count from a listing that
 * could be short, and the reason why in `partitions`.
 */
import type { Sample, SourceSample } from '@flink-autoscaler/shared';
import { fetchIntervalMs } from './flink-duration.js';
import { FlinkError, type FlinkHttp } from './http.js';
import { pendingShort, reportersOf } from './pending-records.js';
import { isPerSplit, metricQuery, planSourceMetrics, type SourceMetricPlan } from './metric-ids.js';
import { PartitionLister, sourcePartitions, type SourcePartitions } from './partition-listing.js';
import { expectedSplits, splitBacklog, type SplitCount } from './split-backlog.js';
import { figuresText, staleBecause, type Figures } from './staleness.js';
import { readTopology, type Topology } from './topology.js';
import {
  aggregatedSchema,
  configSchema,
  jobDetailsSchema,
  jobsOverviewSchema,
  metricListSchema,
  overviewSchema,
  type Aggregated,
  type JobDetails,
} from './wire.js';

export type DropReason =
  | 'flink-unreachable'
  | 'flink-timeout'
  | 'flink-http-error'
  | 'flink-garbage'
  | 'no-job'
  | 'restarting-metrics-not-yet-listed'
  | 'no-backlog-metric'
  | 'no-throughput-metric'
  | 'metrics-missing'
  | 'splits-incomplete'
  | 'backlog-unknown'
  | 'unknown-share-too-high'
  | 'not-a-number'
  | 'negative'
  | 'inconsistent'
  | 'warming-up'
  | 'stale';

export interface Collected {
  time: number;
  /** Flink's job state, or undefined when no job could be read. */
  jobState: string | undefined;
  topology?: Topology;
  /** A sample to trust, when the job RUNS and every figure passed the checks. */
  sample?: Sample;
  /** With a sample: each source's partition count (option P's bound) or why it has none this cycle. */
  partitions?: SourcePartitions[];
  /** Why this cycle's data was dropped (absent when the job simply is not RUNNING). */
  dropped?: {
    reason: DropReason;
    message: string;
    /** For drops of a per-split source (splits-incomplete, unknown-share-too-high): its splits. */
    splits?: SplitCount & { source: string };
  };
}

export interface CollectorOptions {
  /** Largest share of a source's splits that may report -1 in a trusted sample (default 0.5). */
  maxUnknownSplitShare?: number;
}

/** The policy's default of maxUnknownSplitShare (shared/src/config/options.ts). */
export const DEFAULT_MAX_UNKNOWN_SPLIT_SHARE = 0.5;

const TERMINAL = new Set(['FINISHED', 'CANCELED', 'FAILED']);
const FAILURE_REASON: Record<FlinkError['failure'], DropReason> = {
  unreachable: 'flink-unreachable',
  timeout: 'flink-timeout',
  'http-error': 'flink-http-error',
  'not-json': 'flink-garbage',
  'unexpected-shape': 'flink-garbage',
};

/**
 * How long after the job (re)starts running, with no trusted sample yet, a `[]` from Flink's metric store
 * means "not yet listed": at least a minute, or three refreshes of the store.
 */
const RESTART_WINDOW_MIN_MS = 60_000;

class Drop extends Error {
  readonly reason: DropReason;
  readonly splits: (SplitCount & { source: string }) | undefined;
  constructor(reason: DropReason, message: string, splits?: SplitCount & { source: string }) {
    super(message);
    this.reason = reason;
    this.splits = splits;
  }
}

/** Sum of an aggregate, refusing NaN, Infinity and (unless allowed) negatives. */
function finite(row: Aggregated[number] | undefined, id: string, field: 'sum' | 'avg'): number {
  const value = row?.[field];
  if (value === undefined) throw new Drop('metrics-missing', `${id} has no ${field}`);
  if (!Number.isFinite(value)) throw new Drop('not-a-number', `${id} is ${value}`);
  if (value < 0) throw new Drop('negative', `${id} is ${value}`);
  return value;
}

/** Subtasks of a vertex by its `tasks` map (state → count), else its parallelism. */
function subtaskCount(vertex: JobDetails['vertices'][number]): number {
  const tasks: unknown = (vertex as Record<string, unknown>)['tasks'];
  if (tasks === null || typeof tasks !== 'object') return vertex.parallelism;
  return Object.values(tasks).reduce<number>((n, v) => n + (typeof v === 'number' ? v : 0), 0);
}

/**
 * When the job's current run began, by Flink (epoch ms): the latest start of a source vertex's tasks (their
 * counters and meters begin there), else when the job last entered RUNNING. Undefined when Flink says neither.
 */
export function runningSinceOf(job: JobDetails, sourceIds: readonly string[]): number | undefined {
  const positive = (v: unknown): number | undefined =>
    typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
  const starts = job.vertices
    .filter((v) => sourceIds.includes(v.id))
    .map((v) => positive((v as Record<string, unknown>)['start-time']))
    .filter((v): v is number => v !== undefined);
  if (starts.length > 0) return Math.max(...starts);
  const timestamps: unknown = (job as Record<string, unknown>)['timestamps'];
  if (timestamps === null || typeof timestamps !== 'object') return undefined;
  return positive((timestamps as Record<string, unknown>)['RUNNING']);
}

/** A source's metric plan as resolved from one listing, and the split gauges it must find. */
interface Resolved {
  plan: SourceMetricPlan;
  /** Per-split kinds: split gauges wanted (at least as many as listed since the last re-resolution). */
  expected: number;
}

/** One source's reading before the cycle's checks are done. */
interface SourceReading {
  sample: SourceSample;
  rows: Aggregated;
  /**
   * FLIP-33 kinds: how many subtasks Flink's aggregate summed pendingRecords over (sum / avg; undefined when
   * every one reports 0, and so cannot be counted).
   */
  pending?: { reporters: number | undefined };
}

export class FlinkCollector {
  private readonly http: Pick<FlinkHttp, 'get'>;
  private readonly clock: () => number;
  private readonly options: CollectorOptions;
  private config: { jobId: string; entries: { key: string; value: string }[] } | undefined;
  /**
   * The metric ids resolved for the job as it is: the key names what they were resolved for (job id, each
   * vertex's parallelism and subtask count, TaskManager count); a new key lists every source again.
   */
  private resolution:
    { key: string; plans: Map<string, Resolved>; expected: Map<string, number> } | undefined;
  private readonly counts = new Map<string, { time: number; value: number; attempt: string }>();
  /** Kafka partition counts, listed per subtask (partition-listing.ts). */
  private readonly partitionLister: PartitionLister;
  /** Whether the TaskManagers list Status.JVM.CPU.Time; undefined: list them again this cycle. */
  private cpuTimeListed: boolean | undefined;
  private lastCpuTime: number | undefined;
  private lastFigures: Figures | undefined;
  /** The run of the job's tasks being sampled (job id and parallelisms), since when, and whether trusted yet. */
  private run: { attempt: string; since: number; trusted: boolean } | undefined;
  /** Cycles dropped, by reason. */
  readonly drops = new Map<DropReason, number>();

  constructor(http: Pick<FlinkHttp, 'get'>, clock: () => number, options: CollectorOptions = {}) {
    this.http = http;
    this.clock = clock;
    this.options = options;
    this.partitionLister = new PartitionLister(http);
  }

  /** One cycle; `options` (the job's current policy) win over the constructor's. */
  async collect(options: CollectorOptions = {}): Promise<Collected> {
    const time = this.clock();
    const maxUnknownSplitShare =
      options.maxUnknownSplitShare ?? this.options.maxUnknownSplitShare ?? DEFAULT_MAX_UNKNOWN_SPLIT_SHARE;
    let jobState: string | undefined;
    let topology: Topology | undefined;
    try {
      const jobs = await this.http.get('/jobs/overview', jobsOverviewSchema);
      const live = jobs.jobs
        .filter((j) => !TERMINAL.has(j.state))
        .sort((a, b) => b['start-time'] - a['start-time']);
      const current = live[0];
      if (!current) {
        // Flink answered: no job runs. That is a job state (the latest job's end, or none at all), never data
        // missing: the window must not outlive the job.
        const ended = [...jobs.jobs].sort((a, b) => b['start-time'] - a['start-time'])[0];
        jobState = ended?.state ?? 'NO_JOB';
        throw new Drop('no-job', 'the JobManager runs no job');
      }
      const job = await this.http.get(`/jobs/${current.jid}`, jobDetailsSchema);
      jobState = job.state;
      topology = readTopology(job, await this.configFor(job.jid));
      if (job.state !== 'RUNNING') {
        this.run = undefined;
        return { time, jobState, topology };
      }
      const { sample, partitions } = await this.sample(time, job, topology, maxUnknownSplitShare);
      if (this.run) this.run.trusted = true;
      return { time, jobState, topology, sample, partitions };
    } catch (error) {
      const drop =
        error instanceof Drop
          ? error
          : error instanceof FlinkError
            ? new Drop(FAILURE_REASON[error.failure], error.message)
            : undefined;
      if (!drop) throw error;
      this.drops.set(drop.reason, (this.drops.get(drop.reason) ?? 0) + 1);
      const dropped: NonNullable<Collected['dropped']> = { reason: drop.reason, message: drop.message };
      if (drop.splits) dropped.splits = drop.splits;
      const out: Collected = { time, jobState, dropped };
      if (topology) out.topology = topology;
      return out;
    }
  }

  private async configFor(jobId: string): Promise<{ key: string; value: string }[]> {
    if (this.config?.jobId !== jobId) {
      this.config = { jobId, entries: await this.http.get('/jobmanager/config', configSchema) };
      this.resolution = undefined;
    }
    return this.config.entries;
  }

  private get fetchIntervalMs(): number {
    return fetchIntervalMs(this.config?.entries ?? []);
  }

  /**
   * Whether the job's tasks (re)started so recently, with no trusted sample since, that Flink's metric store
   * may not list their metrics yet.
   */
  private restarting(time: number): boolean {
    const window = Math.max(RESTART_WINDOW_MIN_MS, 3 * this.fetchIntervalMs);
    return this.run !== undefined && !this.run.trusted && time - this.run.since < window;
  }

  /** The drop for a `[]` from Flink's metric store: not yet listed after a restart, or missing. */
  private emptyAnswer(time: number, what: string): Drop {
    if (this.restarting(time)) {
      const seconds = Math.round((time - (this.run?.since ?? time)) / 1000);
      return new Drop(
        'restarting-metrics-not-yet-listed',
        `${what}: the job (re)started running (first seen running ${seconds} s ago) and Flink's metric store ` +
          "has not listed its tasks' metrics yet (it refreshes every metrics.fetcher.update-interval); the " +
          'next cycle asks again',
      );
    }
    return new Drop('metrics-missing', `${what}: Flink's metric store has no value for it`);
  }

  private async sample(
    time: number,
    job: JobDetails,
    topology: Topology,
    maxUnknownSplitShare: number,
  ): Promise<{ sample: Sample; partitions: SourcePartitions[] }> {
    const attempt = `${job.jid}/${job.vertices.map((v) => v.parallelism).join(',')}`;
    if (this.run?.attempt !== attempt) this.run = { attempt, since: time, trusted: false };
    const overview = await this.http.get('/overview', overviewSchema);
    const workers = overview.taskmanagers;
    if (topology.sources.length === 0) throw new Drop('inconsistent', 'the job plan has no source vertex');
    for (const vertex of job.vertices) {
      if (vertex.status !== 'RUNNING')
        throw new Drop('inconsistent', `vertex ${vertex.id} is ${vertex.status}`);
      if (topology.reactive) {
        const slots = workers * topology.slotsPerWorker;
        const expected = Math.min(vertex.maxParallelism ?? slots, slots);
        if (vertex.parallelism !== expected) {
          throw new Drop(
            'inconsistent',
            `vertex ${vertex.id} runs at parallelism ${vertex.parallelism} but ${workers} TaskManagers give ${expected}: a rescale is under way`,
          );
        }
      }
    }
    const key = [
      job.jid,
      ...job.vertices.map((v) => `${v.id}:${v.parallelism}:${subtaskCount(v)}`),
      `tm:${workers}`,
    ].join('/');
    if (this.resolution?.key !== key) {
      this.resolution = { key, plans: new Map(), expected: new Map() };
      this.cpuTimeListed = undefined;
      this.partitionLister.reset(job.jid);
    }
    const readings: SourceReading[] = [];
    const partitions: SourcePartitions[] = [];
    for (const source of topology.sources) {
      const reading = await this.sourceSample(time, job.jid, source.id, attempt, maxUnknownSplitShare);
      // A Kafka source's partitions from its offset gauges, else Beam's splits when fewer than the subtasks.
      const kafka = await this.partitionLister.read(
        time,
        job.jid,
        source.id,
        source.parallelism,
        this.fetchIntervalMs,
      );
      const short =
        reading.pending && kafka && pendingShort(source.id, reading.pending, kafka, source.parallelism);
      if (short) throw new Drop('splits-incomplete', short);

      const counted = sourcePartitions(source.id, source.parallelism, kafka, reading.sample.partitions);
      if (counted.partitions === null) delete reading.sample.partitions;
      else reading.sample.partitions = counted.partitions;
      partitions.push(counted);
      readings.push(reading);
    }
    const cpu = await this.cpu(time);
    const figures: Figures = {
      time,
      text: figuresText([...readings.map((r) => r.rows), cpu.rows]),
      reading: readings.some((r) => r.sample.rate > 0 && r.sample.count !== undefined),
    };
    const stale = staleBecause(this.lastFigures, figures, this.fetchIntervalMs);
    this.lastFigures = figures;
    if (stale) throw new Drop('stale', stale);
    const sample: Sample = { time, workers, cpu: cpu.load, sources: readings.map((r) => r.sample) };
    const runningSince = runningSinceOf(
      job,
      topology.sources.map((s) => s.id),
    );
    if (runningSince !== undefined) sample.runningSince = runningSince;
    return { sample, partitions };
  }

  /**
   * Mean TaskManager CPU load. Staleness is judged on the cumulative CPU time too: it grows with every
   * refresh of Flink's metric store, so an unchanged value means the store was not refreshed. Whether the
   * TaskManagers have it is listed again on every re-resolution and after every `[]`, never settled by one
   * empty listing.
   */
  private async cpu(time: number): Promise<{ load: number; rows: Aggregated }> {
    if (this.cpuTimeListed === undefined) {
      const listed = await this.http.get('/taskmanagers/metrics', metricListSchema);
      // [] says only that the store has nothing yet (a JobManager just started): list again next cycle.
      if (listed.length > 0) this.cpuTimeListed = listed.some((m) => m.id === 'Status.JVM.CPU.Time');
    }
    const withTime = this.cpuTimeListed === true;
    const ids = withTime ? ['Status.JVM.CPU.Load', 'Status.JVM.CPU.Time'] : ['Status.JVM.CPU.Load'];
    const rows = await this.http.get(
      `/taskmanagers/metrics${metricQuery(ids, ['avg', 'sum'])}`,
      aggregatedSchema,
    );
    if (rows.length === 0) {
      this.cpuTimeListed = undefined;
      throw this.emptyAnswer(time, `the TaskManagers' ${ids.join(', ')}`);
    }
    const load = finite(
      rows.find((r) => r.id === 'Status.JVM.CPU.Load'),
      'Status.JVM.CPU.Load',
      'avg',
    );
    if (load > 1.0001) throw new Drop('inconsistent', `Status.JVM.CPU.Load is ${load}, above 1`);
    if (withTime) {
      const cpuTime = finite(
        rows.find((r) => r.id === 'Status.JVM.CPU.Time'),
        'Status.JVM.CPU.Time',
        'sum',
      );
      const last = this.lastCpuTime;
      this.lastCpuTime = cpuTime;
      if (last !== undefined && cpuTime === last) {
        throw new Drop(
          'stale',
          'Status.JVM.CPU.Time has not moved since the last cycle: the metrics were not refreshed',
        );
      }
    }
    return { load, rows };
  }

  /** Lists a source vertex's metric ids and chooses what to read. */
  private async resolve(time: number, jobId: string, vertexId: string): Promise<Resolved> {
    const resolution = this.resolution as NonNullable<FlinkCollector['resolution']>;
    resolution.plans.delete(vertexId);
    const listed = await this.http.get(
      `/jobs/${jobId}/vertices/${vertexId}/subtasks/metrics`,
      metricListSchema,
    );
    if (listed.length === 0) throw this.emptyAnswer(time, `source vertex ${vertexId} lists no metric`);
    const plan = planSourceMetrics(listed.map((m) => m.id));
    if (!plan) throw new Drop('no-backlog-metric', `source vertex ${vertexId} reports no backlog metric`);
    if (!plan.throughput)
      throw new Drop('no-throughput-metric', `source vertex ${vertexId} reports no throughput metric`);
    // Splits listed since the last re-resolution stay wanted: a listing that lacks one is incomplete.
    const listedSplits = isPerSplit(plan.kind) ? expectedSplits(plan.backlogIds) : plan.backlogIds.length;
    const expected = Math.max(listedSplits, resolution.expected.get(vertexId) ?? 0);
    resolution.expected.set(vertexId, expected);
    const resolved = { plan, expected };
    resolution.plans.set(vertexId, resolved);
    return resolved;
  }

  private async sourceSample(
    time: number,
    jobId: string,
    vertexId: string,
    attempt: string,
    maxUnknownSplitShare: number,
  ): Promise<SourceReading> {
    const resolution = this.resolution as NonNullable<FlinkCollector['resolution']>;
    let resolved = resolution.plans.get(vertexId);
    let listedNow = false;
    if (!resolved) {
      resolved = await this.resolve(time, jobId, vertexId);
      listedNow = true;
    }
    const query = (plan: SourceMetricPlan) => {
      const ids = [...new Set([...plan.backlogIds, plan.throughput?.id as string, plan.counter ?? ''])];
      return this.http.get(
        `/jobs/${jobId}/vertices/${vertexId}/subtasks/metrics${metricQuery(
          ids.filter((id) => id !== ''),
          // avg: with sum, how many subtasks reported (Flink's aggregate skips those that list none)
          ['min', 'sum', 'avg'],
        )}`,
        aggregatedSchema,
      );
    };
    let rows = await query(resolved.plan);
    if (rows.length === 0 && !listedNow) {
      // Flink answers [] when any id asked for is gone (a restart, a split moved): list again and ask for
      // what is there, so that what is missing is named.
      resolved = await this.resolve(time, jobId, vertexId);
      rows = await query(resolved.plan);
    }
    if (rows.length === 0) {
      resolution.plans.delete(vertexId);
      throw this.emptyAnswer(time, `source vertex ${vertexId}: no value for its listed metrics`);
    }
    try {
      const sample = this.read(time, vertexId, attempt, resolved, rows, maxUnknownSplitShare);
      const kind = resolved.plan.kind;
      if (kind !== 'flip33-pending-records' && kind !== 'flip33-pending-bytes') return { sample, rows };
      return { sample, rows, pending: { reporters: reportersOf(rows, resolved.plan.backlogIds) } };
    } catch (error) {
      // An answer that lacks ids, or a split list found short: list again next cycle.
      if (
        error instanceof Drop &&
        (error.reason === 'metrics-missing' || error.reason === 'splits-incomplete')
      )
        resolution.plans.delete(vertexId);
      throw error;
    }
  }

  private read(
    time: number,
    vertexId: string,
    attempt: string,
    resolved: Resolved,
    rows: Aggregated,
    maxUnknownSplitShare: number,
  ): SourceSample {
    const { plan, expected } = resolved;
    const byId = new Map(rows.map((r) => [r.id, r]));
    const sample: SourceSample = { id: vertexId, unit: plan.unit, rate: 0, backlog: 0 };
    if (isPerSplit(plan.kind)) {
      const result = splitBacklog(plan.backlogIds, byId, expected, maxUnknownSplitShare);
      if (!result.ok) {
        throw new Drop(result.reason, `source vertex ${vertexId}: ${result.message}`, {
          source: vertexId,
          ...result.splits,
        });
      }
      sample.backlog = result.backlog;
      sample.splits = result.splits;
      // Each split reads at least one partition: subtasks past the splits read nothing (policy option P). The
      // caller keeps this only when the splits are fewer than the subtasks (partition-listing.ts).
      sample.partitions = result.splits.expected;
      sample.estimatedShare = result.estimatedShare;
    } else {
      let known = 0;
      for (const id of plan.backlogIds) {
        const row = byId.get(id);
        // A negative minimum: some subtask reports -1 (unknown), which poisons the sum.
        if (row?.min !== undefined && Number.isFinite(row.min) && row.min < 0) continue;
        sample.backlog += finite(row, id, 'sum');
        known++;
      }
      if (known === 0)
        throw new Drop('backlog-unknown', `source vertex ${vertexId}: its backlog gauge says unknown (-1)`);
    }
    const throughputId = plan.throughput?.id as string;
    const value = finite(byId.get(throughputId), throughputId, 'sum');
    if (plan.counter !== undefined) sample.count = finite(byId.get(plan.counter), plan.counter, 'sum');
    sample.rate = plan.throughput?.cumulative
      ? this.rateOf(`${vertexId}/${throughputId}`, time, value, attempt)
      : value;
    return sample;
  }

  /** The per-second rate of a cumulative count between this cycle and the last one of the same attempt. */
  private rateOf(key: string, time: number, value: number, attempt: string): number {
    const last = this.counts.get(key);
    this.counts.set(key, { time, value, attempt });
    if (!last || last.attempt !== attempt || time <= last.time) {
      throw new Drop('warming-up', `${key}: a count needs two cycles of the same job attempt to give a rate`);
    }
    if (value < last.value)
      throw new Drop('inconsistent', `${key}: the count went down (${last.value} → ${value})`);
    return (value - last.value) / ((time - last.time) / 1000);
  }
}
