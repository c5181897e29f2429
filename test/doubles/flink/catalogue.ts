/**
 * What a metric fetch finds in the simulated cluster: the JobManager, TaskManager, job and task metrics with
 * Flink's ids, kinds and smoothing.
 */
import type { Noise } from '../../../sidecar/src/simulation/random.js';
import { meterRate, timerGaugeMsPerSecond, type Attempt } from './attempt.js';
import type { SimulatedCluster } from './cluster.js';
import { metricId } from './ids.js';
import { double, long, text, type MetricMap, type MetricSnapshot, type MetricValue } from './store.js';
import { splitMetricId, type Topology, type VertexTopology } from './topology.js';

const MiB = 1024 * 1024;

/**
 * Reads every metric of the cluster as a MetricFetcher would at the cluster's current virtual time. The middle
 * vertices draw their noise from `middleNoise`, so the source, sink and TaskManager values of a seed do not
 * depend on how many middle vertices there are.
 */
export function fetchMetrics(
  cluster: SimulatedCluster,
  topo: Topology,
  noise: Noise | undefined,
  middleNoise: Noise | undefined = noise,
): MetricSnapshot {
  const o = cluster.options;
  const jitterWith = (n: Noise | undefined) => (v: number) =>
    n === undefined || o.noise === undefined ? v : n.jitter(v, o.noise.spread);
  const jitter = jitterWith(noise);
  const tasks = new Map<string, Map<number, MetricMap>>();
  const attempt = cluster.attempt;
  if (attempt !== undefined && registered(cluster, attempt)) {
    tasks.set(topo.source.id, sourceSubtasks(cluster, topo, attempt, jitter));
    const io = middleIo(cluster, attempt);
    for (const vertex of topo.middle)
      tasks.set(vertex.id, middleSubtasks(cluster, vertex, attempt, io, jitterWith(middleNoise)));
    tasks.set(topo.sink.id, sinkSubtasks(cluster, topo, attempt, jitter));
  }
  return {
    fetchedAt: cluster.now,
    jobmanager: jobManagerMetrics(cluster),
    taskmanagers: taskManagerMetrics(cluster, jitter),
    jobs: new Map([[o.jobId, jobMetrics(cluster)]]),
    tasks: new Map([[o.jobId, tasks]]),
  };
}

/** Whether the attempt's task metrics are registered by now (`metricsRegistrationSeconds` after its start). */
function registered(cluster: SimulatedCluster, attempt: Attempt): boolean {
  return cluster.now - attempt.start >= cluster.options.metricsRegistrationSeconds;
}

/** Slots the running job holds: one per subtask index (both vertices share a slot sharing group). */
export function usedSlots(cluster: SimulatedCluster): number {
  return cluster.attempt?.parallelism ?? 0;
}

function jobManagerMetrics(cluster: SimulatedCluster): MetricMap {
  const total = cluster.taskManagers.length * cluster.options.slots;
  return new Map([
    ['taskSlotsTotal', long(total)],
    ['taskSlotsAvailable', long(total - usedSlots(cluster))],
    ['numRunningJobs', long(1)],
    ['numRegisteredTaskManagers', long(cluster.taskManagers.length)],
    ['Status.JVM.CPU.Load', double(0.02)],
    ['Status.JVM.CPU.Time', long(Math.floor(cluster.now * 0.02 * 1e9))],
    ['Status.JVM.Memory.Heap.Used', long(180 * MiB)],
    ['Status.JVM.Memory.Heap.Max', long(1024 * MiB)],
  ]);
}

function taskManagerMetrics(
  cluster: SimulatedCluster,
  jitter: (v: number) => number,
): Map<string, MetricMap> {
  const cpu = cluster.job.cpu;
  const result = new Map<string, MetricMap>();
  for (const tm of cluster.taskManagers) {
    const metrics: MetricMap = new Map([
      ['Status.JVM.CPU.Load', double(Math.min(1, Math.max(0, jitter(cpu))))],
      ['Status.JVM.CPU.Time', long(Math.floor(tm.cpuSeconds * 1e9))],
      ['Status.JVM.Memory.Heap.Used', long(Math.round((256 + 512 * cpu) * MiB))],
      ['Status.JVM.Memory.Heap.Committed', long(1024 * MiB)],
      ['Status.JVM.Memory.Heap.Max', long(1024 * MiB)],
      ['Status.JVM.Memory.NonHeap.Used', long(120 * MiB)],
      ['Status.JVM.Threads.Count', long(60 + 10 * cluster.options.slots)],
      ['Status.JVM.GarbageCollector.All.Count', long(Math.floor(tm.cpuSeconds / 2))],
      ['Status.JVM.GarbageCollector.All.Time', long(Math.floor(tm.cpuSeconds * 5))],
      ['Status.Flink.Memory.Managed.Used', long(0)],
      ['Status.Flink.Memory.Managed.Total', long(1024 * MiB)],
    ]);
    if (!cluster.options.cpuTime) metrics.delete('Status.JVM.CPU.Time');
    result.set(tm.id, metrics);
  }
  return result;
}

function jobMetrics(cluster: SimulatedCluster): MetricMap {
  const o = cluster.options;
  const status = cluster.status;
  const sinceRunning = status === 'RUNNING' ? (cluster.now - cluster.runningSince) * 1000 : 0;
  const sinceRestart = status === 'RUNNING' ? 0 : (cluster.now - (cluster.restartedAt ?? 0)) * 1000;
  const metrics: MetricMap = new Map([
    ['numRestarts', long(cluster.numRestarts)],
    [o.flinkVersion.startsWith('1.') ? 'fullRestarts' : 'numRescales', long(cluster.numRestarts)],
    ['uptime', long(sinceRunning)],
    ['downtime', long(sinceRestart)],
    ['runningTime', long(sinceRunning)],
    ['restartingTime', long(status === 'RESTARTING' ? sinceRestart : 0)],
  ]);
  if (o.checkpointing) {
    const last = cluster.checkpoints[0];
    metrics.set('lastCheckpointDuration', long(last?.durationMs ?? -1));
    metrics.set('lastCheckpointSize', long(last?.sizeBytes ?? -1));
    metrics.set('numberOfCompletedCheckpoints', long(cluster.checkpointCount));
    metrics.set('numberOfFailedCheckpoints', long(0));
    metrics.set('numberOfInProgressCheckpoints', long(0));
    metrics.set('totalNumberOfCheckpoints', long(cluster.checkpointCount));
    const restore = cluster.lastRestore;
    metrics.set(
      'lastCheckpointRestoreTimestamp',
      long(restore === undefined ? -1 : cluster.epochMs(restore.at)),
    );
  }
  return metrics;
}

/**
 * Counter, 60 s meter and busy/idle gauges of one subtask, from its share of the attempt's records and busy
 * time.
 */
function ioOf(
  attempt: Attempt,
  now: number,
  share: number,
  busyShare: number,
  jitter: (v: number) => number,
) {
  const count = (t: number) => share * attempt.processedAt(t);
  const busyMs = (t: number) => 1000 * busyShare * attempt.busyAt(t);
  const idleMs = (t: number) => 1000 * attempt.elapsedAt(t) - busyMs(t);
  const idle = timerGaugeMsPerSecond(idleMs, attempt.start, now);
  return {
    count: Math.floor(count(now)),
    rate: jitter(meterRate(count, attempt.start, now)),
    idle,
    busy: 1000 - Math.min(idle, 1000),
    busyMs: busyMs(now),
    idleMs: Math.floor(idleMs(now)),
  };
}

function sourceSubtasks(
  cluster: SimulatedCluster,
  topo: Topology,
  attempt: Attempt,
  jitter: (v: number) => number,
): Map<number, MetricMap> {
  const o = cluster.options;
  const now = cluster.now;
  const [src = '', work = ''] = topo.source.operatorParts;
  const watermark = cluster.epochMs(now) - 3000;
  const result = new Map<number, MetricMap>();
  for (let i = 0; i < attempt.parallelism; i++) {
    const weight = attempt.weights[i] ?? 0;
    const io = ioOf(attempt, now, weight, attempt.maxWeight > 0 ? weight / attempt.maxWeight : 0, jitter);
    const rb = o.recordBytes;
    const legacy = o.legacySource;
    const m: MetricMap = new Map([
      ['numRecordsIn', long(0)],
      ['numRecordsInPerSecond', double(0)],
      ['numRecordsOut', long(io.count)],
      ['numRecordsOutPerSecond', double(io.rate)],
      ['numBytesIn', long(0)],
      ['numBytesInPerSecond', double(0)],
      ['numBytesOut', long(io.count * rb)],
      ['numBytesOutPerSecond', double(io.rate * rb)],
      ['busyTimeMsPerSecond', double(legacy ? NaN : io.busy)],
      ['idleTimeMsPerSecond', long(io.idle)],
      ['backPressuredTimeMsPerSecond', long(0)],
      ['isBackPressured', text('false')],
      ['accumulateBusyTimeMs', double(legacy ? NaN : io.busyMs)],
      ['accumulateIdleTimeMs', long(io.idleMs)],
      ['accumulateBackPressuredTimeMs', long(0)],
      [metricId(src, 'numRecordsIn'), long(legacy ? 0 : io.count)],
      [metricId(src, 'numRecordsInPerSecond'), double(legacy ? 0 : io.rate)],
      [metricId(src, 'numRecordsOut'), long(io.count)],
      [metricId(src, 'numRecordsOutPerSecond'), double(io.rate)],
      [metricId(src, 'currentOutputWatermark'), long(watermark)],
    ]);
    if (o.backlog === 'flip33') {
      // KafkaSourceReaderMetrics: the reader's group and its commit counters exist from the reader's start,
      // on every subtask (one that reads no partition too); its partitions' gauges only once splits arrive.
      m.set(metricId(src, 'KafkaSourceReader', 'commitsSucceeded'), long(cluster.checkpointCount));
      m.set(metricId(src, 'KafkaSourceReader', 'commitsFailed'), long(0));
    }
    const partitionsIn = partitionsRegistered(cluster, attempt, i) ? (attempt.splits[i] ?? []) : [];
    addBacklog(m, cluster, src, attempt.splits[i] ?? [], partitionsIn, attempt.splitCount, io.count);
    m.set(metricId(work, 'numRecordsIn'), long(io.count));
    m.set(metricId(work, 'numRecordsInPerSecond'), double(io.rate));
    m.set(metricId(work, 'numRecordsOut'), long(io.count));
    m.set(metricId(work, 'numRecordsOutPerSecond'), double(io.rate));
    m.set(metricId(work, 'currentOutputWatermark'), long(watermark));
    result.set(i, m);
  }
  return result;
}

/**
 * Whether source subtask i has registered its partitions' offset gauges: `partitionRegistrationSeconds` after
 * the attempt's metrics, staggered over the subtasks (subtask i at (i + 1) / p of it), as a KafkaSource
 * reader's splits arrive from the enumerator after the reader opened.
 */
function partitionsRegistered(cluster: SimulatedCluster, attempt: Attempt, i: number): boolean {
  const o = cluster.options;
  const lag = (o.partitionRegistrationSeconds * (i + 1)) / attempt.parallelism;
  return cluster.now - attempt.start >= o.metricsRegistrationSeconds + lag;
}

/**
 * The backlog gauges of one source subtask holding `splits`, per the configured backlog metrics (notes §4.2,
 * §5.4, §5.5); the KafkaSource's per-partition offset gauges for `registered` of them (flip33).
 */
function addBacklog(
  m: MetricMap,
  cluster: SimulatedCluster,
  src: string,
  splits: readonly number[],
  registered: readonly number[],
  splitCount: number,
  read: number,
): void {
  const o = cluster.options;
  if (splits.length === 0 || o.backlog === 'none') return;
  const perSplit = cluster.job.backlog / splitCount;
  const known = splits.filter((k) => !o.unknownSplits.has(k));
  const readCounters = () => {
    m.set(metricId(src, 'source.elements_read'), long(read));
    m.set(metricId(src, 'source.bytes_read'), long(read * o.recordBytes));
  };
  switch (o.backlog) {
    case 'flip33':
      // KafkaSourceReaderMetrics registers pendingRecords lazily, at the reader's first fetch of a partition
      // (maybeAddRecordsLagMetric), and sums the records-lag of the partitions fetched: a reader whose splits
      // have not arrived lists none, so Flink's aggregate over the subtasks leaves its backlog out.
      if (registered.length > 0)
        m.set(metricId(src, 'pendingRecords'), long(Math.round(perSplit * registered.length)));
      for (const k of registered) {
        const offset = Math.floor(cluster.totalProcessed / splitCount);
        const partition = ['KafkaSourceReader', 'topic', o.topic, 'partition', String(k)];
        m.set(metricId(src, ...partition, 'currentOffset'), long(offset));
        // Committed at checkpoints; the double does not keep per-checkpoint offsets: the current one.
        m.set(metricId(src, ...partition, 'committedOffset'), long(offset));
      }
      return;
    case 'beam-splits':
      for (const k of splits) {
        const unknown = o.unknownSplits.has(k);
        m.set(splitMetricId(src, k, 'backlog_elements'), long(unknown ? -1 : Math.round(perSplit)));
        m.set(
          splitMetricId(src, k, 'backlog_bytes'),
          long(unknown ? -1 : Math.round(perSplit * o.recordBytes)),
        );
      }
      readCounters();
      return;
    case 'beam-aggregate':
      m.set(metricId(src, 'source.backlog_elements'), long(Math.round(perSplit * splits.length)));
      m.set(
        metricId(src, 'source.backlog_bytes'),
        long(Math.round(perSplit * splits.length * o.recordBytes)),
      );
      readCounters();
      return;
    case 'bytes': {
      const bytes = known.length === 0 ? -1 : Math.round(perSplit * known.length * o.recordBytes);
      m.set(metricId(src, 'pendingBytes'), long(bytes));
      for (const k of splits) {
        const unknown = o.unknownSplits.has(k);
        m.set(
          splitMetricId(src, k, 'backlog_bytes'),
          long(unknown ? -1 : Math.round(perSplit * o.recordBytes)),
        );
      }
      readCounters();
      return;
    }
  }
}

function sinkSubtasks(
  cluster: SimulatedCluster,
  topo: Topology,
  attempt: Attempt,
  jitter: (v: number) => number,
): Map<number, MetricMap> {
  const o = cluster.options;
  const now = cluster.now;
  const [sink = ''] = topo.sink.operatorParts;
  const result = new Map<number, MetricMap>();
  for (let i = 0; i < attempt.parallelism; i++) {
    const io = ioOf(attempt, now, 1 / attempt.parallelism, o.sinkBusyRatio, jitter);
    result.set(
      i,
      new Map([
        ['numRecordsIn', long(io.count)],
        ['numRecordsInPerSecond', double(io.rate)],
        ['numRecordsOut', long(0)],
        ['numRecordsOutPerSecond', double(0)],
        ['numBytesIn', long(io.count * o.recordBytes)],
        ['numBytesInPerSecond', double(io.rate * o.recordBytes)],
        ['numBytesOut', long(0)],
        ['numBytesOutPerSecond', double(0)],
        ['busyTimeMsPerSecond', double(io.busy)],
        ['idleTimeMsPerSecond', long(io.idle)],
        ['backPressuredTimeMsPerSecond', long(0)],
        ['isBackPressured', text('false')],
        ['accumulateBusyTimeMs', double(io.busyMs)],
        ['accumulateIdleTimeMs', long(io.idleMs)],
        ['accumulateBackPressuredTimeMs', long(0)],
        ['currentInputWatermark', long(cluster.epochMs(now) - 3000)],
        [metricId(sink, 'numRecordsIn'), long(io.count)],
        [metricId(sink, 'numRecordsInPerSecond'), double(io.rate)],
        [metricId(sink, 'numRecordsOut'), long(0)],
        [metricId(sink, 'numRecordsOutPerSecond'), double(0)],
      ]),
    );
  }
  return result;
}

/**
 * The counters, meter and gauges shared by every subtask of every middle vertex: each gets 1/p of the records
 * the source emits, busy `middleBusyRatio` of the busiest source subtask; computed once per fetch, the rate
 * jittered per subtask.
 */
function middleIo(cluster: SimulatedCluster, attempt: Attempt): ReturnType<typeof ioOf> {
  return ioOf(attempt, cluster.now, 1 / attempt.parallelism, cluster.options.middleBusyRatio, (v) => v);
}

/**
 * The subtasks of a middle vertex: records in and out at the source's rate, split evenly. Without noise all
 * subtasks share one (read-only) MetricMap, so 50 vertices × 256 subtasks stay cheap to fetch and to hold.
 */
function middleSubtasks(
  cluster: SimulatedCluster,
  vertex: VertexTopology,
  attempt: Attempt,
  io: ReturnType<typeof ioOf>,
  jitter: (v: number) => number,
): Map<number, MetricMap> {
  const o = cluster.options;
  const [op = ''] = vertex.operatorParts;
  const watermark = long(cluster.epochMs(cluster.now) - 3000);
  const count = long(io.count);
  const bytes = long(io.count * o.recordBytes);
  const zero = long(0);
  const fixed: [string, MetricValue][] = [
    ['busyTimeMsPerSecond', double(io.busy)],
    ['idleTimeMsPerSecond', long(io.idle)],
    ['backPressuredTimeMsPerSecond', zero],
    ['isBackPressured', text('false')],
    ['accumulateBusyTimeMs', double(io.busyMs)],
    ['accumulateIdleTimeMs', long(io.idleMs)],
    ['accumulateBackPressuredTimeMs', zero],
    ['currentInputWatermark', watermark],
  ];
  const subtask = (rate: number): MetricMap => {
    const perSecond = double(rate);
    const bytesPerSecond = double(rate * o.recordBytes);
    return new Map([
      ['numRecordsIn', count],
      ['numRecordsInPerSecond', perSecond],
      ['numRecordsOut', count],
      ['numRecordsOutPerSecond', perSecond],
      ['numBytesIn', bytes],
      ['numBytesInPerSecond', bytesPerSecond],
      ['numBytesOut', bytes],
      ['numBytesOutPerSecond', bytesPerSecond],
      ...fixed,
      [metricId(op, 'numRecordsIn'), count],
      [metricId(op, 'numRecordsInPerSecond'), perSecond],
      [metricId(op, 'numRecordsOut'), count],
      [metricId(op, 'numRecordsOutPerSecond'), perSecond],
      [metricId(op, 'currentOutputWatermark'), watermark],
    ]);
  };
  const result = new Map<number, MetricMap>();
  const noisy = o.noise !== undefined;
  const shared = noisy ? undefined : subtask(io.rate);
  for (let i = 0; i < attempt.parallelism; i++) result.set(i, shared ?? subtask(jitter(io.rate)));
  return result;
}
