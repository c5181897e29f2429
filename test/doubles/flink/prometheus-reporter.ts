/**
 * The Flink double's metrics as Flink's PrometheusReporter exposes them (flink-metrics-prometheus,
 * AbstractPrometheusReporter): every metric a gauge (counters and meters too) named
 * `flink_<logical scope>_<metric>` with each character outside [a-zA-Z0-9:_] replaced by `_`; the metric
 * group's variables as labels (`<job_name>` → `job_name`), their values filtered the same way; histograms
 * left out (the double has none); a Boolean gauge as 1/0, a non-numeric gauge as 0.
 *
 * Scopes and labels, with Flink's default scope formats:
 * - JobManager: `flink_jobmanager_<m>{host}`; its job: `flink_jobmanager_job_<m>{host,job_id,job_name}`.
 * - TaskManager: `flink_taskmanager_<m>{host,tm_id}` (no job label: join on tm_id).
 * - Task: `flink_taskmanager_job_task_<m>{host,tm_id,job_id,job_name,task_id,task_attempt_id,task_name,
 *   task_attempt_num,subtask_index}`; operator: the same plus `operator_id`, `operator_name` (the name cut to
 *   80 characters first, as MetricUtils does).
 * - A Beam metric `source.splits.<n>.backlog_elements` is one metric name:
 *   `flink_taskmanager_job_task_operator_source_splits_<n>_backlog_elements`.
 * - The KafkaSource's key/value groups (`topic`, `partition`) become part of the scope and labels:
 *   `flink_taskmanager_job_task_operator_KafkaSourceReader_topic_partition_currentOffset{topic,partition}`.
 *
 * A restart gives the new tasks a new `task_attempt_id` (new series; the old ones end), as in Flink. Flink
 * runs one reporter per process (JobManager and each TaskManager, port 9249 by default); this double serves all
 * of them on one endpoint, which is the same set of series once Prometheus has scraped every process.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchMetrics } from './catalogue.js';
import type { SimulatedCluster } from './cluster.js';
import { hexId, truncateOperatorName } from './ids.js';
import type { MetricMap, MetricValue } from './store.js';
import type { Topology, VertexTopology } from './topology.js';

/** One exposed sample: a metric name, its labels in the reporter's order, a value and the family's help. */
export interface ReporterSample {
  name: string;
  labels: readonly (readonly [string, string])[];
  value: number;
  help: string;
}

/** AbstractPrometheusReporter.replaceInvalidChars: every character outside [a-zA-Z0-9:_] becomes `_`. */
export function replaceInvalidChars(input: string): string {
  return input.replace(/[^a-zA-Z0-9:_]/g, '_');
}

/** The gauge value the reporter reports: numbers as they are, a Boolean as 1/0, anything else 0. */
function gaugeValue(v: MetricValue): number {
  if (v.kind !== 'text') return v.value;
  if (v.value === 'true') return 1;
  return 0;
}

/** The TaskManager's host (its pod IP on Kubernetes); the reporter filters it like any label value. */
function taskManagerHost(index: number): string {
  return `10.244.1.${index}`;
}

const JOBMANAGER_HOST = '10.244.0.2';

type Labels = [string, string][];

function labels(pairs: Labels): Labels {
  return pairs.map(([k, v]) => [k, replaceInvalidChars(v)]);
}

/** The operator a REST metric id belongs to (`<operator part>.<metric>`) and the rest of the id. */
function splitOperator(
  vertex: VertexTopology,
  id: string,
): { operator: string; index: number; metric: string } | undefined {
  const dot = id.indexOf('.');
  if (dot < 0) return undefined;
  const part = id.slice(0, dot);
  const index = vertex.operatorParts.indexOf(part);
  if (index < 0) return undefined;
  return { operator: vertex.operators[index] as string, index, metric: id.slice(dot + 1) };
}

/**
 * Every sample the reporters of the cluster's processes expose at the cluster's current virtual time (live
 * values, not the JobManager's 10 s metric store).
 */
export function reporterSamples(cluster: SimulatedCluster, topo: Topology): ReporterSample[] {
  const o = cluster.options;
  const snapshot = fetchMetrics(cluster, topo, undefined);
  const out: ReporterSample[] = [];
  const add = (scope: string, metric: string, l: Labels, value: MetricValue) => {
    out.push({
      name: `flink_${scope}_${replaceInvalidChars(metric)}`,
      labels: labels(l),
      value: gaugeValue(value),
      help: `${metric} (scope: ${scope})`,
    });
  };
  const jm: Labels = [['host', JOBMANAGER_HOST]];
  for (const [id, v] of snapshot.jobmanager) add('jobmanager', id, jm, v);
  const job: Labels = [...jm, ['job_id', o.jobId], ['job_name', o.jobName]];
  for (const [id, v] of snapshot.jobs.get(o.jobId) ?? new Map<string, MetricValue>())
    add('jobmanager_job', id, job, v);
  const tmLabels = new Map<string, Labels>();
  for (const tm of cluster.taskManagers) {
    const l: Labels = [
      ['host', taskManagerHost(tm.index)],
      ['tm_id', tm.id],
    ];
    tmLabels.set(tm.id, l);
    for (const [id, v] of snapshot.taskmanagers.get(tm.id) ?? new Map<string, MetricValue>())
      add('taskmanager', id, l, v);
  }
  const attempt = cluster.attempt;
  const tasks = snapshot.tasks.get(o.jobId);
  if (attempt === undefined || tasks === undefined) return out;
  for (const vertex of topo.vertices) {
    const subtasks = tasks.get(vertex.id);
    if (subtasks === undefined) continue;
    for (const [i, metrics] of subtasks) {
      const tm = cluster.taskManagers[Math.floor(i / o.slots)] ?? cluster.taskManagers.at(-1);
      const task: Labels = [
        ...(tm === undefined ? [] : (tmLabels.get(tm.id) ?? [])),
        ['job_id', o.jobId],
        ['job_name', o.jobName],
        ['task_id', vertex.id],
        ['task_attempt_id', hexId(`${o.jobId}/${vertex.id}/${attempt.start}/${i}`)],
        ['task_name', vertex.name],
        ['task_attempt_num', String(cluster.numRestarts)],
        ['subtask_index', String(i)],
      ];
      addTask(add, vertex, task, metrics, o.jobId);
    }
  }
  return out;
}

function addTask(
  add: (scope: string, metric: string, l: Labels, value: MetricValue) => void,
  vertex: VertexTopology,
  task: Labels,
  metrics: MetricMap,
  jobId: string,
): void {
  for (const [id, v] of metrics) {
    const op = splitOperator(vertex, id);
    if (op === undefined) {
      add('taskmanager_job_task', id, task, v);
      continue;
    }
    const operator: Labels = [
      ...task,
      ['operator_id', hexId(`${jobId}/${vertex.id}/operator/${op.index}`)],
      ['operator_name', truncateOperatorName(op.operator)],
    ];
    // KafkaSourceReader.topic.<t>.partition.<p>.<metric>: key/value groups (part of the scope, and labels)
    const kafka = /^KafkaSourceReader\.topic\.(.+)\.partition\.(\d+)\.([^.]+)$/.exec(op.metric);
    if (kafka) {
      const [, topic = '', partition = '', metric = ''] = kafka;
      add(
        'taskmanager_job_task_operator_KafkaSourceReader_topic_partition',
        metric,
        [...operator, ['topic', topic], ['partition', partition]],
        v,
      );
      continue;
    }
    add('taskmanager_job_task_operator', op.metric, operator, v);
  }
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function labelText(l: ReporterSample['labels']): string {
  return l.length === 0 ? '' : `{${l.map(([k, v]) => `${k}="${v}"`).join(',')}}`;
}

/** Samples in Prometheus's text format 0.0.4, one HELP and TYPE per family (as the Java client writes). */
export function textExposition(samples: readonly ReporterSample[]): string {
  const families = new Map<string, ReporterSample[]>();
  for (const s of samples) {
    const family = families.get(s.name);
    if (family) family.push(s);
    else families.set(s.name, [s]);
  }
  const lines: string[] = [];
  for (const [name, family] of families) {
    lines.push(`# HELP ${name} ${(family[0] as ReporterSample).help}`, `# TYPE ${name} gauge`);
    for (const s of family) lines.push(`${name}${labelText(s.labels)} ${formatValue(s.value)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A history in OpenMetrics text for `promtool tsdb create-blocks-from openmetrics`: `at(t)` gives the samples at
 * each epoch second of `times`; every family's samples together, every series in time order, then `# EOF`.
 */
export function openMetricsHistory(
  times: readonly number[],
  at: (epochSeconds: number) => readonly ReporterSample[],
): string {
  const families = new Map<string, { help: string; series: Map<string, string[]> }>();
  for (const t of times) {
    for (const s of at(t)) {
      let family = families.get(s.name);
      if (!family) {
        family = { help: s.help, series: new Map() };
        families.set(s.name, family);
      }
      const key = labelText(s.labels);
      let lines = family.series.get(key);
      if (!lines) {
        lines = [];
        family.series.set(key, lines);
      }
      lines.push(`${s.name}${key} ${formatValue(s.value)} ${t}`);
    }
  }
  const out: string[] = [];
  for (const [name, family] of families) {
    out.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} gauge`);
    for (const lines of family.series.values()) out.push(...lines);
  }
  out.push('# EOF');
  return `${out.join('\n')}\n`;
}

export interface PrometheusReporterEndpoint {
  /** `http://127.0.0.1:<port>`; the metrics are at `/metrics`. */
  url: string;
  port: number;
  /** HOST:PORT for a scrape config. */
  target: string;
  close(): Promise<void>;
}

/** Serves the cluster's reporter samples at GET /metrics on an ephemeral port of 127.0.0.1. */
export async function startPrometheusReporter(double: {
  cluster: SimulatedCluster;
  topology: Topology;
}): Promise<PrometheusReporterEndpoint> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    const body = textExposition(reporterSamples(double.cluster, double.topology));
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    target: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
