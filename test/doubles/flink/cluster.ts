/**
 * The simulated Reactive Mode cluster in virtual time: a FluidJob, its restarts as Flink shows them, its task
 * attempts, TaskManagers and checkpoints.
 */
import { FluidJob } from '../../../sidecar/src/simulation/job.js';
import { Attempt } from './attempt.js';
import { taskManagerId } from './ids.js';
import type { ResolvedOptions } from './options.js';

/** The job states this double goes through (a rescale: RUNNING → RESTARTING → CREATED → RUNNING). */
export type SimulatedJobStatus = 'RUNNING' | 'RESTARTING' | 'CREATED';

export interface SimulatedTaskManager {
  id: string;
  /** Index k in the pod name `<cluster-id>-taskmanager-1-<k>`. */
  index: number;
  /** Virtual second it registered. */
  registeredAt: number;
  /** CPU seconds used (all cores), for `Status.JVM.CPU.Time`. */
  cpuSeconds: number;
}

export interface CompletedCheckpoint {
  id: number;
  /** Virtual second it completed. */
  at: number;
  /** Tasks acknowledging it (the subtasks of every vertex). */
  subtasks: number;
  sizeBytes: number;
  durationMs: number;
}

export class SimulatedCluster {
  readonly options: ResolvedOptions;
  readonly job: FluidJob;
  /** Virtual seconds since the start (may be fractional; the job steps once per whole second). */
  now = 0;
  numRestarts = 0;
  /** The tasks now running, or undefined while the job restarts. */
  attempt: Attempt | undefined;
  /** Parallelism of the tasks that ran last (what RESTARTING shows). */
  lastParallelism: number;
  /** Virtual second of the last restart, and of the last switch to RUNNING. */
  restartedAt: number | undefined;
  runningSince = 0;
  readonly taskManagers: SimulatedTaskManager[] = [];
  readonly checkpoints: CompletedCheckpoint[] = [];
  checkpointCount = 0;
  restoredCount = 0;
  lastRestore: { checkpointId: number; at: number } | undefined;
  /** Records processed since virtual second 0 (Kafka offsets move with it). */
  totalProcessed = 0;
  private nextTaskManager = 1;

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.job = new FluidJob(options.shape, options.costs);
    this.syncTaskManagers();
    this.attempt = this.newAttempt(0);
    this.lastParallelism = this.attempt.parallelism;
  }

  /** Vertices of the job graph: source, the middle ones and sink. */
  get vertexCount(): number {
    return 2 + this.options.middleVertices;
  }

  /** Parallelism of every vertex for n TaskManagers: all their slots, up to the max parallelism. */
  parallelismFor(n: number): number {
    return Math.min(n * this.options.slots, this.options.maxParallelism);
  }

  /** The job status the JobManager reports (without faults). */
  get status(): SimulatedJobStatus {
    if (this.job.state === 'RUNNING') return 'RUNNING';
    const since = this.now - (this.restartedAt ?? 0);
    return since < this.options.restartingSeconds ? 'RESTARTING' : 'CREATED';
  }

  /** Virtual second the job entered CREATED after its last restart, if it has. */
  get createdAt(): number | undefined {
    if (this.restartedAt === undefined) return undefined;
    const at = this.restartedAt + this.options.restartingSeconds;
    if (this.job.state === 'RUNNING') return Math.min(at, this.runningSince);
    return at <= this.now ? at : undefined;
  }

  /**
   * Parallelism shown now: the running tasks', the cancelled ones' while RESTARTING, the next ones' while
   * CREATED.
   */
  get parallelism(): number {
    if (this.attempt !== undefined) return this.attempt.parallelism;
    return this.status === 'RESTARTING' ? this.lastParallelism : this.parallelismFor(this.job.active);
  }

  /** Advances virtual time, stepping the FluidJob once per whole second. */
  advance(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`cannot advance by ${seconds} s`);
    const target = this.now + seconds;
    while (this.job.time + 1 <= target + 1e-9) this.step();
    this.now = target;
  }

  /** The operator scales the TaskManager Deployment to n replicas; Reactive Mode restarts the job on them. */
  setReplicas(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`replicas must be a positive integer, not ${n}`);
    const requested = this.job.requested;
    const active = this.job.active;
    this.job.request(n);
    // FluidJob restarts at once when shrinking (or cancelling a pending growth); growing waits for the pods.
    if (n !== requested && n <= active) this.onRestart(this.job.time);
  }

  private step(): void {
    const t = this.job.time;
    const before = { state: this.job.state, active: this.job.active };
    const surge = this.options.surges
      .filter(([at]) => at >= t && at < t + 1)
      .reduce((sum, [, r]) => sum + r, 0);
    this.job.step(Math.max(0, this.options.input(t)), surge);
    const resumed = this.job.state === 'RUNNING' && this.job.uptime === 1 && this.attempt?.start !== t;
    const restarted =
      (before.state === 'RUNNING' && (this.job.state === 'RESTARTING' || resumed)) ||
      (before.state === 'RESTARTING' && this.job.active !== before.active);
    if (restarted) this.onRestart(t);
    if (resumed) this.onResume(t);
    for (const tm of this.taskManagers) tm.cpuSeconds += this.job.cpu * this.options.cpuCores;
    if (this.job.state === 'RUNNING' && this.attempt !== undefined) {
      this.attempt.record(this.job.processed, this.job.busy);
      this.totalProcessed += this.job.processed;
      if (this.job.uptime % this.job.costs.checkpointSeconds === 0) this.completeCheckpoint(t + 1);
    }
  }

  private onRestart(t: number): void {
    this.numRestarts++;
    this.restartedAt = t;
    if (this.attempt !== undefined) this.lastParallelism = this.attempt.parallelism;
    this.attempt = undefined;
    this.syncTaskManagers();
  }

  private onResume(t: number): void {
    this.attempt = this.newAttempt(t);
    this.runningSince = t;
    this.restoredCount++;
    const latest = this.checkpoints[0];
    if (latest !== undefined) this.lastRestore = { checkpointId: latest.id, at: t };
  }

  private newAttempt(start: number): Attempt {
    const parallelism = this.parallelismFor(this.job.active);
    const splits = this.options.splitsFollowParallelism ? parallelism : this.options.splits;
    return new Attempt(start, parallelism, splits, this.options.shape.skew);
  }

  /**
   * Registered TaskManagers follow the pods the job runs on: new pods get the next index, the newest leave
   * first.
   */
  private syncTaskManagers(): void {
    while (this.taskManagers.length > this.job.active) this.taskManagers.pop();
    while (this.taskManagers.length < this.job.active) {
      const index = this.nextTaskManager++;
      const id = taskManagerId(this.options.clusterId, index);
      this.taskManagers.push({ id, index, registeredAt: this.job.time, cpuSeconds: 0 });
    }
  }

  private completeCheckpoint(at: number): void {
    const id = ++this.checkpointCount;
    const subtasks = this.vertexCount * (this.attempt?.parallelism ?? 0);
    const sizeBytes = Math.round(this.options.shape.stateMb * 1024 * 1024);
    this.checkpoints.unshift({ id, at, subtasks, sizeBytes, durationMs: 100 + (id % 7) * 10 });
    if (this.checkpoints.length > 10) this.checkpoints.pop();
  }

  /** Epoch ms of a virtual second. */
  epochMs(t: number): number {
    return Math.round(this.options.startEpochMs + t * 1000);
  }
}
