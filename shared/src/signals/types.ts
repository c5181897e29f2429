/** Raw samples in, signals out: the data of the evaluation stage. */

/** Records and bytes are never mixed: every source reports one unit for rate and backlog alike. */
export type Unit = 'records' | 'bytes';

/** One source's raw readings at one instant, as the collection stage took them from Flink. */
export interface SourceSample {
  /** A stable id of the source (its vertex id, or its name). */
  id: string;
  unit: Unit;
  /** Units per second read by the source at that instant (Flink's per-second rate). */
  rate: number;
  /** Units waiting at the source, summed over its subtasks. */
  backlog: number;
  /**
   * Cumulative units read by the source, summed over its subtasks, from a Flink counter
   * (`numRecordsOut`, else `numRecordsIn`, else Beam's `source_elements_read`; for bytes `numBytesIn` or
   * `source_bytes_read`). Counters restart at zero with the tasks. Absent when Flink has no counter.
   */
  count?: number;
  /**
   * For per-split backlog gauges: split gauges read, split gauges Flink listed at the last re-resolution
   * (more when the listed split numbers have a gap: Beam numbers splits 0..N-1), and how many of those read
   * reported -1 (unknown).
   */
  splits?: { found: number; expected: number; unknown: number };
  /** 0..1: the share of the backlog that is an estimate (unknown splits); absent or 0 when none. */
  estimatedShare?: number;
  /**
   * The source's partitions (Kafka) or splits (Beam's per-split gauges: `splits.expected`): subtasks beyond
   * this many read nothing. Absent when unknown.
   */
  partitions?: number;
}

/** One trusted sample of a RUNNING job. */
export interface Sample {
  /** Milliseconds since the epoch (the injected clock's time). */
  time: number;
  /** TaskManagers registered. */
  workers: number;
  /** Mean TaskManager CPU load, 0..1. */
  cpu: number;
  sources: SourceSample[];
  /**
   * When the job's current run began (ms): the time its tasks (re)started running, after which Flink's 60 s
   * rate meters refill from zero. Absent when unknown; the signals then find restarts in the samples.
   */
  runningSince?: number;
}

/** The signals of one source over a window. */
export interface SourceSignals {
  id: string;
  unit: Unit;
  /**
   * T: units per second over the window, from the counters' increase where the samples carry counts, else
   * the mean of the 60 s meters of the latest run's warm readings (shared/src/signals/throughput.ts).
   */
  throughput: number;
  /** Where T came from: the counters, or the 60 s meters. */
  throughputFrom?: 'counter' | 'meter';
  /** B: latest backlog. */
  backlog: number;
  /** G: least-squares slope of the backlog over the window, per second. */
  backlogGrowth: number;
  /** BT = B / T, seconds. */
  backlogTime: number;
  /** R = max(0, T + G). */
  inputRate: number;
  /**
   * dR/dt: how fast the input rate itself changes over the window (units/s per second), from the counters;
   * absent without counts (input-trend.ts).
   */
  inputTrend?: number;
  /** How many samples the figures come from. */
  samples: number;
}

/** The job's signals: workers and CPU are job-wide; the source part is the neediest source's. */
export interface JobSignals {
  /** Time of the latest sample, ms. */
  time: number;
  workers: number;
  cpu: number;
  /** The source that needs the most workers. */
  source: SourceSignals;
  /** Every source, in the order of the latest sample. */
  sources: SourceSignals[];
}
