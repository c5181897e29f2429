/**
 * The Prometheus queries the panel reads: one per series the sidecar exports (sidecar/src/metrics/exporter.ts),
 * for the job picked by the dashboard's `namespace` and `flinkdeployment` variables. The panel tells the
 * series apart by metric name (`__name__`) and, where the data source drops it, by the query's refId, so
 * a dashboard must use these refIds. The provisioned dashboard uses exactly this list (a test checks it).
 */

/** What the panel knows each series as. */
export type SeriesKey =
  | 'workers'
  | 'desired'
  | 'throughput'
  | 'backlog'
  | 'backlogGrowth'
  | 'backlogTime'
  | 'cpu'
  | 'scaleUpBacklogTime'
  | 'scaleDownBacklogTime'
  | 'scaleUpCpu'
  | 'scaleDownCpu'
  | 'targetCpu'
  | 'minWorkers'
  | 'maxWorkers'
  | 'decision'
  | 'reasons'
  | 'gates'
  | 'guards'
  | 'mode'
  | 'scalings'
  | 'recentScalings'
  | 'estimatedShare';

export interface PanelQuery {
  refId: SeriesKey;
  /** The sidecar's metric. */
  metric: string;
  /** PromQL, with the dashboard variables in it. */
  expr: string;
  legendFormat: string;
  /** What it is, for the README and the query editor's reader. */
  help: string;
}

/** The label selector of one job, from the dashboard variables. */
export const JOB_SELECTOR = 'namespace="$namespace", flinkdeployment="$flinkdeployment"';

function query(refId: SeriesKey, name: string, help: string, legend: string = refId): PanelQuery {
  const metric = `flink_autoscaler_${name}`;
  return { refId, metric, expr: `${metric}{${JOB_SELECTOR}}`, legendFormat: legend, help };
}

export const PANEL_QUERIES: readonly PanelQuery[] = [
  query('workers', 'workers', 'TaskManagers registered with the running job'),
  query('desired', 'desired_workers', 'TaskManagers the policy wants (before the gates)'),
  query('throughput', 'throughput_per_second', 'records (or bytes, label unit) read per second', '{{unit}}'),
  query('backlog', 'backlog', 'records (or bytes) waiting at the source', '{{unit}}'),
  query('backlogGrowth', 'backlog_growth_per_second', 'change of the backlog per second', '{{unit}}'),
  query('backlogTime', 'backlog_time_seconds', 'seconds to drain the backlog at the current throughput'),
  query('cpu', 'cpu_utilization_ratio', 'mean TaskManager CPU load, 0 to 1'),
  query('scaleUpBacklogTime', 'scale_up_backlog_time_threshold_seconds', 'scale up above this backlog time'),
  query('scaleDownBacklogTime', 'scale_down_backlog_time_threshold_seconds', 'scale down only below it'),
  query('scaleUpCpu', 'scale_up_cpu_threshold_ratio', 'scale up above this CPU load'),
  query('scaleDownCpu', 'scale_down_cpu_threshold_ratio', 'scale down only below this CPU load'),
  query('targetCpu', 'target_cpu_ratio', 'the CPU load a resized job lands at'),
  query('minWorkers', 'min_workers', 'the fewest TaskManagers allowed'),
  query('maxWorkers', 'max_workers', 'the most TaskManagers allowed (with max parallelism)'),
  query('decision', 'decision', '1 for the current action (label action)', '{{action}}'),
  query('reasons', 'decision_reason', '1 for each reason of the decision (label reason)', '{{reason}}'),
  query('gates', 'gate', '1 for each gate holding the decision back (label gate)', '{{gate}}'),
  query('guards', 'guard', '1 for each guard that keeps the sidecar to advice (label guard)', '{{guard}}'),
  query('mode', 'mode', '1 for the mode, active or advisor (label mode)', '{{mode}}'),
  query(
    'scalings',
    'scalings_total',
    'scalings carried out (labels direction, trigger)',
    '{{direction}} {{trigger}}',
  ),
  query(
    'recentScalings',
    'recent_scaling_timestamp_seconds',
    'the last scalings, one series each, value = when (Unix time): who (label by), why (label reasons), ' +
      'from and to',
    '{{direction}} {{from}} → {{to}} by {{by}}',
  ),
  query(
    'estimatedShare',
    'backlog_estimated_share',
    'share of a source’s backlog that is an estimate (Beam splits reporting -1), 0 to 1 (label source)',
    '{{source}}',
  ),
];

const BY_METRIC = new Map(PANEL_QUERIES.map((q) => [q.metric, q.refId]));
const BY_REF = new Set<string>(PANEL_QUERIES.map((q) => q.refId));

/** Which series a field holds: by its metric name, else by its query's refId; undefined if neither. */
export function seriesKeyOf(
  metricName: string | undefined,
  refId: string | undefined,
): SeriesKey | undefined {
  if (metricName !== undefined) {
    const key = BY_METRIC.get(metricName);
    if (key !== undefined) return key;
  }
  if (refId !== undefined && BY_REF.has(refId)) return refId as SeriesKey;
  return undefined;
}
