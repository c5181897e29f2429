/**
 * Issue 13, "logs ... not its decisions and their reasons": the real `flink-autoscaler sidecar` process logs
 * each decision at info with its reasons, gates and signals when the decision or its reasons change, and a
 * heartbeat every --log-heartbeat-seconds while nothing changes, never a line per cycle.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ENABLED_LABEL } from '../../sidecar/src/kube/deployment.js';
import { startFlinkDouble, type FlinkDouble } from '../doubles/flink/index.js';
import { flinkDeployment, serviceAccount, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';
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

interface Line {
  level: string;
  time: string;
  msg: string;
  [field: string]: unknown;
}

describe('the sidecar’s decision log', () => {
  it('logs decisions at info when they change and as a heartbeat, with reasons, gates and signals', async () => {
    // a steady job inside every band: after the window fills, the decision stays "none, within-bands"
    flink = await startFlinkDouble({
      clusterId: NAME,
      jobShape: { initialWorkers: 2, capacityPerWorker: 1000 },
      slotsPerTaskManager: 1,
      input: 1500,
      fetchIntervalSeconds: 0,
    });
    const f = flink;
    ticker = setInterval(() => f.advance(1), 250);
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
    let stderr = '';
    const { LOG_LEVEL: _level, LOG_FORMAT: _format, ...env } = process.env;
    const proc = spawn(
      process.execPath,
      [
        bin,
        'sidecar',
        ...['--flink-url', f.url, '--namespace', NS, '--name', NAME, '--listen', `127.0.0.1:${port}`],
        ...['--kubeconfig', kube.kubeconfig({ token: SA.token }, { namespace: NS })],
        ...['--interval-seconds', '1', '--window-seconds', '4', '--no-leader-election'],
        ...['--log-heartbeat-seconds', '3'],
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env },
    );
    child = proc;
    proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => proc.once('exit', (code) => done(code)));
    const decisions = () =>
      stderr
        .split('\n')
        .slice(0, -1) // the last piece is a line not yet ended
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Line)
        .filter((l) => l.msg === 'decision');
    const settledLine = (l: Line) => JSON.stringify(l['reasons']) === '["within-bands"]';
    // two heartbeats of the settled decision (under load an earlier one can beat for the window still filling)
    await until('two heartbeats after the decision settled', 40, async () =>
      decisions().filter((l) => l['heartbeat'] === true && settledLine(l)).length >= 2 ? true : undefined,
    );
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = decisions();
    for (const line of lines) {
      expect(line).toMatchObject({
        level: 'info',
        mode: 'active',
        advising: false,
        workers: 2,
        reasons: expect.any(Array),
        gates: expect.any(Array),
      });
    }
    const settled = lines.filter(settledLine);
    expect(settled.length).toBeGreaterThanOrEqual(3);
    expect(settled[0]?.['heartbeat']).toBeUndefined();
    expect(settled[0]?.['signals']).toMatchObject({
      cpu: expect.any(Number),
      throughput: expect.any(Number),
    });
    // the heartbeats come about 3 s apart (cycles every 1 s): no line per cycle
    const beats = settled.filter((l) => l['heartbeat'] === true).map((l) => Date.parse(l.time));
    const first = Date.parse(settled[0]?.time ?? '');
    for (const [i, at] of beats.entries()) {
      expect(at - (i === 0 ? first : (beats[i - 1] as number))).toBeGreaterThanOrEqual(3000);
    }
  }, 60_000);

  it('refuses a --log-heartbeat-seconds that is not a positive number, with exit 2', () => {
    for (const value of ['0', 'soon']) {
      const result = spawnSync(
        process.execPath,
        [bin, 'sidecar', '--namespace', NS, '--name', NAME, '--log-heartbeat-seconds', value],
        { cwd: root, encoding: 'utf8', timeout: 30_000 },
      );
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(
        `--log-heartbeat-seconds must be a positive number of seconds, got "${value}"`,
      );
    }
  });
});
