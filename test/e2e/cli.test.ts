/**
 * The `flink-autoscaler` command as a user runs it after the README's set-up: the bin that npm links in
 * node_modules/.bin (and npx), in a child process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { workedExamples } from '../fixtures/policy-examples.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = join(root, 'node_modules', '.bin', 'flink-autoscaler');

function run(args: string[], input?: string) {
  const result = spawnSync(bin, args, { cwd: root, input, encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('flink-autoscaler (the installed bin)', () => {
  it('is linked in node_modules/.bin', () => {
    expect(existsSync(bin)).toBe(true);
  });

  describe('decide answers every row of policy.md as the table says', () => {
    for (const example of workedExamples()) {
      it(`row ${example.row}: n=${example.signals.workers} T=${example.signals.throughput} B=${example.signals.backlog} → ${example.action} ${example.desiredWorkers}`, () => {
        const { code, stdout, stderr } = run(
          ['decide'],
          JSON.stringify({ signals: example.signals, config: example.config }),
        );
        expect(stderr).toBe('');
        expect(code).toBe(0);
        const out = JSON.parse(stdout);
        expect(Object.keys(out)).toEqual(['action', 'desiredWorkers', 'reasons']);
        expect(out.action).toBe(example.action);
        expect(out.desiredWorkers).toBe(example.desiredWorkers);
        for (const reason of example.reasons) expect(out.reasons).toContain(reason);
      });
    }
  });

  it.each([
    ['garbage', 'not json', /input is not JSON/],
    [
      'a bad signal',
      '{"signals":{"workers":10,"throughput":1000,"backlog":0,"backlogGrowth":0,"cpu":"high"}}',
      /signals\.cpu/,
    ],
    [
      'a bad option',
      '{"signals":{"workers":10,"throughput":1000,"backlog":0,"backlogGrowth":0,"cpu":0.5},"config":{"scaleUp":{"cpu":7}}}',
      /config\.scaleUp\.cpu/,
    ],
    ['nothing', '', /input is not JSON/],
  ])('decide refuses %s: exit 2, the field on stderr, nothing on stdout', (_name, input, pattern) => {
    const { code, stdout, stderr } = run(['decide'], input);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(pattern);
  });

  it.each([[[]], [['decide']], [['options']], [['demo']], [['simulate']], [['bench']]])(
    'answers --help for %j',
    (args) => {
      const { code, stdout } = run([...args, '--help']);
      expect(code).toBe(0);
      expect(stdout).toMatch(/^Usage: flink-autoscaler/);
      expect(stdout).toContain('--help');
    },
  );

  it('decide --help documents the input and output', () => {
    const { stdout } = run(['decide', '--help']);
    expect(stdout).toContain('"signals"');
    expect(stdout).toContain('desiredWorkers');
    expect(stdout).toContain('exit code 2');
  });

  it('sidecar refuses to start without knowing its FlinkDeployment', () => {
    const { code, stdout, stderr } = run([
      'sidecar',
      '--namespace',
      'x',
      '--pod-labels-file',
      '/nonexistent/labels',
    ]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /--name \(or env FLINK_DEPLOYMENT_NAME, or an app label in \/nonexistent\/labels\) is required/,
    );
  });

  it('refuses an unknown subcommand with exit 2', () => {
    const { code, stderr } = run(['scale-everything']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown command/);
  });

  it('lists the options with their annotations', () => {
    const { code, stdout } = run(['options', '--json']);
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as { option: string; annotation: string }[];
    expect(rows.find((r) => r.option === 'maxWorkers')?.annotation).toBe('flink-autoscaler.io/max-workers');
    expect(rows.find((r) => r.option === 'manualHoldSeconds')?.annotation).toBe(
      'flink-autoscaler.io/manual-hold-seconds',
    );
    expect(rows).toHaveLength(15);
  });

  it('runs the demo on the simulator: the step at 1 h brings one scale-up', () => {
    const { code, stdout } = run(['demo', '--json']);
    expect(code).toBe(0);
    const rows = stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as { view: { time: number }; evaluation: { action: string; targetWorkers: number } },
      );
    expect(rows.length).toBe((3 * 3600) / 15);
    const actions = rows.filter((r) => r.evaluation.action !== 'none');
    expect(actions).toHaveLength(1);
    expect(actions[0]?.evaluation.action).toBe('scale-up');
    expect(actions[0]?.view.time).toBeGreaterThan(3600);
    expect(actions[0]?.evaluation.targetWorkers).toBeGreaterThan(50);
  });

  it('simulate prints the figures and writes the picture', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-sim-'));
    const svg = join(dir, 'step.svg');
    const { code, stdout } = run([
      'simulate',
      '--trace',
      'step',
      '--policy',
      'ours',
      '--seed',
      '2',
      '--svg',
      svg,
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ours on step \(seed 2\)/);
    expect(stdout).toMatch(/worker-hours +\d+\.\d \(\d\.\d\d× the oracle's 100\.0\)/);
    expect(stdout).toMatch(/backlog time ≤ 120 s +\d+\.\d\d %/);
    expect(stdout).toMatch(/rescales +\d+/);
    expect(readFileSync(svg, 'utf8')).toMatch(
      /^<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"[\s\S]*<\/svg>$/,
    );
    const json = JSON.parse(run(['simulate', '--trace', 'step', '--policy', 'hpa-cpu', '--json']).stdout);
    expect(json).toMatchObject({ policy: 'hpa-cpu', trace: 'step', seed: 1 });
    expect(json.oracleWorkerHours).toBeCloseTo(100, 1);
  });

  it.each([
    [['simulate', '--trace', 'nope', '--policy', 'ours'], /no trace "nope" \(known: daily, growth/],
    [['simulate', '--trace', 'step', '--policy', 'magic'], /no policy "magic" \(known: ours, static-peak/],
    [['simulate', '--trace', 'step', '--policy', 'ours', '--seed', '-1'], /--seed must be a whole number/],
    [['simulate', '--trace', 'step'], /required option '--policy <name>'/],
  ])('simulate refuses %j with exit 2', (args, pattern) => {
    const { code, stdout, stderr } = run(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(pattern);
  });

  it('bench writes results.md, results.json and one SVG per trace, with progress on stderr', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fa-bench-'));
    const { code, stderr } = run(['bench', '--out', dir]);
    expect(code).toBe(0);
    expect(stderr).toContain('"msg":"done"');
    const rows = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Record<string, unknown>[];
    const policies = ['ours', 'static-peak', 'hpa-cpu', 'keda-lag', 'operator', 'oracle'];
    const traces = ['daily', 'growth', 'partition-capped', 'stationary', 'step', 'surge'];
    expect(rows).toHaveLength(policies.length * traces.length);
    for (const row of rows) {
      expect(policies).toContain(row.policy);
      expect(traces).toContain(row.trace);
      for (const key of [
        'workerHours',
        'oracleWorkerHours',
        'sloAttainment',
        'worstBacklogTimeSeconds',
        'rescales',
      ]) {
        expect(typeof row[key], key).toBe('number');
      }
      expect(row.sloAttainment).toBeGreaterThanOrEqual(0);
      expect(row.sloAttainment).toBeLessThanOrEqual(1);
      // the oracle is the lower bound
      expect(row.workerHours as number).toBeGreaterThanOrEqual((row.oracleWorkerHours as number) * 0.85);
    }
    for (const trace of traces) expect(existsSync(join(dir, `${trace}.svg`))).toBe(true);
    const md = readFileSync(join(dir, 'results.md'), 'utf8');
    expect(md).toContain('| trace | policy | worker-hours | × oracle |');
    expect(md).toContain('## Evidence for the cooldown default');
  });

  it('works when started by the machine’s own node, whatever its version (it re-runs on Node 24)', () => {
    const systemNode = '/usr/bin/node';
    expect(existsSync(systemNode), 'the machine has a node at /usr/bin/node').toBe(true);
    const input = JSON.stringify({
      signals: { workers: 10, throughput: 1000, backlog: 0, backlogGrowth: 0, cpu: 0.8 },
    });
    const ok = spawnSync(systemNode, [bin, 'decide'], {
      cwd: root,
      input,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(ok.stderr).toBe('');
    expect(JSON.parse(ok.stdout)).toMatchObject({ action: 'none', desiredWorkers: 10 });
    const bad = spawnSync(systemNode, [bin, 'decide'], {
      cwd: root,
      input: 'nope',
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(bad.status).toBe(2);
  });

  it('is reachable through npx from the repository root', () => {
    const result = spawnSync('npx', ['--no-install', 'flink-autoscaler', '--help'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: flink-autoscaler/);
  });
});
