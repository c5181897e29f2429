/**
 * Issue 13, "logs are hard to use": the real `flink-autoscaler sidecar` process's stderr. One JSON schema
 * (pino's `level`, `time` and `msg` once per line, the level as a word, the time ISO 8601 in wall-clock
 * time), HTTP requests at debug, the kubelet's probes and Prometheus's scrapes not logged at all, and
 * `--log-format text` for people.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ENABLED_LABEL } from '../../sidecar/src/kube/deployment.js';
import { startFlinkDouble, type FlinkDouble } from '../doubles/flink/index.js';
import { flinkDeployment, serviceAccount, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';
import { duplicateKeys } from '../fixtures/json-keys.js';
import { sidecarRules } from '../fixtures/rbac.js';
import { freePort, until } from '../fixtures/wait.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = join(root, 'sidecar/bin/flink-autoscaler.js');
const NS = 'streaming';
const NAME = 'clickstream';
const SA = serviceAccount(NS, 'flink', 'sidecar-token');

let flink: FlinkDouble | undefined;
let kube: KubeDouble | undefined;
let child: ChildProcess | undefined;
let ticker: NodeJS.Timeout | undefined;
afterEach(async () => {
  child?.kill('SIGKILL');
  clearInterval(ticker);
  await flink?.close();
  await kube?.close();
  child = undefined;
  flink = undefined;
  kube = undefined;
});

/**
 * Runs a sidecar on a job in Flink's and Kubernetes's doubles; probes, scrapes and asks for its status
 * while it runs several cycles, then stops it with SIGTERM and gives its stderr.
 */
async function runSidecar(args: string[], env: Record<string, string> = {}): Promise<string> {
  flink = await startFlinkDouble({
    clusterId: NAME,
    jobShape: { initialWorkers: 2, capacityPerWorker: 1000 },
    slotsPerTaskManager: 1,
    input: 1500,
    fetchIntervalSeconds: 0,
  });
  const f = flink;
  ticker = setInterval(() => f.advance(5), 250);
  kube = await startKubeDouble({ namespace: NS, users: [SA], rules: sidecarRules(NS, SA.username) });
  kube.flinkDeployments.put(
    flinkDeployment({
      name: NAME,
      namespace: NS,
      replicas: 2,
      slotsPerTaskManager: 1,
      labels: { [ENABLED_LABEL]: 'true' },
    }),
  );
  kube.flinkDeployments.reconcile(NS, NAME);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let stderr = '';
  const { LOG_LEVEL: _level, LOG_FORMAT: _format, ...inherited } = process.env;
  const proc = spawn(
    process.execPath,
    [
      bin,
      'sidecar',
      ...['--flink-url', f.url, '--namespace', NS, '--name', NAME, '--listen', `127.0.0.1:${port}`],
      ...['--kubeconfig', kube.kubeconfig({ token: SA.token }, { namespace: NS })],
      ...['--interval-seconds', '1', '--window-seconds', '4', '--no-leader-election'],
      ...args,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...inherited, ...env } },
  );
  child = proc;
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((done) => proc.once('exit', (code) => done(code)));
  await until('the sidecar is ready', 30, async () =>
    (await fetch(`${url}/readyz`)).status === 200 ? true : undefined,
  );
  for (let i = 0; i < 5; i++) {
    for (const path of ['/healthz', '/readyz', '/metrics']) expect((await fetch(url + path)).ok).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
  }
  expect((await fetch(`${url}/api/v1/status`)).status).toBe(200);
  expect((await fetch(`${url}/api/v1/nothing`)).status).toBe(404);
  await new Promise((r) => setTimeout(r, 1500));
  proc.kill('SIGTERM');
  expect(await exited).toBe(0);
  return stderr;
}

interface Line {
  level: string;
  time: string;
  msg: string;
  [field: string]: unknown;
}

/** Each line of a JSON log, checked for the one schema. */
function jsonLines(stderr: string, startedAt: number): Line[] {
  const lines = stderr.split('\n').filter((l) => l !== '');
  expect(lines.length).toBeGreaterThan(2);
  return lines.map((text) => {
    expect(duplicateKeys(text), text).toEqual([]);
    const line = JSON.parse(text) as Line;
    expect(['debug', 'info', 'warn', 'error', 'fatal'], text).toContain(line.level);
    expect(line.time, text).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Date.parse(line.time), text).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(Date.parse(line.time), text).toBeLessThanOrEqual(Date.now());
    expect(typeof line.msg, text).toBe('string');
    expect(line.component, text).toBe('flink-autoscaler-sidecar');
    return line;
  });
}

describe('the sidecar’s log', () => {
  it('is one JSON schema; at info no request lines but failures, and never a probe or a scrape', async () => {
    const startedAt = Date.now();
    const stderr = await runSidecar([]);
    const lines = jsonLines(stderr, startedAt);
    expect(lines.map((l) => l.msg)).toContain('listening');
    expect(lines.map((l) => l.msg)).toContain('stopping');
    // the loop's decisions, at info, with their reasons and gates (decision-log.ts)
    const decisions = lines.filter((l) => l.msg === 'decision');
    expect(decisions.length).toBeGreaterThan(0);
    for (const d of decisions) {
      expect(d).toMatchObject({ level: 'info', reasons: expect.any(Array), gates: expect.any(Array) });
    }
    expect(stderr).not.toMatch(/\/healthz|\/readyz|\/metrics/);
    // the status request is a debug line; the unknown path a client should hear about (warn)
    expect(stderr).not.toContain('/api/v1/status');
    const refused = lines.filter((l) => l.msg === 'http request');
    expect(refused).toEqual([
      expect.objectContaining({ level: 'warn', path: '/api/v1/nothing', status: 404 }),
    ]);
  }, 60_000);

  it('at debug: every request but probes and scrapes, with its method, path, status and duration', async () => {
    const startedAt = Date.now();
    const stderr = await runSidecar([], { LOG_LEVEL: 'debug' });
    const lines = jsonLines(stderr, startedAt);
    expect(stderr).not.toMatch(/\/healthz|\/readyz|\/metrics/);
    const requests = lines.filter((l) => l.msg === 'http request');
    expect(requests).toEqual([
      expect.objectContaining({ level: 'debug', method: 'GET', path: '/api/v1/status', status: 200 }),
      expect.objectContaining({ level: 'warn', method: 'GET', path: '/api/v1/nothing', status: 404 }),
    ]);
    for (const request of requests) expect(typeof request['durationMs']).toBe('number');
  }, 60_000);

  it('--log-format text: one line per entry for people, with the wall-clock time, level and message', async () => {
    const stderr = await runSidecar(['--log-format', 'text']);
    const lines = stderr.split('\n').filter((l) => l !== '');
    const now = new Date(); // the local date: text logs are for people, in their time zone
    const today = [now.getFullYear(), now.getMonth() + 1, now.getDate()]
      .map((n) => String(n).padStart(2, '0'))
      .join('-');
    // pino-pretty shows a `name` field (here the FlinkDeployment's) beside the level
    const listening = lines.find((l) => / INFO \(clickstream\): listening /.test(l));
    expect(listening, stderr).toMatch(
      new RegExp(`^\\[${today} \\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\] INFO .*: listening \\{.*"url":"http://127`),
    );
    for (const line of lines) {
      expect(line).toMatch(
        /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] (DEBUG|INFO|WARN|ERROR|FATAL)( \(.+\))?: /,
      );
      expect(line).not.toContain('\u001b['); // no colours when stderr is not a terminal
    }
    expect(stderr).not.toMatch(/\/healthz|\/readyz|\/metrics/);
  }, 60_000);

  it('refuses an unknown --log-format with exit 2, naming the values', () => {
    const result = spawnSync(process.execPath, [bin, 'sidecar', '--log-format', 'xml'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/--log-format.*'xml' is invalid.*json, text/);
  });
});
