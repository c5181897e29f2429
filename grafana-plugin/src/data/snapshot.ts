/**
 * The job as it stands at the end of the time range: workers, signals, thresholds (the sidecar's, or the
 * policy defaults when its series are missing), decision, reasons, gates and mode, plus what is missing.
 */
import { PANEL_DEFAULTS as DEFAULT_CONFIG } from '../policy/config';
import { activeLabels, lastPoint, latest, type Series, type SeriesMap } from './frames';
import type { SeriesKey } from './queries';

export interface Threshold {
  value: number;
  /** false when the sidecar exported none in the time range and the policy default stands in. */
  fromSidecar: boolean;
}

export interface Thresholds {
  scaleUpBacklogTime: Threshold;
  scaleDownBacklogTime: Threshold;
  scaleUpCpu: Threshold;
  scaleDownCpu: Threshold;
  targetCpu: Threshold;
  minWorkers: Threshold;
  maxWorkers: Threshold;
}

export type Action = 'scale-up' | 'scale-down' | 'none';

export interface Snapshot {
  /** Unix ms of the newest sample of any series; undefined when there is no data at all. */
  time: number | undefined;
  workers: number | undefined;
  desired: number | undefined;
  throughput: number | undefined;
  backlog: number | undefined;
  backlogGrowth: number | undefined;
  backlogTime: number | undefined;
  cpu: number | undefined;
  /** records or bytes (the throughput/backlog `unit` label). */
  unit: string;
  thresholds: Thresholds;
  action: Action | undefined;
  reasons: string[];
  gates: string[];
  /** Guards that keep the sidecar to advice (its `flink_autoscaler_guard{guard}` series at 1). */
  guards: string[];
  mode: 'active' | 'advisor' | undefined;
  /**
   * The largest share of a source's backlog that is an estimate (unknown splits counted as the mean known
   * split), at the latest sample of each source; undefined when the sidecar exports none.
   */
  estimatedShare: number | undefined;
  /** The signals the panel shows that have no sample in the time range. */
  missing: SeriesKey[];
}

const SHOWN: readonly SeriesKey[] = [
  'workers',
  'desired',
  'backlogTime',
  'cpu',
  'backlog',
  'backlogGrowth',
  'throughput',
  'decision',
  'mode',
];

const DEFAULTS: Record<keyof Thresholds, number> = {
  scaleUpBacklogTime: DEFAULT_CONFIG.scaleUp.backlogTimeSeconds,
  scaleDownBacklogTime: DEFAULT_CONFIG.scaleDown.backlogTimeSeconds,
  scaleUpCpu: DEFAULT_CONFIG.scaleUp.cpu,
  scaleDownCpu: DEFAULT_CONFIG.scaleDown.cpu,
  targetCpu: DEFAULT_CONFIG.targetCpu,
  minWorkers: DEFAULT_CONFIG.minWorkers,
  maxWorkers: DEFAULT_CONFIG.maxWorkers,
};

function value(series: SeriesMap, key: SeriesKey): number | undefined {
  return latest(series[key])?.value;
}

/** The largest of the series' last values (one series per source), undefined when none has a value. */
function largestLatest(list: readonly Series[] | undefined): number | undefined {
  const values = (list ?? []).map((s) => lastPoint(s)?.value).filter((v) => v !== undefined);
  return values.length > 0 ? Math.max(...values) : undefined;
}

function threshold(series: SeriesMap, key: keyof Thresholds): Threshold {
  const v = value(series, key);
  return v === undefined || !Number.isFinite(v)
    ? { value: DEFAULTS[key], fromSidecar: false }
    : { value: v, fromSidecar: true };
}

export function snapshot(series: SeriesMap): Snapshot {
  const times = Object.values(series)
    .map((list) => latest(list)?.time)
    .filter((t): t is number => t !== undefined);
  const action = activeLabels(series.decision, 'action')[0];
  const mode = activeLabels(series.mode, 'mode')[0];
  const thresholds = {} as Thresholds;
  for (const key of Object.keys(DEFAULTS) as (keyof Thresholds)[]) thresholds[key] = threshold(series, key);
  return {
    time: times.length > 0 ? Math.max(...times) : undefined,
    workers: value(series, 'workers'),
    desired: value(series, 'desired'),
    throughput: value(series, 'throughput'),
    backlog: value(series, 'backlog'),
    backlogGrowth: value(series, 'backlogGrowth'),
    backlogTime: value(series, 'backlogTime'),
    cpu: value(series, 'cpu'),
    unit:
      latest(series.throughput)?.series.labels['unit'] ??
      latest(series.backlog)?.series.labels['unit'] ??
      'records',
    thresholds,
    action: action === 'scale-up' || action === 'scale-down' || action === 'none' ? action : undefined,
    reasons: activeLabels(series.reasons, 'reason'),
    gates: activeLabels(series.gates, 'gate'),
    guards: activeLabels(series.guards, 'guard'),
    mode: mode === 'active' || mode === 'advisor' ? mode : undefined,
    estimatedShare: largestLatest(series.estimatedShare),
    missing: SHOWN.filter((key) => latest(series[key]) === undefined),
  };
}
