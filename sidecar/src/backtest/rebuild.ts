/**
 * From a job's recorded history to what the simulator needs (pure): the input rate (records read by the source
 * plus the backlog's growth), the capacity of one worker (records per busy second per worker, or from CPU),
 * and what the job really did (worker-hours, backlog time); with each figure it could not rebuild and why, and
 * each estimate marked.
 */
import { SLO_BACKLOG_SECONDS, backlogSeconds } from '../simulation/figures.js';
import { IDLE_CPU } from '../simulation/job.js';
import type { History } from './history.js';

/** A figure the backtest could not rebuild, or rebuilt only as an estimate, and why. */
export interface Caveat {
  figure: 'input rate' | 'backlog' | 'capacity per worker' | 'workers' | 'state size';
  /** false: not rebuilt at all; true: rebuilt as an estimate. */
  estimate: boolean;
  message: string;
}

export interface Rebuilt {
  /** Seconds from the start of the range, per point. */
  times: Float64Array;
  step: number;
  /** Records/s arriving at the source over the step before each point (gaps carried over). */
  inputRate: Float64Array;
  /** Records waiting, per point (undefined: no backlog series). */
  backlog: Float64Array | undefined;
  /** Real TaskManagers per point (gaps carried over). */
  workers: Float64Array;
  /** Records/s one worker processes at full load; undefined: could not be rebuilt. */
  capacityPerWorker: number | undefined;
  capacityFrom: 'busy-time' | 'cpu' | undefined;
  /** Points the capacity estimate used. */
  capacityPoints: number;
  stateGiB: number | undefined;
  real: RealFigures;
  caveats: Caveat[];
}

export interface RealFigures {
  workerHours: number;
  /** Share of the points with backlog time within 120 s; undefined without a backlog series. */
  sloAttainment: number | undefined;
  worstBacklogTimeSeconds: number | undefined;
  /** Changes of the worker count. */
  rescales: number;
}

/** Least busy time (ms/s) for a capacity sample: below it the ratio is mostly noise. */
const MIN_BUSY_MS = 100;
/** Least CPU load for a capacity sample from CPU. */
const MIN_CPU = 0.2;
/** Seconds after a change of workers left out of the capacity estimate (restore reads busy ~1000 ms/s). */
const SETTLE_SECONDS = 180;

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The values with each gap (NaN) filled by the last value before it (or the first after, at the start). */
function carried(values: Float64Array): Float64Array {
  const out = Float64Array.from(values);
  let last = Number.NaN;
  for (let i = 0; i < out.length; i++) {
    if (Number.isFinite(out[i])) last = out[i] as number;
    else out[i] = last;
  }
  const first = out.find((v) => Number.isFinite(v)) ?? 0;
  for (let i = 0; i < out.length && !Number.isFinite(out[i]); i++) out[i] = first;
  return out;
}

export function rebuild(h: History, options: { stateGiB?: number } = {}): Rebuilt {
  const step = h.range.step;
  const n = h.processed.length;
  const caveats: Caveat[] = [];
  const times = Float64Array.from({ length: n }, (_, i) => i * step);

  if (h.processedFrom === undefined)
    caveats.push({
      figure: 'input rate',
      estimate: false,
      message:
        'no series of the source’s record counters (numRecordsOut, numRecordsIn, source_elements_read on an operator ' +
        'matching the source pattern) for this job in the range: the input rate cannot be rebuilt',
    });
  const backlog = h.backlog === undefined ? undefined : carried(h.backlog);
  if (h.backlog === undefined) {
    caveats.push({
      figure: 'backlog',
      estimate: false,
      message:
        'no backlog series (pendingRecords, Beam’s source_splits_<n>_backlog_elements or source_backlog_elements) ' +
        'for this job: backlog time and its share within the threshold cannot be rebuilt, and the input rate is ' +
        'the records read alone, a lower bound whenever the job fell behind',
    });
    if (h.processedFrom !== undefined)
      caveats.push({
        figure: 'input rate',
        estimate: true,
        message: 'records read only (no backlog growth)',
      });
  } else if (h.backlogEstimatedShare?.some((s) => s > 0)) {
    const most = Math.max(...(h.backlogEstimatedShare ?? []));
    caveats.push({
      figure: 'backlog',
      estimate: true,
      message: `up to ${(100 * most).toFixed(0)} % of the splits reported -1 (unknown): their backlog is estimated as the mean of the known splits`,
    });
  }

  // input = records read + backlog growth, over the step before each point
  const inputRate = new Float64Array(n).fill(Number.NaN);
  for (let i = 0; i < n; i++) {
    const read = h.processed[i] as number;
    const b = backlog?.[i];
    const before = i > 0 ? backlog?.[i - 1] : undefined;
    const growth = b !== undefined && before !== undefined ? (b - before) / step : 0;
    if (Number.isFinite(read)) inputRate[i] = Math.max(0, read + growth);
    else if (b !== undefined && h.backlog !== undefined && Number.isFinite(h.backlog[i]))
      inputRate[i] = Math.max(0, growth); // nothing read (restarting): all input waits
  }
  const input = h.processedFrom === undefined ? new Float64Array(n) : carried(inputRate);

  if (h.workersFrom === undefined)
    caveats.push({
      figure: 'workers',
      estimate: false,
      message:
        'no TaskManager count (numRegisteredTaskManagers joined on host, or the tasks’ tm_id) for this job: the real ' +
        'worker-hours cannot be rebuilt and the replay starts at 1 worker',
    });
  else if (h.workersFrom === 'tasks')
    caveats.push({
      figure: 'workers',
      estimate: true,
      message: 'counted from the TaskManagers running the job’s tasks (none while it restarts: carried over)',
    });
  const workers = h.workersFrom === undefined ? new Float64Array(n).fill(1) : carried(h.workers);

  // capacity per worker: records per busy second of the busiest source subtask, per worker
  const steady = (i: number) => {
    const back = Math.ceil(SETTLE_SECONDS / step);
    for (let j = Math.max(0, i - back); j < i; j++) if (workers[j] !== workers[i]) return false;
    return i >= back || h.workers[0] === workers[i];
  };
  const fromBusy: number[] = [];
  const fromCpu: number[] = [];
  for (let i = 0; i < n; i++) {
    const read = h.processed[i] as number;
    const w = workers[i] as number;
    if (!(read > 0) || !(w > 0) || !steady(i)) continue;
    const busy = h.busy?.[i];
    if (busy !== undefined && busy >= MIN_BUSY_MS) fromBusy.push(read / (busy / 1000) / w);
    const cpu = h.cpu?.[i];
    if (cpu !== undefined && cpu >= MIN_CPU) fromCpu.push(read / (w * ((cpu - IDLE_CPU) / (1 - IDLE_CPU))));
  }
  let capacityPerWorker = median(fromBusy);
  let capacityFrom: Rebuilt['capacityFrom'] = capacityPerWorker === undefined ? undefined : 'busy-time';
  let capacityPoints = fromBusy.length;
  const busyWhy =
    h.busy !== undefined
      ? `the source was never busy ${MIN_BUSY_MS} ms/s or more at a steady size`
      : h.busySeries
        ? 'busyTimeMsPerSecond of the source task is NaN throughout (a legacy SourceFunction reports no busy time)'
        : 'no busyTimeMsPerSecond series of the source task';
  if (capacityPerWorker === undefined) {
    capacityPerWorker = median(fromCpu);
    capacityPoints = fromCpu.length;
    if (capacityPerWorker !== undefined) {
      capacityFrom = 'cpu';
      caveats.push({
        figure: 'capacity per worker',
        estimate: true,
        message: `from CPU load (${busyWhy}), assuming ${IDLE_CPU * 100} % idle CPU and load proportional to records`,
      });
    } else {
      const cpuWhy =
        h.cpu === undefined
          ? 'no TaskManager CPU series joined to the job by tm_id'
          : `the TaskManagers' CPU load never reached ${MIN_CPU}`;
      caveats.push({
        figure: 'capacity per worker',
        estimate: false,
        message: `${busyWhy}, and ${cpuWhy}: the capacity per worker cannot be rebuilt, so the policy cannot be replayed`,
      });
    }
  }
  if (capacityPerWorker !== undefined)
    caveats.push({
      figure: 'capacity per worker',
      estimate: true,
      message: `the median of ${capacityPoints} points, taken as linear in the workers (no efficiency loss or skew beyond what the sizes seen show)`,
    });

  let stateGiB = options.stateGiB;
  if (stateGiB === undefined && h.stateBytes !== undefined) {
    stateGiB = h.stateBytes / 1024 ** 3;
    caveats.push({
      figure: 'state size',
      estimate: true,
      message: `${stateGiB.toFixed(2)} GiB from ${h.stateFrom} (restore time = 10 s + state ÷ 100 MB/s)`,
    });
  } else if (stateGiB === undefined) {
    caveats.push({
      figure: 'state size',
      estimate: true,
      message: 'no checkpoint size series: 1 GiB assumed (give --state-gib)',
    });
  }

  // what the job really did
  let workerSeconds = 0;
  let rescales = 0;
  let within = 0;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    // point i stands for the step before it: the first point's step lies before the range
    if (i > 0) workerSeconds += (workers[i] as number) * step;
    if (i > 0 && workers[i] !== workers[i - 1]) rescales++;
    if (backlog !== undefined) {
      const bt = backlogSeconds(backlog[i] as number, input[i] as number);
      if (bt <= SLO_BACKLOG_SECONDS) within++;
      worst = Math.max(worst, bt);
    }
  }
  return {
    times,
    step,
    inputRate: input,
    backlog,
    workers,
    capacityPerWorker,
    capacityFrom,
    capacityPoints,
    stateGiB,
    real: {
      workerHours: h.workersFrom === undefined ? Number.NaN : workerSeconds / 3600,
      sloAttainment: backlog === undefined || n === 0 ? undefined : within / n,
      worstBacklogTimeSeconds: backlog === undefined ? undefined : worst,
      rescales,
    },
    caveats,
  };
}
