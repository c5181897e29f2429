/**
 * The Flink double's PrometheusReporter exposition: promtool accepts it, and a real Prometheus (Debian's)
 * scrapes it and answers PromQL with Flink's names and labels.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus } from '../../fixtures/prometheus.js';
import { until } from '../../fixtures/wait.js';
import { BEAM_KAFKA_SOURCE, startFlinkDouble, type FlinkDouble } from './index.js';
import {
  replaceInvalidChars,
  reporterSamples,
  startPrometheusReporter,
  textExposition,
  type PrometheusReporterEndpoint,
} from './prometheus-reporter.js';

let flink: FlinkDouble;
let reporter: PrometheusReporterEndpoint;
let prometheus: ChildProcess;
let promUrl: string;

interface Row {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(q: string): Promise<Row[]> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { status: string; data?: { result: Row[] }; error?: string };
  if (body.status !== 'success') throw new Error(`${q}: ${body.error}`);
  return body.data?.result ?? [];
}

beforeAll(async () => {
  flink = await startFlinkDouble({
    clusterId: 'clickstream',
    jobName: 'click stream/enrich v2',
    jobShape: { initialWorkers: 2, capacityPerWorker: 1000 },
    slotsPerTaskManager: 1,
    input: 1500,
    backlog: 'beam-splits',
    legacySource: false,
    splits: 4,
    unknownSplits: [3],
  });
  flink.advance(120);
  reporter = await startPrometheusReporter(flink);
  ({ url: promUrl, process: prometheus } = await startPrometheus([reporter.target]));
}, 30_000);

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  await reporter?.close();
  await flink?.close();
});

describe("the Flink double as Flink's PrometheusReporter", () => {
  it('writes an exposition promtool accepts, every name and label value within [a-zA-Z0-9:_]', () => {
    const text = textExposition(reporterSamples(flink.cluster, flink.topology));
    // promtool exits 1 on an exposition it cannot parse, 3 on lint advice only: Flink's own camelCase names
    // (busyTimeMsPerSecond) draw the snake_case advice, and nothing else may
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.error).toBeUndefined();
    expect([0, 3]).toContain(check.status);
    const advice = `${check.stdout}${check.stderr}`.split('\n').filter((l) => l.trim() !== '');
    for (const line of advice) expect(line).toMatch(/should be written in 'snake_case' not 'camelCase'$/);
    const broken = spawnSync('promtool', ['check', 'metrics'], {
      input: text.replace('} ', ' '),
      encoding: 'utf8',
    });
    expect(broken.status).toBe(1);
    for (const s of reporterSamples(flink.cluster, flink.topology)) {
      expect(s.name).toMatch(/^flink_[a-zA-Z0-9:_]+$/);
      for (const [, v] of s.labels) expect(v).toMatch(/^[a-zA-Z0-9:_]*$/);
    }
    expect(replaceInvalidChars('Source: Kafka Source -> Map')).toBe('Source:_Kafka_Source____Map');
  });

  it('is scraped by a real Prometheus: split backlog as metric names, cut operator names, TaskManagers without job labels', async () => {
    const name = replaceInvalidChars('click stream/enrich v2');
    const splits = await until('the split backlog gauges', 30, async () => {
      const rows = await query(
        `{__name__=~"flink_taskmanager_job_task_operator_source_splits_[0-9]+_backlog_elements",job_name="${name}"}`,
      );
      return rows.length === 4 ? rows : undefined;
    });
    const names = splits.map((r) => r.metric.__name__).sort();
    expect(names).toEqual(
      [0, 1, 2, 3].map((k) => `flink_taskmanager_job_task_operator_source_splits_${k}_backlog_elements`),
    );
    const row = splits[0] as Row;
    expect(row.metric.operator_name).toBe(replaceInvalidChars(BEAM_KAFKA_SOURCE.slice(0, 80)));
    expect(row.metric.operator_name).toHaveLength(80);
    for (const label of ['job_id', 'task_name', 'subtask_index', 'tm_id', 'host', 'task_attempt_id'])
      expect(row.metric[label], label).toBeDefined();
    // the unknown split reports -1
    expect(splits.find((r) => r.metric.__name__?.includes('_3_'))?.value[1]).toBe('-1');

    const cpu = await query('flink_taskmanager_Status_JVM_CPU_Load');
    expect(cpu).toHaveLength(2);
    for (const r of cpu) {
      expect(r.metric.job_name).toBeUndefined();
      expect(r.metric.tm_id).toMatch(/^clickstream_taskmanager_1_\d$/);
    }
    // counters as gauges; the CPU joins the job through tm_id
    const joined = await query(
      `flink_taskmanager_Status_JVM_CPU_Load and on(tm_id) flink_taskmanager_job_task_numRecordsOut{job_name="${name}"}`,
    );
    expect(joined).toHaveLength(2);
    const restarts = await query(`flink_jobmanager_job_numRestarts{job_name="${name}"}`);
    expect(restarts[0]?.value[1]).toBe('0');
    const tms = await query('flink_jobmanager_numRegisteredTaskManagers');
    expect(tms[0]?.value[1]).toBe('2');
  });

  it('starts new series after a restart (a new task_attempt_id), leaving the old ones to end', async () => {
    const before = new Set(
      (await query('flink_taskmanager_job_task_busyTimeMsPerSecond')).map((r) => r.metric.task_attempt_id),
    );
    expect(before.size).toBe(4);
    flink.setReplicas(1);
    flink.advance(60);
    const after = await until('the new attempt is scraped', 30, async () => {
      const rows = await query('flink_taskmanager_job_task_busyTimeMsPerSecond');
      const ids = new Set(rows.map((r) => r.metric.task_attempt_id));
      return [...ids].some((id) => !before.has(id)) ? ids : undefined;
    });
    // with the old series gone from the exposition, Prometheus marks them stale: only the new attempt answers
    const fresh = await until('only the new attempt answers', 30, async () => {
      const ids = new Set(
        (await query('flink_taskmanager_job_task_busyTimeMsPerSecond')).map((r) => r.metric.task_attempt_id),
      );
      return [...ids].every((id) => !before.has(id)) ? ids : undefined;
    });
    expect(after.size).toBeGreaterThan(0);
    expect(fresh.size).toBe(2); // source and sink, one subtask each
  });
});
