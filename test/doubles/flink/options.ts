/**
 * The options of the Flink REST double, their defaults, and the resolved form the rest of the double reads.
 */
import { DEFAULT_RESTART_COSTS, capacity, type RestartCosts } from '../../../sidecar/src/simulation/job.js';
import { jobShapeSchema, rateAt, type JobShape, type Trace } from '../../../sidecar/src/simulation/trace.js';
import { hexId } from './ids.js';
import { validTransientFailures, type TransientFailures } from './transient.js';

/**
 * Which backlog metric the source reports (notes §4.2, §5.4): FLIP-33 `pendingRecords` (Flink KafkaSource),
 * Beam per-split `source_splits_<n>_backlog_elements` (KafkaIO on the legacy source, some splits `-1`), Beam's
 * aggregate `source_backlog_elements`, bytes only (Beam's FLIP-27 wrapper: `pendingBytes` and per-split
 * `source_splits_<n>_backlog_bytes`), or none at all.
 */
export type BacklogMetrics = 'flip33' | 'beam-splits' | 'beam-aggregate' | 'bytes' | 'none';

export const BACKLOG_METRICS: readonly BacklogMetrics[] = [
  'flip33',
  'beam-splits',
  'beam-aggregate',
  'bytes',
  'none',
];

/** What goes wrong with the JobManager's REST API (see faults.ts). */
export type FaultMode =
  'none' | 'down' | 'slow' | '500' | 'garbage' | 'empty' | 'nan' | 'restarting' | 'taskmanagers-leaving';

export const FAULT_MODES: readonly FaultMode[] = [
  'none',
  'down',
  'slow',
  '500',
  'garbage',
  'empty',
  'nan',
  'restarting',
  'taskmanagers-leaving',
];

export interface FlinkDoubleOptions {
  /**
   * The job (FluidJob shape); defaults: 1000 records/s per worker, 2 workers, the schema's defaults.
   * Overrides trace.job.
   */
  jobShape?: Partial<JobShape>;
  /** Restart costs of the FluidJob (TaskManager start, restart base, restore speed, checkpoint interval). */
  restartCosts?: Partial<RestartCosts>;
  /**
   * Input rate in records/s: a constant or a function of virtual seconds. Default: half the initial capacity.
   */
  input?: number | ((t: number) => number);
  /** A trace instead of `input`: R(t) from its points, its surges, and its job unless `jobShape` is given. */
  trace?: Pick<Trace, 'points'> & Partial<Pick<Trace, 'surges' | 'job'>>;
  /** The backlog metric the source reports. Default 'flip33'. */
  backlog?: BacklogMetrics;
  /** `kubernetes.cluster-id` (the FlinkDeployment's name), used in TaskManager pod names. */
  clusterId?: string;
  /** `kubernetes.namespace`. */
  namespace?: string;
  /** The job's name (`pipeline.name`). Default: the cluster id. */
  jobName?: string;
  /** The JobID (32 hex). Default: derived from the cluster id. */
  jobId?: string;
  /** `taskmanager.numberOfTaskSlots`. Default 2. */
  slotsPerTaskManager?: number;
  /** JVM-visible cores per TaskManager (`hardware.cpuCores`, and the CPU time). Default: the slots. */
  cpuCoresPerTaskManager?: number;
  /**
   * Per-vertex max parallelism: caps the Reactive Mode parallelism. Set → `pipeline.max-parallelism` in the
   * config. Default 128.
   */
  maxParallelism?: number;
  /**
   * Name of the source operator. Default `Source: Kafka Source`, or Beam's KafkaIO read name for the Beam
   * modes.
   */
  sourceName?: string;
  /** Name of the operator chained after the source. Default `Map` (`Flat Map` for the Beam legacy source). */
  workName?: string;
  /** Name of the sink vertex's operator. Default `Sink: Kafka Sink`. */
  sinkName?: string;
  /**
   * Vertices chained between the source vertex and the sink (source → 1 → 2 → … → sink), one operator each
   * (`Map 1`, `Window(Tumbling, 60 s) 2`, …), each fed over a HASH edge. Default 0.
   */
  middleVertices?: number;
  /** Kafka topic, for the KafkaSource's per-partition offset metrics (flip33). */
  topic?: string;
  /**
   * Kafka partitions = Beam splits, assigned round-robin to source subtasks. Default: jobShape.partitions or
   * the max parallelism.
   */
  splits?: number;
  /**
   * Beam splits made anew at every (re)start, one per source subtask (the runner splits the source to the
   * parallelism the job runs with), instead of N fixed at submission (notes §5.5). Split k runs on subtask k,
   * so after a rescale from 4 to 17 the ids of splits 0..3 answer as before and 4..16 are new: a cached list
   * of ids stays valid but incomplete, and no `[]` warns of it (notes §2.3). Default false.
   */
  splitsFollowParallelism?: boolean;
  /**
   * Beam splits whose backlog gauges report -1 (unknown). Default: every fourth split (3, 7, 11, …) in the
   * Beam and bytes modes.
   */
  unknownSplits?: number[];
  /**
   * A legacy SourceFunction (busyTimeMsPerSecond is NaN on the source vertex). Default: true for beam-splits
   * and beam-aggregate.
   */
  legacySource?: boolean;
  /** Bytes per record (bytes metrics, backlog bytes). Default 512. */
  recordBytes?: number;
  /** Busy share of a sink subtask relative to the busiest source subtask. Default 0.5. */
  sinkBusyRatio?: number;
  /** Busy share of a middle vertex's subtask relative to the busiest source subtask. Default: sinkBusyRatio. */
  middleBusyRatio?: number;
  /**
   * `metrics.fetcher.update-interval` in seconds (default 10). 0: every request sees a fresh store (a test
   * convenience, not Flink).
   */
  fetchIntervalSeconds?: number;
  /**
   * Seconds after the tasks start RUNNING before their metrics are registered (operators open, Beam's gauges
   * are set at the first `advance()`/checkpoint): a fetch before that finds none of the new attempt's
   * subtask metrics, so metric queries answer `[]` and list mode lists nothing. Default 0.
   */
  metricsRegistrationSeconds?: number;
  /**
   * Seconds after the attempt's metrics are registered until the last source subtask has registered its Kafka
   * partitions' offset gauges (flip33): the KafkaSource reader opens at once, its splits arrive from the
   * enumerator later. Staggered: subtask i registers them at (i + 1) / p of this. Default 0.
   */
  partitionRegistrationSeconds?: number;
  /**
   * TaskManagers report `Status.JVM.CPU.Time` (default true). False: they report the CPU load only, as
   * Flink does when the JVM's OperatingSystemMXBean cannot give the process CPU time.
   */
  cpuTime?: boolean;
  /**
   * Transient failures of single endpoints at a rate, seeded (see transient.ts): a 500 or 503 with Flink's
   * error body, or a connection reset. Default: none. Changeable at run time (`setTransientFailures`).
   */
  transientFailures?: TransientFailures;
  /** Seconds of a restart shown as RESTARTING before the job shows CREATED. Default 5. */
  restartingSeconds?: number;
  /** `jobmanager.scheduler`. Default 'adaptive'. */
  scheduler?: string;
  /** `scheduler-mode`; null leaves the key out. Default 'reactive'. */
  schedulerMode?: string | null;
  /** More `/jobmanager/config` entries. */
  config?: Record<string, string>;
  /** Periodic checkpointing on (`/checkpoints` answers 404 when off). Default true. */
  checkpointing?: boolean;
  flinkVersion?: string;
  flinkCommit?: string;
  /** Epoch ms of virtual second 0. */
  startEpochMs?: number;
  /** Delay of the 'slow' fault in wall-clock ms. Default 10 000. */
  slowMs?: number;
  /** TaskManagers that vanish under the 'taskmanagers-leaving' fault. Default: half of them, rounded up. */
  leavingTaskManagers?: number;
  /** Seeded multiplicative noise on the meters' rates and the TaskManagers' CPU load (random.ts). Default: none. */
  noise?: { seed: number; spread: number };
}

export interface ResolvedOptions {
  shape: JobShape;
  costs: RestartCosts;
  input: (t: number) => number;
  surges: readonly (readonly [number, number])[];
  backlog: BacklogMetrics;
  clusterId: string;
  namespace: string;
  jobName: string;
  jobId: string;
  slots: number;
  cpuCores: number;
  maxParallelism: number;
  maxParallelismSet: boolean;
  sourceName: string;
  workName: string;
  sinkName: string;
  middleVertices: number;
  topic: string;
  splits: number;
  splitsFollowParallelism: boolean;
  unknownSplits: ReadonlySet<number>;
  legacySource: boolean;
  recordBytes: number;
  sinkBusyRatio: number;
  middleBusyRatio: number;
  fetchIntervalSeconds: number;
  restartingSeconds: number;
  metricsRegistrationSeconds: number;
  partitionRegistrationSeconds: number;
  cpuTime: boolean;
  transientFailures: TransientFailures | undefined;
  scheduler: string;
  schedulerMode: string | null;
  config: Record<string, string>;
  checkpointing: boolean;
  flinkVersion: string;
  flinkCommit: string;
  startEpochMs: number;
  slowMs: number;
  leavingTaskManagers: number | undefined;
  noise: { seed: number; spread: number } | undefined;
}

/** Beam's KafkaIO read on the classic runner: 100 characters, so its metric id is cut to 80 (notes §5.3). */
export const BEAM_KAFKA_SOURCE =
  'Source: ReadFromKafka/KafkaIO.Read/KafkaIO.Read.ReadFromKafkaViaUnbounded/Read(KafkaUnboundedSource)';

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${name} must be a positive integer, not ${value}`);
  return value;
}

function nonNegativeInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0)
    throw new RangeError(`${name} must be a non-negative integer, not ${value}`);
  return value;
}

const ratio = (value: number) => Math.min(1, Math.max(0, value));

export function resolveOptions(options: FlinkDoubleOptions): ResolvedOptions {
  const shape = jobShapeSchema.parse({
    capacityPerWorker: 1000,
    initialWorkers: 2,
    ...options.trace?.job,
    ...options.jobShape,
  });
  const costs = { ...DEFAULT_RESTART_COSTS, ...options.restartCosts };
  const trace = options.trace;
  const fixed = options.input ?? capacity(shape, shape.initialWorkers) / 2;
  const input =
    trace !== undefined ? (t: number) => rateAt(trace, t) : typeof fixed === 'number' ? () => fixed : fixed;
  const backlog = options.backlog ?? 'flip33';
  if (!BACKLOG_METRICS.includes(backlog)) throw new RangeError(`unknown backlog metrics ${String(backlog)}`);
  const beam = backlog === 'beam-splits' || backlog === 'beam-aggregate' || backlog === 'bytes';
  const legacySource = options.legacySource ?? (backlog === 'beam-splits' || backlog === 'beam-aggregate');
  const clusterId = options.clusterId ?? 'clickstream-enricher';
  const slots = positiveInt('slotsPerTaskManager', options.slotsPerTaskManager ?? 2);
  const maxParallelism = positiveInt('maxParallelism', options.maxParallelism ?? 128);
  const splits = positiveInt('splits', options.splits ?? shape.partitions ?? maxParallelism);
  const splitsFollowParallelism = options.splitsFollowParallelism ?? false;
  // With splits that follow the parallelism, there can be as many as the max parallelism.
  const splitIds = splitsFollowParallelism ? Math.max(splits, maxParallelism) : splits;
  const unknownSplits = new Set(
    options.unknownSplits ??
      (beam ? Array.from({ length: splitIds }, (_, k) => k).filter((k) => k % 4 === 3) : []),
  );
  const jobId = (options.jobId ?? hexId(`${clusterId}/job`)).toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(jobId)) throw new RangeError(`jobId must be 32 hex characters, not ${jobId}`);
  return {
    shape,
    costs,
    input,
    surges: trace?.surges ?? [],
    backlog,
    clusterId,
    namespace: options.namespace ?? 'default',
    jobName: options.jobName ?? clusterId,
    jobId,
    slots,
    cpuCores: positiveInt('cpuCoresPerTaskManager', options.cpuCoresPerTaskManager ?? slots),
    maxParallelism,
    maxParallelismSet: options.maxParallelism !== undefined,
    sourceName: options.sourceName ?? (beam ? BEAM_KAFKA_SOURCE : 'Source: Kafka Source'),
    workName: options.workName ?? (legacySource ? 'Flat Map' : 'Map'),
    sinkName: options.sinkName ?? 'Sink: Kafka Sink',
    middleVertices: nonNegativeInt('middleVertices', options.middleVertices ?? 0),
    topic: options.topic ?? 'orders',
    splits,
    splitsFollowParallelism,
    unknownSplits,
    legacySource,
    recordBytes: options.recordBytes ?? 512,
    sinkBusyRatio: ratio(options.sinkBusyRatio ?? 0.5),
    middleBusyRatio: ratio(options.middleBusyRatio ?? options.sinkBusyRatio ?? 0.5),
    fetchIntervalSeconds: Math.max(0, options.fetchIntervalSeconds ?? 10),
    restartingSeconds: Math.max(0, options.restartingSeconds ?? 5),
    metricsRegistrationSeconds: Math.max(0, options.metricsRegistrationSeconds ?? 0),
    partitionRegistrationSeconds: Math.max(0, options.partitionRegistrationSeconds ?? 0),
    cpuTime: options.cpuTime ?? true,
    transientFailures: validTransientFailures(options.transientFailures),
    scheduler: options.scheduler ?? 'adaptive',
    schedulerMode: options.schedulerMode === undefined ? 'reactive' : options.schedulerMode,
    config: options.config ?? {},
    checkpointing: options.checkpointing ?? true,
    flinkVersion: options.flinkVersion ?? '1.20.1',
    flinkCommit: options.flinkCommit ?? '7ed0d9e',
    startEpochMs: options.startEpochMs ?? 1_718_000_000_000,
    slowMs: options.slowMs ?? 10_000,
    leavingTaskManagers: options.leavingTaskManagers,
    noise: options.noise,
  };
}
