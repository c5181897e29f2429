/**
 * The collection stage: one cycle against the JobManager's REST API gives the job's state and either a
 * trusted sample (workers, CPU, and per source its throughput and backlog) or the reason the cycle's data
 * was dropped. It never guesses: missing, stale, NaN or inconsistent data is dropped and counted.
 */
import type { Sample, SourceSample } from '@flink-autoscaler/shared';
import { FlinkError, type FlinkHttp } from './http.js';
import { metricQuery, planSourceMetrics, type SourceMetricPlan } from './metric-ids.js';
import { readTopology, type Topology } from './topology.js';
import {
  aggregatedSchema,
  configSchema,
  jobDetailsSchema,
  jobsOverviewSchema,
  metricListSchema,
  overviewSchema,
  type Aggregated,
} from './wire.js';

export type DropReason =
  | 'flink-unreachable'
  | 'flink-timeout'
  | 'flink-http-error'
  | 'flink-garbage'
  | 'no-job'
  | 'no-backlog-metric'
  | 'no-throughput-metric'
  | 'metrics-missing'
  | 'backlog-unknown'
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
  /** Why this cycle's data was dropped (absent when the job simply is not RUNNING). */
  dropped?: { reason: DropReason; message: string };
}

const TERMINAL = new Set(['FINISHED', 'CANCELED', 'FAILED']);
const FAILURE_REASON: Record<FlinkError['failure'], DropReason> = {
  unreachable: 'flink-unreachable',
  timeout: 'flink-timeout',
  'http-error': 'flink-http-error',
  'not-json': 'flink-garbage',
  'unexpected-shape': 'flink-garbage',
};

class Drop extends Error {
  readonly reason: DropReason;
  constructor(reason: DropReason, message: string) {
    super(message);
    this.reason = reason;
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

export class FlinkCollector {
  private readonly http: FlinkHttp;
  private readonly clock: () => number;
  private config: { jobId: string; entries: { key: string; value: string }[] } | undefined;
  private readonly plans = new Map<string, SourceMetricPlan>();
  private readonly counts = new Map<string, { time: number; value: number; attempt: string }>();
  private hasCpuTime: boolean | undefined;
  private lastCpuTime: number | undefined;
  /** Cycles dropped, by reason. */
  readonly drops = new Map<DropReason, number>();

  constructor(http: FlinkHttp, clock: () => number) {
    this.http = http;
    this.clock = clock;
  }

  async collect(): Promise<Collected> {
    const time = this.clock();
    let jobState: string | undefined;
    let topology: Topology | undefined;
    try {
      const jobs = await this.http.get('/jobs/overview', jobsOverviewSchema);
      const live = jobs.jobs
        .filter((j) => !TERMINAL.has(j.state))
        .sort((a, b) => b['start-time'] - a['start-time']);
      const current = live[0];
      if (!current) throw new Drop('no-job', 'the JobManager runs no job');
      const job = await this.http.get(`/jobs/${current.jid}`, jobDetailsSchema);
      jobState = job.state;
      topology = readTopology(job, await this.configFor(job.jid));
      if (job.state !== 'RUNNING') return { time, jobState, topology };
      const sample = await this.sample(time, job, topology);
      return { time, jobState, topology, sample };
    } catch (error) {
      const drop =
        error instanceof Drop
          ? error
          : error instanceof FlinkError
            ? new Drop(FAILURE_REASON[error.failure], error.message)
            : undefined;
      if (!drop) throw error;
      this.drops.set(drop.reason, (this.drops.get(drop.reason) ?? 0) + 1);
      const out: Collected = { time, jobState, dropped: { reason: drop.reason, message: drop.message } };
      if (topology) out.topology = topology;
      return out;
    }
  }

  private async configFor(jobId: string): Promise<{ key: string; value: string }[]> {
    if (this.config?.jobId !== jobId) {
      this.config = { jobId, entries: await this.http.get('/jobmanager/config', configSchema) };
      this.plans.clear();
    }
    return this.config.entries;
  }

  private async sample(
    time: number,
    job: {
      jid: string;
      vertices: { id: string; parallelism: number; maxParallelism?: number | undefined; status: string }[];
    },
    topology: Topology,
  ): Promise<Sample> {
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
    const attempt = `${job.jid}/${job.vertices.map((v) => v.parallelism).join(',')}`;
    const sources: SourceSample[] = [];
    for (const source of topology.sources)
      sources.push(await this.sourceSample(time, job.jid, source.id, attempt));
    const cpu = await this.cpu();
    const sample: Sample = { time, workers, cpu, sources };
    return sample;
  }

  /**
   * Mean TaskManager CPU load. Staleness is judged on the cumulative CPU time: it grows with every refresh
   * of Flink's metric store, so an unchanged value means the store was not refreshed. Equal figures alone
   * prove nothing: a steady or idle job repeats them.
   */
  private async cpu(): Promise<number> {
    this.hasCpuTime ??= (await this.http.get('/taskmanagers/metrics', metricListSchema)).some(
      (m) => m.id === 'Status.JVM.CPU.Time',
    );
    const ids = this.hasCpuTime ? ['Status.JVM.CPU.Load', 'Status.JVM.CPU.Time'] : ['Status.JVM.CPU.Load'];
    const rows = await this.http.get(
      `/taskmanagers/metrics${metricQuery(ids, ['avg', 'sum'])}`,
      aggregatedSchema,
    );
    if (rows.length === 0) {
      this.hasCpuTime = undefined;
      throw new Drop('metrics-missing', `Flink has no value for one of ${ids.join(', ')}`);
    }
    const cpu = finite(
      rows.find((r) => r.id === 'Status.JVM.CPU.Load'),
      'Status.JVM.CPU.Load',
      'avg',
    );
    if (cpu > 1.0001) throw new Drop('inconsistent', `Status.JVM.CPU.Load is ${cpu}, above 1`);
    if (this.hasCpuTime) {
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
    return cpu;
  }

  private async planFor(jobId: string, vertexId: string): Promise<SourceMetricPlan> {
    const cached = this.plans.get(vertexId);
    if (cached) return cached;
    const listed = await this.http.get(
      `/jobs/${jobId}/vertices/${vertexId}/subtasks/metrics`,
      metricListSchema,
    );
    const plan = planSourceMetrics(listed.map((m) => m.id));
    if (!plan) throw new Drop('no-backlog-metric', `source vertex ${vertexId} reports no backlog metric`);
    if (!plan.throughput)
      throw new Drop('no-throughput-metric', `source vertex ${vertexId} reports no throughput metric`);
    this.plans.set(vertexId, plan);
    return plan;
  }

  private async sourceSample(
    time: number,
    jobId: string,
    vertexId: string,
    attempt: string,
  ): Promise<SourceSample> {
    const plan = await this.planFor(jobId, vertexId);
    const throughputId = plan.throughput?.id as string;
    const ids = [...plan.backlogIds, throughputId];
    const rows = await this.http.get(
      `/jobs/${jobId}/vertices/${vertexId}/subtasks/metrics${metricQuery(ids, ['min', 'sum'])}`,
      aggregatedSchema,
    );
    if (rows.length === 0) {
      // Flink answers [] when any id is gone (a restart, a connector that registers lazily): list again.
      this.plans.delete(vertexId);
      throw new Drop(
        'metrics-missing',
        `source vertex ${vertexId}: Flink has no value for one of ${ids.join(', ')}`,
      );
    }
    const byId = new Map(rows.map((r) => [r.id, r]));
    let backlog = 0;
    let known = 0;
    for (const id of plan.backlogIds) {
      const row = byId.get(id);
      // Beam reports -1 for a split whose backlog it does not know: leave that split out.
      if (row?.min !== undefined && Number.isFinite(row.min) && row.min < 0) continue;
      backlog += finite(row, id, 'sum');
      known++;
    }
    if (known === 0)
      throw new Drop('backlog-unknown', `source vertex ${vertexId}: every backlog gauge says unknown (-1)`);
    const value = finite(byId.get(throughputId), throughputId, 'sum');
    const rate = plan.throughput?.cumulative
      ? this.rateOf(`${vertexId}/${throughputId}`, time, value, attempt)
      : value;
    return { id: vertexId, unit: plan.unit, rate, backlog };
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
