/**
 * `flink-autoscaler backtest` end to end with Debian's Prometheus: the Flink double runs a known trace at a
 * fixed size for two hours of virtual time, its PrometheusReporter exposition is sampled every 30 s into a TSDB
 * block (promtool tsdb create-blocks-from openmetrics, so the long range exists without waiting), a real
 * Prometheus serves it, and the backtest rebuilds the input rate and predicts what `simulate` predicts.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateAt } from '../../sidecar/src/simulation/trace.js';
import { startFlinkDouble, type FlinkDouble } from '../doubles/flink/index.js';
import {
  openMetricsHistory,
  reporterSamples,
  type ReporterSample,
} from '../doubles/flink/prometheus-reporter.js';
import { freePort, until } from '../fixtures/wait.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'node_modules/.bin/flink-autoscaler');
const NS = 'streaming';
const HOURS = 2;
const SCRAPE = 30;
const DURATION = HOURS * 3600;
/** The range ends an hour ago: inside the retention, outside the head block. */
const END = Math.floor(Date.now() / 1000 / 60) * 60 - 3600;
const START = END - DURATION;

/** 1,700 records/s, 3,700 (above the 3,000 the 3 workers carry) for 40 minutes, then 1,300. */
const TRACE = {
  name: 'backtest-e2e',
  description: 'three steps on 3 workers of 1000 records/s',
  durationSeconds: DURATION,
  points: [
    [0, 1700],
    [2400, 1700],
    [2401, 3700],
    [4800, 3700],
    [4801, 1300],
  ] as [number, number][],
  surges: [],
  changes: [2400, 4800],
  job: { capacityPerWorker: 1000, initialWorkers: 3, stateMb: 1024, minWorkers: 1, maxWorkers: 100 },
};

let prometheus: ChildProcess;
let promUrl: string;
const doubles: FlinkDouble[] = [];

function withNamespace(samples: readonly ReporterSample[]): ReporterSample[] {
  return samples.map((s) => ({ ...s, labels: [...s.labels, ['namespace', NS] as const] }));
}

/** Runs the CLI; its stdout, stderr and exit status. */
function run(args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(cli, args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-backtest-'));
  const known = await startFlinkDouble({
    clusterId: 'clickstream',
    jobName: 'clickstream',
    jobShape: TRACE.job,
    slotsPerTaskManager: 1,
    trace: { points: TRACE.points },
    restartCosts: {},
    startEpochMs: START * 1000,
  });
  // a legacy source without backlog gauges: busy time NaN, no backlog
  const legacy = await startFlinkDouble({
    clusterId: 'legacy',
    jobName: 'legacy',
    jobShape: { capacityPerWorker: 1000, initialWorkers: 2 },
    slotsPerTaskManager: 1,
    input: 1200,
    backlog: 'none',
    legacySource: true,
    startEpochMs: START * 1000,
  });
  doubles.push(known, legacy);
  const times: number[] = [];
  for (let t = START; t <= END; t += SCRAPE) times.push(t);
  const history = openMetricsHistory(times, (t) => {
    for (const d of doubles) d.advance(t - START - d.time);
    return withNamespace([
      ...reporterSamples(known.cluster, known.topology),
      ...reporterSamples(legacy.cluster, legacy.topology),
    ]);
  });
  writeFileSync(join(dir, 'history.om'), history);
  writeFileSync(join(dir, 'trace.json'), JSON.stringify(TRACE));
  execFileSync(
    'promtool',
    ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'history.om'), join(dir, 'data')],
    {
      stdio: 'pipe',
    },
  );
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\nscrape_configs: []\n');
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  await until('Prometheus serves the block', 30, async () => {
    const res = await fetch(
      `${promUrl}/api/v1/query?query=${encodeURIComponent('count(flink_jobmanager_job_numRestarts)')}&time=${END}`,
    );
    const body = (await res.json()) as { data?: { result: unknown[] } };
    return (body.data?.result.length ?? 0) > 0 ? true : undefined;
  });
  process.env.FA_BACKTEST_DIR = dir;
}, 60_000);

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  for (const d of doubles) await d.close();
});

interface JobJson {
  inputRate: number[];
  step: number;
  capacityPerWorker: number;
  capacityFrom: string;
  real: { workerHours: number; sloAttainment: number };
  row: { workerHours: number; sloAttainment: number; rescales: number };
  scalings: { t: number; from: number; to: number; reasons: string[] }[];
  caveats: { figure: string; estimate: boolean; message: string }[];
}

describe('backtest against a real Prometheus holding the Flink double’s history', () => {
  const range = ['--prometheus', '', '--from', String(START), '--to', String(END)];
  const args = (...more: string[]) => {
    range[1] = promUrl;
    return ['backtest', ...range, ...more];
  };

  it('rebuilds the input rate within 5 % and predicts what simulate predicts for the same trace and size', () => {
    const out = run(args('--namespace', NS, '--job', 'clickstream', '--json'));
    expect(out.status, out.stderr).toBe(0);
    const job = JSON.parse(out.stdout) as JobJson;
    // every point away from the two steps (the 60 s window straddles them)
    let checked = 0;
    job.inputRate.forEach((rate, i) => {
      const t = i * job.step;
      const near = TRACE.changes.some((c) => Math.abs(c - t) <= 2 * job.step) || t < 2 * job.step;
      if (near) return;
      const truth = rateAt(TRACE, t - job.step / 2);
      expect(Math.abs(rate - truth) / truth, `t=${t}: ${rate} vs ${truth}`).toBeLessThanOrEqual(0.05);
      checked++;
    });
    expect(checked).toBeGreaterThan(100);
    expect(job.capacityFrom).toBe('busy-time');
    expect(Math.abs(job.capacityPerWorker - 1000) / 1000).toBeLessThan(0.05);
    // the job really ran 3 workers for 2 hours and fell behind during the 4,000 records/s step
    expect(job.real.workerHours).toBeCloseTo(6, 1);
    expect(job.real.sloAttainment).toBeLessThan(0.8);

    const sim = run([
      'simulate',
      '--trace',
      join(process.env.FA_BACKTEST_DIR as string, 'trace.json'),
      '--policy',
      'ours',
      '--json',
    ]);
    expect(sim.status, sim.stderr).toBe(0);
    const predicted = JSON.parse(sim.stdout) as {
      workerHours: number;
      sloAttainment: number;
      rescales: number;
    };
    const both = JSON.stringify({ backtest: job.row, scalings: job.scalings, simulate: predicted });
    expect(Math.abs(job.row.workerHours - predicted.workerHours) / predicted.workerHours, both).toBeLessThan(
      0.05,
    );
    expect(Math.abs(job.row.sloAttainment - predicted.sloAttainment)).toBeLessThan(0.03);
    process.stderr.write(
      `backtest: ${job.row.workerHours.toFixed(3)} worker-h, ${(100 * job.row.sloAttainment).toFixed(2)} % within 120 s, ` +
        `${job.row.rescales} rescales; simulate: ${predicted.workerHours.toFixed(3)}, ${(100 * predicted.sloAttainment).toFixed(2)} %, ` +
        `${predicted.rescales}; real: ${job.real.workerHours.toFixed(2)} worker-h, ${(100 * job.real.sloAttainment).toFixed(2)} %; ` +
        `capacity ${job.capacityPerWorker.toFixed(1)}/worker\n`,
    );
    expect(job.scalings.length).toBeGreaterThan(0);
    expect(job.scalings[0]?.reasons.length).toBeGreaterThan(0);
  });

  it('prints each scaling with its reasons, both figures, and writes the picture', () => {
    const svg = join(process.env.FA_BACKTEST_DIR as string, 'backtest.svg');
    const out = run(args('--namespace', NS, '--job', 'clickstream', '--svg', svg));
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/worker-hours {12}policy \d+\.\d · real 6\.0 · saving -?\d+\.\d/);
    expect(out.stdout).toMatch(/backlog time ≤ 120 s {4}policy \d+\.\d % · real \d+\.\d %/);
    expect(out.stdout).toMatch(/\d+ → \d+ {2}[a-z-]+/);
    expect(out.stdout).toMatch(/estimate: capacity per worker: the median of \d+ points/);
    const picture = readFileSync(svg, 'utf8');
    expect(picture).toMatch(/^<svg /);
    expect(picture).toContain('real: 6.0 worker-h');
    expect(picture).toMatch(/ours: \d+\.\d worker-h/);
  });

  it('says which figure it could not rebuild and why: no backlog, busy time NaN (capacity from CPU, an estimate)', () => {
    const out = run(args('--namespace', NS, '--job', 'legacy'));
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain('not rebuilt: backlog: no backlog series');
    expect(out.stdout).toContain('backlog time ≤ 120 s    policy');
    expect(out.stdout).toMatch(/real unknown/);
    expect(out.stdout).toContain(
      'estimate: capacity per worker: from CPU load (busyTimeMsPerSecond of the source task is NaN',
    );
  });

  it('names the job it found nothing of', () => {
    const out = run(args('--namespace', NS, '--job', 'nosuchjob'));
    expect(out.stdout).toContain('not rebuilt: input rate: no series of the source’s record counters');
    expect(out.stdout).toContain('not rebuilt: capacity per worker');
  });

  it('--metrics: a mapping file renames the series it reads', () => {
    const dir = process.env.FA_BACKTEST_DIR as string;
    writeFileSync(
      join(dir, 'mapping.json'),
      JSON.stringify({
        sourceCounters: ['flink_taskmanager_job_task_operator_numRecordsIn'],
        backlogGauges: ['platform_kafka_lag_records'],
      }),
    );
    const out = run(
      args('--namespace', NS, '--job', 'clickstream', '--json', '--metrics', join(dir, 'mapping.json')),
    );
    expect(out.status, out.stderr).toBe(0);
    const job = JSON.parse(out.stdout) as JobJson;
    expect(job.caveats.find((c) => c.figure === 'backlog' && !c.estimate)).toBeDefined();
    // numRecordsIn of the FLIP-27 source counts the same records
    expect(Math.abs((job.inputRate[20] as number) - 1700) / 1700).toBeLessThan(0.05);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ jobLable: 'x' }));
    const bad = run(args('--job', 'clickstream', '--metrics', join(dir, 'bad.json')));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--metrics .*bad\.json/);
  });

  it('reads a long range in chunks (2,401 points at a 3 s step) without a seam', () => {
    const out = run(args('--namespace', NS, '--job', 'clickstream', '--json', '--step', '3'));
    expect(out.status, out.stderr).toBe(0);
    const job = JSON.parse(out.stdout) as JobJson;
    expect(job.inputRate).toHaveLength(2401);
    for (const i of [1990, 1999, 2000, 2001, 2010]) {
      const truth = rateAt(TRACE, i * 3 - 1.5);
      expect(Math.abs((job.inputRate[i] as number) - truth) / truth, `point ${i}`).toBeLessThan(0.05);
    }
  });

  it('--fleet: one line per job, sorted by saving, with totals', () => {
    const out = run(args('--fleet', '--namespace', NS));
    expect(out.status, out.stderr).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^total: 2 jobs, 2 replayed/);
  });

  it('refuses an unreachable Prometheus with one line', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const out = run(['backtest', '--prometheus', url, '--job', 'x', '--from', 'now-1h']);
    expect(out.status).toBe(1);
    expect(out.stderr).toBe(`flink-autoscaler: cannot reach Prometheus at ${url}: ECONNREFUSED\n`);
  });
});
