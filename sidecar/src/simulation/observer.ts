/**
 * What a sidecar (or a peer autoscaler) sees of the simulated job, as Flink shows it: per-second rates
 * averaged over the last 60 s by Flink's meters (which restart from zero with the tasks and refill for a
 * minute), the source's cumulative record counter (exact, back to zero at every restart), metrics the REST
 * API refreshes at most every 10 s, and noise on the meters, the backlog and CPU.
 */
import type { FluidJob, JobState } from './job.js';
import type { Noise } from './random.js';

/** One view of the job through Flink's REST API. */
export interface View {
  /** Seconds since the start of the trace. */
  time: number;
  jobState: JobState;
  /** TaskManagers registered with the running job. */
  workers: number;
  /** Workers the deployment asks for (spec.taskManager.replicas). */
  requested: number;
  /** Source records/s (numRecordsOutPerSecond, a 60 s meter). */
  throughput: number;
  /** Source records since its tasks started (numRecordsOut, a counter: exact, zero after a restart). */
  count: number;
  /** Records waiting at the source (pendingRecords). */
  backlog: number;
  /** Mean TaskManager CPU load (Status.JVM.CPU.Load). */
  cpu: number;
  /** Busy share of the busiest source subtask (busyTimeMsPerSecond / 1000, 60 s meter). */
  busy: number;
  /**
   * Consumer lag as Kafka sees it: the backlog plus what was read since the last committed checkpoint, at the
   * simulation's own checkpoint phase (the job's checkpoints fall every 10 s from its start).
   */
  committedLag: number;
  /** Records waiting in Kafka beyond the reader's position (exact: Kafka's offsets, not a Flink metric). */
  sourceBacklog: number;
  /** Records the source read in the last second: how fast the reader's position advances. */
  readRate: number;
  /** Seconds between checkpoints: Flink commits the offsets when one completes. */
  checkpointSeconds: number;
}

export const METER_SECONDS = 60;
export const REFRESH_SECONDS = 10;

export interface ObserverOptions {
  /** Relative noise on rates and backlog (±). */
  rateNoise: number;
  /** Absolute noise on CPU (±). */
  cpuNoise: number;
}

export const DEFAULT_OBSERVER: ObserverOptions = { rateNoise: 0.02, cpuNoise: 0.02 };

export class Observer {
  private readonly noise: Noise;
  private readonly options: ObserverOptions;
  private readonly processed: number[] = new Array<number>(METER_SECONDS).fill(0);
  private readonly busy: number[] = new Array<number>(METER_SECONDS).fill(0);
  private cursor = 0;
  private lastRefresh = Number.NEGATIVE_INFINITY;
  private cached: View | undefined;
  private sinceCheckpoint = 0;

  constructor(noise: Noise, options: ObserverOptions = DEFAULT_OBSERVER) {
    this.noise = noise;
    this.options = options;
  }

  /** Records the second the job just stepped through. */
  record(job: FluidJob): void {
    if (job.state !== 'RUNNING') {
      // New tasks start new meters: their 60 s history begins at zero.
      this.processed.fill(0);
      this.busy.fill(0);
      this.sinceCheckpoint = 0;
      return;
    }
    this.processed[this.cursor] = job.processed;
    this.busy[this.cursor] = job.busy;
    this.cursor = (this.cursor + 1) % METER_SECONDS;
    this.sinceCheckpoint = (job.uptime % job.costs.checkpointSeconds) * job.processed;
  }

  /** The view at the job's current time: refreshed at most every 10 s, as the REST API's metric fetcher. */
  view(job: FluidJob): View {
    const stale = job.time - this.lastRefresh >= REFRESH_SECONDS;
    if (!this.cached || stale || this.cached.jobState !== job.state) {
      const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
      const { rateNoise, cpuNoise } = this.options;
      this.cached = {
        time: job.time,
        jobState: job.state,
        workers: job.active,
        requested: job.requested,
        throughput: Math.max(0, this.noise.jitter(sum(this.processed) / METER_SECONDS, rateNoise)),
        count: job.count,
        backlog: Math.max(0, this.noise.jitter(job.backlog, rateNoise)),
        cpu: Math.min(1, Math.max(0, job.cpu + cpuNoise * (2 * this.noise.next() - 1))),
        busy: Math.min(1, sum(this.busy) / METER_SECONDS),
        committedLag: job.backlog + this.sinceCheckpoint,
        sourceBacklog: job.backlog,
        readRate: job.state === 'RUNNING' ? job.processed : 0,
        checkpointSeconds: job.costs.checkpointSeconds,
      };
      this.lastRefresh = job.time;
    }
    return { ...this.cached, time: job.time, requested: job.requested };
  }
}
