/**
 * A fluid model of a Flink job in Reactive Mode, one second at a time: capacity from workers (source
 * partitions, efficiency loss, skew), a backlog that grows by input minus what is processed, CPU, and the
 * cost of a rescale (TaskManagers starting, downtime while the job restores its last checkpoint, and the
 * records since that checkpoint read again).
 */
import type { JobShape } from './trace.js';

export interface RestartCosts {
  /** Seconds between checkpoints (the seed's jobs use 10 s). */
  checkpointSeconds: number;
  /** Fixed part of a restart: cancel, schedule, deploy tasks. */
  restartBaseSeconds: number;
  /** Restore speed: restore time = stateMb / this. */
  restoreMbPerSecond: number;
  /** New TaskManager pods take this long to start and register before the job restarts on them. */
  taskManagerStartSeconds: number;
}

export const DEFAULT_RESTART_COSTS: RestartCosts = {
  checkpointSeconds: 10,
  restartBaseSeconds: 10,
  restoreMbPerSecond: 100,
  taskManagerStartSeconds: 30,
};

/** CPU load of a TaskManager that processes nothing (JVM, timers, network). */
export const IDLE_CPU = 0.05;

export type JobState = 'RUNNING' | 'RESTARTING';

/** Records/s the job can process with n workers. */
export function capacity(shape: JobShape, n: number): number {
  if (n <= 0) return 0;
  const useful = shape.partitions === undefined ? n : Math.min(n, shape.partitions);
  const efficiency = 1 / (1 + shape.efficiencyLoss * (n - 1));
  const skew = n > 1 ? 1 + shape.skew : 1;
  return (shape.capacityPerWorker * useful * efficiency) / skew;
}

/** Per shape: the best capacity reachable with at most n workers, for n from minWorkers to maxWorkers. */
const bestCapacities = new WeakMap<JobShape, { n: number[]; best: number[] }>();

function bestCapacityTable(shape: JobShape): { n: number[]; best: number[] } {
  let table = bestCapacities.get(shape);
  if (!table) {
    table = { n: [], best: [] };
    let bestN = shape.minWorkers;
    for (let n = shape.minWorkers; n <= shape.maxWorkers; n++) {
      if (capacity(shape, n) > capacity(shape, bestN)) bestN = n;
      table.n.push(bestN);
      table.best.push(capacity(shape, bestN));
    }
    bestCapacities.set(shape, table);
  }
  return table;
}

/**
 * The fewest workers whose capacity reaches `rate` (or that give the most capacity, when none does). A binary
 * search over the best capacity reachable with at most n workers (non-decreasing in n, even where capacity
 * itself is not, as with skew from 1 to 2 workers).
 */
export function workersFor(shape: JobShape, rate: number): number {
  const { n, best } = bestCapacityTable(shape);
  if (best.length === 0) return shape.minWorkers;
  if ((best.at(-1) as number) < rate) return n.at(-1) as number;
  let lo = 0;
  let hi = best.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((best[mid] as number) >= rate) hi = mid;
    else lo = mid + 1;
  }
  return n[lo] as number;
}

export class FluidJob {
  readonly shape: JobShape;
  readonly costs: RestartCosts;
  /** Seconds since the start. */
  time = 0;
  backlog = 0;
  state: JobState = 'RUNNING';
  /** Workers the running job uses. */
  active: number;
  /** Workers asked for (and paid for): includes TaskManagers still starting. */
  requested: number;
  /** Records processed in the last second. */
  processed = 0;
  /** Mean CPU load over the TaskManagers in the last second. */
  cpu = IDLE_CPU;
  /** Busy share of the busiest subtask in the last second (Flink's busyTimeMsPerSecond / 1000, MAX). */
  busy = 0;
  /** Records read again after restarts (processed since the last checkpoint, then rewound). */
  readAgain = 0;
  /** Rescales asked for. */
  rescales = 0;
  /** Seconds since the job was last (re)started; Flink's meters restart from zero with the tasks. */
  uptime = 0;
  /**
   * Records the source read since its tasks last started (Flink's `numRecordsOut` counter summed over the
   * subtasks): cumulative, back to zero at every restart, and counting the records read again after one.
   */
  count = 0;
  private downUntil = 0;
  private startAt: number | undefined;
  private lastCheckpoint = 0;
  private processedSinceCheckpoint = 0;

  constructor(shape: JobShape, costs: RestartCosts = DEFAULT_RESTART_COSTS) {
    this.shape = shape;
    this.costs = costs;
    this.active = shape.initialWorkers;
    this.requested = shape.initialWorkers;
  }

  get restartSeconds(): number {
    return this.costs.restartBaseSeconds + this.shape.stateMb / this.costs.restoreMbPerSecond;
  }

  /** Asks for n workers. `free` (the oracle) resizes at once with no restart. */
  request(n: number, free = false): void {
    if (n === this.requested) return;
    this.rescales++;
    const growing = n > this.active;
    this.requested = n;
    if (free) {
      this.active = n;
      return;
    }
    if (growing) {
      this.startAt ??= this.time + this.costs.taskManagerStartSeconds;
    } else {
      this.startAt = undefined;
      this.restart(n);
    }
  }

  /** Advances one second with `input` records arriving (plus `surge` records at once). */
  step(input: number, surge = 0): void {
    this.backlog += surge;
    if (this.startAt !== undefined && this.time >= this.startAt) {
      this.startAt = undefined;
      this.restart(this.requested);
    }
    if (this.state === 'RESTARTING' && this.time >= this.downUntil) {
      this.state = 'RUNNING';
      this.uptime = 0;
      this.count = 0;
      this.lastCheckpoint = this.time;
      this.processedSinceCheckpoint = 0;
    }
    if (this.state === 'RUNNING') {
      const cap = capacity(this.shape, this.active);
      this.processed = Math.min(cap, input + this.backlog);
      this.backlog = Math.max(0, this.backlog + input - this.processed);
      this.busy = cap > 0 ? this.processed / cap : 0;
      const perWorker = capacity(this.shape, 1) / (1 + this.shape.efficiencyLoss * (this.active - 1));
      this.cpu = Math.min(1, IDLE_CPU + (1 - IDLE_CPU) * (this.processed / (this.active * perWorker)));
      this.processedSinceCheckpoint += this.processed;
      this.count += this.processed;
      this.uptime++;
      if (this.time + 1 - this.lastCheckpoint >= this.costs.checkpointSeconds) {
        this.lastCheckpoint = this.time + 1;
        this.processedSinceCheckpoint = 0;
      }
    } else {
      this.processed = 0;
      this.busy = 0;
      this.cpu = IDLE_CPU;
      this.backlog += input;
    }
    this.time++;
  }

  private restart(n: number): void {
    if (this.state === 'RUNNING') {
      // Reactive Mode restarts from the last checkpoint: what was processed since is read again.
      this.backlog += this.processedSinceCheckpoint;
      this.readAgain += this.processedSinceCheckpoint;
      this.processedSinceCheckpoint = 0;
    }
    this.active = n;
    this.state = 'RESTARTING';
    this.downUntil = this.time + this.restartSeconds;
  }
}
