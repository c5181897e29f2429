/**
 * A small fluid model of a Reactive Mode job under a step load, for the built-in demo until the job
 * simulator lands: input rate in, per-worker capacity, backlog, CPU, and a restart on every rescale.
 */

export interface StepJobOptions {
  /** Records/s one worker processes at full CPU. */
  capacityPerWorker: number;
  /** Input rate over time: [from second, records/s], sorted. */
  load: readonly (readonly [number, number])[];
  /** Seconds the job is down after a rescale (restart from the last checkpoint). */
  restartSeconds: number;
  /** CPU load of an idle worker. */
  idleCpu: number;
  workers: number;
}

export class StepJob {
  workers: number;
  backlog = 0;
  /** Seconds since start. */
  time = 0;
  private downUntil = -1;
  private processedInStep = 0;
  private readonly options: StepJobOptions;

  constructor(options: StepJobOptions) {
    this.options = options;
    this.workers = options.workers;
  }

  inputRate(at = this.time): number {
    let rate = 0;
    for (const [from, value] of this.options.load) if (at >= from) rate = value;
    return rate;
  }

  get running(): boolean {
    return this.time >= this.downUntil;
  }

  /** Advances one second. */
  tick(): void {
    const input = this.inputRate();
    const processed = this.running
      ? Math.min(this.workers * this.options.capacityPerWorker, input + this.backlog)
      : 0;
    this.backlog = Math.max(0, this.backlog + input - processed);
    this.processedInStep += processed;
    this.time += 1;
  }

  /** Mean processed rate since the last call (what the sidecar reads as throughput). */
  takeThroughput(seconds: number): number {
    const rate = this.processedInStep / seconds;
    this.processedInStep = 0;
    return rate;
  }

  cpu(throughput: number): number {
    const busy = throughput / (this.workers * this.options.capacityPerWorker);
    return Math.min(1, this.options.idleCpu + (1 - this.options.idleCpu) * busy);
  }

  rescale(workers: number): void {
    this.workers = workers;
    this.downUntil = this.time + this.options.restartSeconds;
  }
}
