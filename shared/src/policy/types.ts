/** The data a decision takes and gives. */

/** One evaluation's signals for one source (or for the job, when it is the neediest source's). */
export interface Signals {
  /** n: TaskManagers registered now. */
  workers: number;
  /** T: records (or bytes) per second read by the source, mean over the window. */
  throughput: number;
  /** B: records (or bytes) waiting at the source, latest value. */
  backlog: number;
  /** G: dB/dt over the window, per second; may be negative. */
  backlogGrowth: number;
  /** U: mean TaskManager CPU load, 0..1. */
  cpu: number;
}

export type Action = 'scale-up' | 'scale-down' | 'none';

/** Machine-readable reasons, in the order they were found. */
export type ReasonCode =
  | 'backlog-time-high'
  | 'cpu-high'
  | 'cpu-low'
  | 'no-throughput'
  | 'within-bands'
  | 'backlog-growing'
  | 'backlog-time-not-low'
  | 'limited-by-max-workers'
  | 'limited-by-min-workers'
  | 'limited-by-max-parallelism'
  | 'invalid-signals'
  // Added by the stateful autoscaler's options beyond policy.md (shared/src/autoscaler/policy-options.ts).
  | 'limited-by-partitions'
  | 'catching-up'
  | 'settling-after-catch-up'
  | 'restart-not-worth-it'
  | 'input-rising'
  | 'restart-to-absorb'
  | 'limited-by-ineffective-scaling'
  | 'decided-on-recent-samples';

export interface Decision {
  action: Action;
  desiredWorkers: number;
  reasons: ReasonCode[];
}

/** The figures behind a decision, for status pages and the panel. */
export interface DecisionDetail extends Decision {
  /** B / T in seconds (Infinity when B > 0 and T = 0). */
  backlogTime: number;
  /** R = max(0, T + G). */
  inputRate: number;
  /** n·R/T + n·B/(T·drain), when a scale-up trigger fired and T > 0. */
  backlogNeed?: number;
  /** n·U/targetCpu. */
  cpuNeed: number;
  /** Desired count before the bounds. */
  unbounded: number;
}
