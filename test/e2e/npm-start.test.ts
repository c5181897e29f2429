/**
 * The README's main job (`npm start`): the sidecar against the built-in simulated job and cluster. It
 * prints a kubeconfig real kubectl can use and the sidecar's URL, then scales the job as the load steps up,
 * one readable line per decision with its reasons and a summary at the end, in wall-clock time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { traceNames } from '../../sidecar/src/simulation/trace.js';
import { runKubectl } from '../doubles/kube/index.js';
import { duplicateKeys } from '../fixtures/json-keys.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('npm start', () => {
  it('runs test/demo/start.ts through the project toolchain', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.start).toBe('bash scripts/with-env.sh tsx test/demo/start.ts');
  });

  it('prints kubeconfig and sidecar lines first, then scales the job; kubectl sees it; a summary at the end', async () => {
    const startedAt = Date.now();
    const child = spawn(join(root, 'node_modules/.bin/tsx'), ['test/demo/start.ts'], {
      cwd: root,
      env: { ...process.env, DEMO_STEP_MS: '25' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs: string[] = [];
    child.stderr.on('data', (d: Buffer) => logs.push(d.toString()));
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
    try {
      const lines = createInterface({ input: child.stdout });
      const first: string[] = [];
      const rest: string[] = [];
      lines.on('line', (line) => (first.length < 2 ? first : rest).push(line));
      while (first.length < 2) await new Promise((r) => setTimeout(r, 50));
      expect(first[0]).toMatch(/^kubeconfig: \/.+\.kubeconfig$/);
      expect(first[1]).toMatch(/^sidecar: http:\/\/127\.0\.0\.1:\d+$/);
      const kubeconfig = (first[0] as string).slice('kubeconfig: '.length);
      const url = (first[1] as string).slice('sidecar: '.length);
      const home = { home: mkdtempSync(join(tmpdir(), 'fa-kubectl-')) };

      const get = await runKubectl(kubeconfig, ['get', 'flinkdeployments'], home);
      expect(get.stdout).toMatch(/clickstream/);
      const status = (await (await fetch(`${url}/api/v1/status`)).json()) as { mode: string };
      expect(status.mode).toBe('active');
      expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/flink_autoscaler_mode\{mode="active"/);

      // the sidecar's API is read-only: a person scales the FlinkDeployment (the demo's `you`, with kubectl)
      const post = await fetch(`${url}/api/v1/scale`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer demo-admin-token' },
        body: JSON.stringify({ replicas: 26, reason: 'demo' }),
      });
      expect(post.status).toBe(404);
      const scaled = await runKubectl(
        kubeconfig,
        ['scale', 'flinkdeployment', 'clickstream', '--replicas=26'],
        home,
      );
      expect(scaled.code, scaled.stderr).toBe(0);
      let detected = '';
      for (let i = 0; i < 40 && !/ManualScaleDetected/.test(detected); i++) {
        await new Promise((r) => setTimeout(r, 250));
        detected = (await runKubectl(kubeconfig, ['get', 'events'], home)).stdout;
      }
      expect(detected).toMatch(/from 25 to 26 TaskManagers by someone/);

      // the step trace doubles the load at 1 h (about 6 s of real time at this speed): a scale-up follows
      let events = '';
      for (let i = 0; i < 120 && !/TaskManagers: (cpu-high|backlog-time-high)/.test(events); i++) {
        await new Promise((r) => setTimeout(r, 250));
        events = (await runKubectl(kubeconfig, ['get', 'events'], home)).stdout;
      }
      expect(events).toMatch(/ScaledUp/);
      expect(events).toMatch(/ManualScaleDetected/);
      // Events carry the wall-clock time: kubectl shows them seconds old, not months
      const stamped = JSON.parse(
        (await runKubectl(kubeconfig, ['get', 'events', '-o', 'json'], home)).stdout,
      ) as { items: { reason: string; lastTimestamp?: string; eventTime?: string }[] };
      for (const event of stamped.items) {
        const at = Date.parse(event.lastTimestamp ?? event.eventTime ?? '');
        expect(at, event.reason).toBeGreaterThanOrEqual(startedAt - 2000);
        expect(at, event.reason).toBeLessThanOrEqual(Date.now() + 1000);
      }
      const replicas = await runKubectl(
        kubeconfig,
        ['get', 'flinkdeployment', 'clickstream', '-o', 'jsonpath={.spec.taskManager.replicas}'],
        home,
      );
      expect(Number(replicas.stdout)).toBeGreaterThan(26);
      // the trace (3 h of job time) ends after about 18 s at this speed: a summary, then exit 0
      expect(await exited).toBe(0);
      const wall = String.raw`\d\d:\d\d:\d\d`;
      expect(rest[0]).toBe('trace step: A 2x step: 20,000 records/s for an hour, then 40,000 for two.');
      expect(rest[1]).toBe(
        '3:00:00 of job time at 15 s of job time every 25 ms: about 18 s; Ctrl-C stops it.',
      );
      const scaleUp = rest.find((l) => / scale-up \d+ → \d+ workers: /.test(l));
      expect(scaleUp).toMatch(
        new RegExp(
          `^${wall}  job +1:\\d\\d:\\d\\d +\\d+ workers  scale-up \\d+ → \\d+ workers: .*(backlog-time-high|cpu-high)`,
        ),
      );
      const progress = rest.filter((l) => / % of 3:00:00 done, about \d+ s left/.test(l));
      expect(progress.length).toBeGreaterThanOrEqual(10);
      expect(progress.at(-1)).toMatch(/ 2:45:00 .* 92 % of 3:00:00 done/);
      const summary = rest.at(-1) as string;
      expect(summary).toMatch(
        /^summary \(the trace is over\): 3:00:00 of job time in \d+ s: [1-9]\d* scalings? by the autoscaler, 1 by hand \(workers 25 → 26 → .*\), \d+\.\d worker-hours, backlog time ≤ 120 s \d+\.\d % of the time \(worst [\d,]+ s\)$/,
      );
      // every line but the header is stamped with the wall-clock time
      for (const line of rest.slice(7, -1)) expect(line).toMatch(new RegExp(`^${wall}  job `));
      // no JSON on stderr by default: the sidecar's warnings, as text
      for (const line of logs.join('').split('\n').filter(Boolean)) {
        expect(line).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] (WARN|ERROR)/);
      }
    } finally {
      child.kill('SIGTERM');
    }
  }, 120_000);

  it('--json: one JSON object per line on stdout, the sidecar’s log as JSON lines of one schema', async () => {
    const child = spawn(join(root, 'node_modules/.bin/tsx'), ['test/demo/start.ts', '--json'], {
      cwd: root,
      env: { ...process.env, DEMO_STEP_MS: '10', DEMO_TRACE: 'surge' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
    expect(code, stderr).toBe(0);
    const lines = stdout.split('\n').filter(Boolean).slice(2);
    const objects = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(objects[0]).toMatchObject({ event: 'started', trace: 'surge', jobSeconds: 10800 });
    expect(objects.filter((o) => o.event === 'progress').length).toBeGreaterThanOrEqual(10);
    const decisions = objects.filter((o) => o.event === 'decision');
    expect(decisions.some((d) => d.action === 'scale-up')).toBe(true);
    for (const d of decisions) expect(d).toHaveProperty('decision');
    const summary = objects.at(-1) as Record<string, number | string>;
    expect(summary).toMatchObject({ event: 'summary', why: 'the trace is over', jobSeconds: 10800 });
    expect(summary.scalings as number).toBeGreaterThanOrEqual(1);
    expect(summary.workerHours as number).toBeGreaterThan(0);
    expect(summary.sloAttainment as number).toBeGreaterThan(0);
    expect(summary.sloAttainment as number).toBeLessThanOrEqual(1);
    for (const o of objects) expect(Date.parse(o.time as string)).toBeGreaterThan(Date.now() - 120_000);
    const logLines = stderr.split('\n').filter(Boolean);
    expect(logLines.some((l) => l.includes('"msg":"scaled"'))).toBe(true);
    for (const line of logLines) {
      expect(duplicateKeys(line), line).toEqual([]);
      expect(JSON.parse(line)).toMatchObject({ level: expect.any(String), msg: expect.any(String) });
    }
  }, 120_000);

  it('refuses an unknown DEMO_TRACE in one line, naming the known traces, without a stack trace', () => {
    const result = spawnSync(join(root, 'node_modules/.bin/tsx'), ['test/demo/start.ts'], {
      cwd: root,
      env: { ...process.env, DEMO_TRACE: 'dayly' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `npm start: DEMO_TRACE: no trace "dayly" (known: ${traceNames().join(', ')})\n`,
    );
  });
});
