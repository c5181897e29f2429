/**
 * A generated fleet for the fleet view's tests and benchmark: N jobs' flink-autoscaler series (as the sidecar
 * exports them: workers, desired_workers, decision{action} 0/1, mode{mode}, gate{gate} while one holds,
 * guard{guard} 0/1, some jobs with two sidecars for JobManager HA) over an hour, written as OpenMetrics for
 * `promtool tsdb create-blocks-from openmetrics` (streamed: 40,000 jobs are about 24 M samples), the
 * fleet's recording rules backfilled with `promtool tsdb create-blocks-from rules` against Debian's Prometheus
 * serving that block, then Prometheus restarted on both. Every job's state is a pure function of its index,
 * so the tests compute what the queries must answer without Prometheus.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, until } from '../fixtures/wait.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const RULES_FILE = join(ROOT, 'charts/flink-autoscaler/files/fleet-rules.yaml');
/** Seconds between two samples of a sidecar series (a PodMonitor interval). */
export const SCRAPE = 60;
export const GUARDS = ['native-mode', 'not-reactive', 'operator-autoscaler'] as const;

export interface FleetJob {
  namespace: string;
  flinkdeployment: string;
  /** Sidecars exporting the job (2: JobManager HA, the second not the leader). */
  sidecars: number;
  paused: boolean;
  manualHold: boolean;
  advisor: boolean;
  guards: string[];
}

export interface FleetShape {
  jobs: number;
  /** Unix seconds, a multiple of SCRAPE. */
  start: number;
  end: number;
}

export function job(k: number): FleetJob {
  return {
    namespace: `team-${k % 40}`,
    flinkdeployment: `job-${k}`,
    sidecars: k % 50 === 7 ? 2 : 1,
    paused: k % 17 === 3,
    manualHold: k % 19 === 5,
    advisor: k % 13 === 1,
    guards: GUARDS.filter((_, i) => k % [23, 31, 29][i]! === 2),
  };
}

/** Workers at time t: 1 to 40, some jobs scaled up half-way through. */
export function workersAt(k: number, t: number, shape: FleetShape): number {
  const base = 1 + ((k * 7) % 40);
  return base + (k % 4 === 0 && t >= shape.start + (shape.end - shape.start) / 2 ? 1 + (k % 5) : 0);
}

/**
 * Desired minus current workers at time t: most jobs 0; in the last ten minutes other jobs than before are
 * off their size (a topk made at each step, not at the end, would list jobs that are no longer off), so the
 * lists must be picked at the end of the range. Desired stays at least 1.
 */
export function toDesiredAt(k: number, t: number, shape: FleetShape): number {
  const late = t >= shape.end - 600;
  const raw = late ? (k % 3 === 0 ? ((k * 37) % 23) - 8 : 0) : k % 5 === 1 ? ((k * 53) % 31) - 10 : 0;
  return Math.max(raw, 1 - workersAt(k, t, shape));
}

export function actionOf(toDesired: number): 'scale-up' | 'scale-down' | 'none' {
  return toDesired > 0 ? 'scale-up' : toDesired < 0 ? 'scale-down' : 'none';
}

function times(shape: FleetShape): number[] {
  const out: number[] = [];
  for (let t = shape.start; t <= shape.end; t += SCRAPE) out.push(t);
  return out;
}

/** Writes the OpenMetrics file, one family after another, each series' samples together. */
export async function writeHistory(path: string, shape: FleetShape): Promise<number> {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let buffer = '';
  let samples = 0;
  const flush = async (force = false) => {
    if (buffer.length < 1 << 20 && !force) return;
    const chunk = buffer;
    buffer = '';
    if (!out.write(chunk)) await new Promise<void>((done) => out.once('drain', () => done()));
  };
  const ts = times(shape);
  const family = async (
    name: string,
    help: string,
    each: (k: number, j: FleetJob, emit: (labels: string, at: (t: number) => number) => void) => void,
  ) => {
    buffer += `# HELP ${name} ${help}\n# TYPE ${name} gauge\n`;
    for (let k = 0; k < shape.jobs; k++) {
      const j = job(k);
      for (let pod = 0; pod < j.sidecars; pod++) {
        const base = `namespace="${j.namespace}",flinkdeployment="${j.flinkdeployment}",pod="${j.flinkdeployment}-jm-${pod}"`;
        each(k, j, (labels, at) => {
          const full = labels ? `${base},${labels}` : base;
          for (const t of ts) buffer += `${name}{${full}} ${at(t)} ${t}\n`;
          samples += ts.length;
        });
      }
      await flush();
    }
  };
  await family('flink_autoscaler_workers', 'TaskManagers.', (k, _j, emit) =>
    emit('', (t) => workersAt(k, t, shape)),
  );
  await family('flink_autoscaler_desired_workers', 'Desired.', (k, _j, emit) =>
    emit('', (t) => workersAt(k, t, shape) + toDesiredAt(k, t, shape)),
  );
  await family('flink_autoscaler_decision', 'Decision.', (k, _j, emit) => {
    for (const action of ['scale-up', 'scale-down', 'none'])
      emit(`action="${action}"`, (t) => (actionOf(toDesiredAt(k, t, shape)) === action ? 1 : 0));
  });
  await family('flink_autoscaler_mode', 'Mode.', (_k, j, emit) =>
    emit(`mode="${j.advisor ? 'advisor' : 'active'}"`, () => 1),
  );
  await family('flink_autoscaler_gate', 'Gates.', (_k, j, emit) => {
    if (j.paused) emit('gate="paused"', () => 1);
    if (j.manualHold) emit('gate="manual-hold"', () => 1);
  });
  await family('flink_autoscaler_guard', 'Guards.', (_k, j, emit) => {
    for (const guard of GUARDS) emit(`guard="${guard}"`, () => (j.guards.includes(guard) ? 1 : 0));
  });
  buffer += '# EOF\n';
  await flush(true);
  await new Promise<void>((done, fail) => out.end((error?: Error | null) => (error ? fail(error) : done())));
  return samples;
}

export interface FleetPrometheus {
  url: string;
  dir: string;
  /** Raw samples written; seconds to write, to make blocks, to backfill the rules. */
  samples: number;
  seconds: { write: number; blocks: number; rules: number; start: number };
  stop(): Promise<void>;
}

function startServer(dir: string, port: number, rules: boolean): ChildProcess {
  const config = rules
    ? `global:\n  evaluation_interval: 1m\nrule_files: ['${RULES_FILE}']\nscrape_configs: []\n`
    : 'scrape_configs: []\n';
  writeFileSync(join(dir, 'prometheus.yml'), config);
  return spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=30d',
      '--query.max-samples=200000000',
    ],
    { stdio: 'ignore' },
  );
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}

async function ready(url: string, jobs: number, end: number, metric: string, seconds: number) {
  await until(`Prometheus serves ${metric}`, seconds, async () => {
    const q = encodeURIComponent(`count(max by (namespace, flinkdeployment) (${metric}))`);
    const r = await fetch(`${url}/api/v1/query?query=${q}&time=${end}`).catch(() => undefined);
    const body = (await r?.json().catch(() => undefined)) as
      { data?: { result: { value: [number, string] }[] } } | undefined;
    return body?.data?.result[0]?.value[1] === String(jobs) ? true : undefined;
  });
}

/**
 * The fleet in a real Prometheus: history written and made into blocks, Prometheus started on them, the
 * recording rules backfilled from it with promtool, Prometheus restarted with the rule blocks (and the rule
 * file loaded, as a Prometheus with the chart's PrometheusRule has it).
 */
export async function startFleetPrometheus(
  shape: FleetShape,
  log = (_: string) => {},
  into?: string,
): Promise<FleetPrometheus> {
  const dir = into ?? mkdtempSync(join(tmpdir(), 'fa-fleet-view-'));
  rmSync(join(dir, 'data'), { recursive: true, force: true });
  const data = join(dir, 'data');
  const clock = () => performance.now();
  let t = clock();
  const samples = await writeHistory(join(dir, 'history.om'), shape);
  const write = (clock() - t) / 1000;
  log(`wrote ${samples.toLocaleString('en')} samples of ${shape.jobs} jobs in ${write.toFixed(1)} s`);
  t = clock();
  execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'history.om'), data], {
    stdio: 'pipe',
    maxBuffer: 64 << 20,
  });
  const blocks = (clock() - t) / 1000;
  rmSync(join(dir, 'history.om'));
  log(`promtool made the blocks in ${blocks.toFixed(1)} s`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  t = clock();
  let server = startServer(dir, port, false);
  await ready(url, shape.jobs, shape.end, 'flink_autoscaler_workers', 600);
  const out = join(dir, 'rules');
  mkdirSync(out);
  execFileSync(
    'promtool',
    [
      'tsdb',
      'create-blocks-from',
      'rules',
      `--start=${shape.start}`,
      `--end=${shape.end}`,
      `--url=${url}`,
      `--output-dir=${out}`,
      RULES_FILE,
    ],
    { stdio: 'pipe', maxBuffer: 64 << 20 },
  );
  await stopServer(server);
  for (const block of readdirSync(out)) renameSync(join(out, block), join(data, block));
  const rules = (clock() - t) / 1000;
  log(`promtool backfilled the recording rules in ${rules.toFixed(1)} s`);
  t = clock();
  server = startServer(dir, port, true);
  await ready(url, shape.jobs, shape.end, 'flinkdeployment:flink_autoscaler_workers:max', 600);
  const start = (clock() - t) / 1000;
  log(`Prometheus serves raw and recorded series after ${start.toFixed(1)} s`);
  return { url, dir, samples, seconds: { write, blocks, rules, start }, stop: () => stopServer(server) };
}

/** Prometheus again on the blocks and rule blocks a previous startFleetPrometheus left in `dir`. */
export async function openFleetPrometheus(
  dir: string,
  shape: FleetShape,
  log = (_: string) => {},
): Promise<FleetPrometheus> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t = performance.now();
  const server = startServer(dir, port, true);
  await ready(url, shape.jobs, shape.end, 'flinkdeployment:flink_autoscaler_workers:max', 600);
  const start = (performance.now() - t) / 1000;
  log(`Prometheus serves the kept data of ${shape.jobs} jobs after ${start.toFixed(1)} s`);
  return {
    url,
    dir,
    samples: 0,
    seconds: { write: 0, blocks: 0, rules: 0, start },
    stop: () => stopServer(server),
  };
}
