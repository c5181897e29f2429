/**
 * `backtest --fleet` over a few hundred generated jobs: an hour of Flink's PrometheusReporter series per job
 * in a TSDB block (promtool tsdb create-blocks-from openmetrics), served by Debian's Prometheus; every job gets
 * its line, sorted by what it would save, with totals, within bounded memory (peak RSS by /usr/bin/time).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, until } from '../fixtures/wait.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const JOBS = 300;
const STEP = 60;
const END = Math.floor(Date.now() / 1000 / 60) * 60 - 3600;
const START = END - 3600;

let prometheus: ChildProcess;
let promUrl: string;

/** Job k: input 500 + 10k records/s on 1 + k mod 4 workers of 1000 records/s, no backlog. */
function history(): string {
  const families = new Map<string, string[]>();
  const add = (name: string, labels: string, at: (t: number) => number) => {
    const lines = families.get(name) ?? [];
    for (let t = START; t <= END; t += STEP) lines.push(`${name}{${labels}} ${at(t)} ${t}`);
    families.set(name, lines);
  };
  for (let k = 0; k < JOBS; k++) {
    const rate = 500 + 10 * k;
    const workers = 1 + (k % 4);
    const job = `namespace="fleet",job_name="job_${k}",job_id="${k.toString(16).padStart(32, '0')}"`;
    const host = `host="10_0_${k >> 8}_${k & 255}"`;
    const tm = `tm_id="job_${k}_taskmanager_1_1",${host}`;
    const task = `${job},${tm},task_attempt_id="a${k}",task_name="Source:_Kafka",subtask_index="0"`;
    const op = `${task},operator_name="Source:_Kafka"`;
    add('flink_taskmanager_job_task_operator_numRecordsOut', op, (t) => rate * (t - START));
    add('flink_taskmanager_job_task_operator_pendingRecords', op, () => 0);
    add('flink_taskmanager_job_task_numRecordsOut', task, (t) => rate * (t - START));
    add('flink_taskmanager_job_task_busyTimeMsPerSecond', task, () => (1000 * rate) / (1000 * workers));
    add(
      'flink_taskmanager_Status_JVM_CPU_Load',
      `namespace="fleet",${tm}`,
      () => 0.05 + (0.95 * rate) / (1000 * workers),
    );
    add('flink_jobmanager_numRegisteredTaskManagers', `namespace="fleet",${host}`, () => workers);
    add('flink_jobmanager_job_numRestarts', `${job},${host}`, () => 0);
  }
  const out: string[] = [];
  for (const [name, lines] of families) out.push(`# TYPE ${name} gauge`, ...lines);
  out.push('# EOF');
  return `${out.join('\n')}\n`;
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fa-fleet-'));
  writeFileSync(join(dir, 'history.om'), history());
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
    const q = encodeURIComponent('count(flink_jobmanager_job_numRestarts)');
    const body = (await (await fetch(`${promUrl}/api/v1/query?query=${q}&time=${END}`)).json()) as {
      data?: { result: { value: [number, string] }[] };
    };
    return body.data?.result[0]?.value[1] === String(JOBS) ? true : undefined;
  });
}, 60_000);

afterAll(() => {
  prometheus?.kill('SIGTERM');
});

describe('backtest --fleet', () => {
  it(`replays ${JOBS} jobs, one line each sorted by saving, with totals, in bounded memory`, () => {
    const started = Date.now();
    const r = spawnSync(
      '/usr/bin/time',
      [
        '-f',
        'peak-rss-kib %M',
        join(root, 'node_modules/.bin/flink-autoscaler'),
        'backtest',
        ...['--prometheus', promUrl, '--fleet', '--namespace', 'fleet'],
        ...['--from', String(START), '--to', String(END), '--step', String(STEP)],
      ],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
    );
    const seconds = (Date.now() - started) / 1000;
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(JOBS + 1);
    expect(lines.at(-1)).toMatch(new RegExp(`^total: ${JOBS} jobs, ${JOBS} replayed`));
    const savings = lines.slice(0, -1).map((l) => Number(/saving +(-?\d+\.\d)/.exec(l)?.[1]));
    for (const s of savings) expect(Number.isFinite(s)).toBe(true);
    for (let i = 1; i < savings.length; i++) expect(savings[i]).toBeLessThanOrEqual(savings[i - 1] as number);
    // progress on stderr, a JSON line at most every second
    expect(r.stderr).toMatch(/\{"level":"info","msg":"backtest","progress":"\d+ of 300 jobs"/);
    const rss = Number(/peak-rss-kib (\d+)/.exec(r.stderr)?.[1]) / 1024;
    process.stderr.write(
      `backtest --fleet: ${JOBS} jobs in ${seconds.toFixed(1)} s, peak RSS ${rss.toFixed(0)} MiB\n`,
    );
    expect(rss).toBeLessThan(400);
  });
});
