/**
 * The Prometheus series the backtest reads, as Flink's PrometheusReporter names them (default scope formats),
 * and the `--metrics` mapping file that renames them for platforms that relabel.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export const metricNamesSchema = z.strictObject({
  /** Label holding Flink's job name (the reporter's `<job_name>` variable). */
  jobLabel: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/),
  /** Label the scrape adds for the Kubernetes namespace (e.g. from a pod or service monitor). */
  namespaceLabel: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/),
  /** Label holding the operator name (cut to 80 characters and filtered by Flink). */
  operatorLabel: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/),
  /** Regular expression (PromQL, RE2) on the operator label that picks the source operators. */
  sourceOperator: z.string().min(1),
  /** Cumulative counters of records read by the source, first found wins (counters exported as gauges). */
  sourceCounters: z.array(z.string().min(1)).min(1),
  /**
   * Backlog gauges, first found wins: a metric name, or `~REGEX` for a family of names (Beam's per-split
   * gauges are one name per split). -1 (unknown) is estimated as the mean of the known ones.
   */
  backlogGauges: z.array(z.string().min(1)).min(1),
  /** Busy time per task, ms/s (0..1000). */
  busyTime: z.string().min(1),
  /** A task-scope series every running subtask has (joins TaskManagers to the job by `tm_id`). */
  taskSeries: z.string().min(1),
  /** TaskManager CPU load 0..1 (no job label). */
  cpuLoad: z.string().min(1),
  /** The JobManager's registered TaskManagers (no job label: joined to the job by `host`). */
  registeredTaskManagers: z.string().min(1),
  /** A job-scope series on the JobManager (carries the job label and the JobManager's `host`). */
  jobSeries: z.string().min(1),
  /** Checkpoint size in bytes, first found wins: the state a restart restores. */
  checkpointSize: z.array(z.string().min(1)),
});
export type MetricNames = z.infer<typeof metricNamesSchema>;

export const DEFAULT_METRIC_NAMES: MetricNames = {
  jobLabel: 'job_name',
  namespaceLabel: 'namespace',
  operatorLabel: 'operator_name',
  sourceOperator: 'Source:.*',
  sourceCounters: [
    'flink_taskmanager_job_task_operator_numRecordsOut',
    'flink_taskmanager_job_task_operator_numRecordsIn',
    'flink_taskmanager_job_task_operator_source_elements_read',
  ],
  backlogGauges: [
    'flink_taskmanager_job_task_operator_pendingRecords',
    '~flink_taskmanager_job_task_operator_source_splits_[0-9]+_backlog_elements',
    'flink_taskmanager_job_task_operator_source_backlog_elements',
  ],
  busyTime: 'flink_taskmanager_job_task_busyTimeMsPerSecond',
  taskSeries: 'flink_taskmanager_job_task_numRecordsOut',
  cpuLoad: 'flink_taskmanager_Status_JVM_CPU_Load',
  registeredTaskManagers: 'flink_jobmanager_numRegisteredTaskManagers',
  jobSeries: 'flink_jobmanager_job_numRestarts',
  checkpointSize: ['flink_jobmanager_job_lastCheckpointFullSize', 'flink_jobmanager_job_lastCheckpointSize'],
};

/** The default names with a mapping file's entries over them; a bad file is an Error naming the field. */
export function loadMetricNames(file: string | undefined): MetricNames {
  if (file === undefined) return DEFAULT_METRIC_NAMES;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`--metrics ${file}: ${(error as Error).message}`, { cause: error });
  }
  const parsed = metricNamesSchema.partial().safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`--metrics ${file}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return { ...DEFAULT_METRIC_NAMES, ...parsed.data };
}

/** Flink's PrometheusReporter filter: every character outside [a-zA-Z0-9:_] becomes `_` (label values too). */
export function flinkLabelValue(raw: string): string {
  return raw.replace(/[^a-zA-Z0-9:_]/g, '_');
}

/** A PromQL string literal. */
export function promString(value: string): string {
  return JSON.stringify(value);
}

/** A selector for `name` (or a `~REGEX` family of names) with extra matchers. */
export function selector(name: string, matchers: readonly string[]): string {
  const all = name.startsWith('~') ? [`__name__=~${promString(name.slice(1))}`, ...matchers] : matchers;
  const head = name.startsWith('~') ? '' : name;
  return `${head}{${all.join(',')}}`;
}
