/**
 * The `flink-autoscaler` command as a user runs it after the README's set-up: the bin that npm links in
 * node_modules/.bin (and npx), in a child process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPTION_SPECS } from '@flink-autoscaler/shared';
import { describe, expect, it } from 'vitest';
import { workedExamples } from '../fixtures/policy-examples.js';

/** A progress line of a long CLI command (sidecar/src/cli/progress.ts). */
const PROGRESS = /^\{"level":"info","msg":"simulate","progress":"[^"]*","elapsedMs":\d+\}$/;

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
    expect(rows.map((r) => r.option)).toEqual(OPTION_SPECS.map((spec) => spec.path));
  });

  it('runs the demo on the simulator: the step at 1 h brings one scale-up, and its catch-up workers are settled away once', () => {
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
    // The scale-up drains the step's backlog too; once it has drained, option S (on by default) scales down
    // once to the target CPU: 40,000 records/s at 1,000 per worker need at least 50 workers at 0.8.
    expect(actions).toHaveLength(2);
    const [up, settle] = actions;
    expect(up?.evaluation.action).toBe('scale-up');
    expect(up?.view.time).toBeGreaterThan(3600);
    expect(up?.evaluation.targetWorkers).toBeGreaterThan(50);
    expect(settle?.evaluation.action).toBe('scale-down');
    expect(settle?.evaluation.targetWorkers).toBeLessThan(up?.evaluation.targetWorkers ?? 0);
    expect(settle?.evaluation.targetWorkers).toBeGreaterThanOrEqual(50);
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
    expect(stdout).toMatch(/^ours on step \(seed 2, 1 GiB of state\)/);
    expect(stdout).toMatch(
      /worker-hours +\d+\.\d \(\d\.\d\d× the oracle's 100\.0, \d\.\d\d× the reference's 125\.0 at 0\.8 CPU\)/,
    );
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
    [['simulate', '--trace', 'nope', '--policy', 'ours'], /no trace "nope" \(known: daily, [a-z-, ]*step/],
    [['simulate', '--trace', 'step', '--policy', 'magic'], /no policy "magic" \(known: ours, static-peak/],
    [['simulate', '--trace', 'step', '--policy', 'ours', '--seed', '-1'], /--seed must be a whole number/],
    [['simulate', '--trace', 'step'], /required option '--policy <name>'/],
    // a switch of the sidecar's guards means nothing to a simulated job: refused, not taken silently
    [
      ['simulate', '--trace', 'step', '--policy', 'ours', '--allow-native-mode'],
      /unknown option '--allow-native-mode'/,
    ],
    [
      [
        'backtest',
        '--prometheus',
        'http://127.0.0.1:1',
        '--job',
        'j',
        '--from',
        'now-1h',
        '--allow-native-mode',
        'true',
      ],
      /unknown option '--allow-native-mode'/,
    ],
  ])('simulate refuses %j with exit 2', (args, pattern) => {
    const { code, stdout, stderr } = run(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(pattern);
  });

  it('bench writes results.md, results.json and one SVG per trace, with progress on stderr', () => {
    // A reduced set (the whole bench takes a minute or more): two traces, two seeds, both state sizes.
    const dir = mkdtempSync(join(tmpdir(), 'fa-bench-'));
    const traces = ['partition-capped', 'step'];
    const { code, stderr } = run(['bench', '--out', dir, '--traces', traces.join(','), '--seeds', '2']);
    expect(code).toBe(0);
    expect(stderr).toContain('"msg":"done"');
    const rows = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as Record<string, unknown>[];
    const policies = [
      'ours',
      'static-peak',
      'hpa-cpu',
      'keda-lag',
      'operator',
      'operator-1.15',
      'oracle',
      'reference',
    ];
    expect(rows).toHaveLength(policies.length * traces.length * 2 * 2);
    for (const row of rows) {
      expect(policies).toContain(row.policy);
      expect(traces).toContain(row.trace);
      expect([1, 2]).toContain(row.seed);
      expect([1, 8]).toContain(row.stateGiB);
      for (const key of [
        'workerHours',
        'oracleWorkerHours',
        'referenceWorkerHours',
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
    expect(md).toContain('| trace | state | policy | worker-hours | × oracle | × reference |');
    expect(md).toContain('## Evidence for the cooldown default');
    // simulate --json prints the same object as the bench's row for that run
    const one = run([
      'simulate',
      '--json',
      '--trace',
      'step',
      '--policy',
      'operator',
      '--seed',
      '2',
      '--state-gib',
      '8',
    ]);
    expect(JSON.parse(one.stdout)).toEqual(
      rows.find((r) => r.policy === 'operator' && r.trace === 'step' && r.seed === 2 && r.stateGiB === 8),
    );
  });

  it('--version prints the version of the package', () => {
    const { version } = JSON.parse(readFileSync(join(root, 'sidecar/package.json'), 'utf8')) as {
      version: string;
    };
    const { code, stdout, stderr } = run(['--version']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(`${version}\n`);
  });

  it('stops quietly when its reader goes away (demo | head)', () => {
    const result = spawnSync('bash', ['-c', `"${bin}" demo | head -n 2; echo "status \${PIPESTATUS[0]}"`], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^step: .*\n {4}time workers .*\nstatus 0\n$/);
  });

  it('decide refuses a CPU load outside 0..1 (95 is a percentage)', () => {
    const input = '{"signals":{"workers":10,"throughput":1000,"backlog":0,"backlogGrowth":0,"cpu":95}}';
    const { code, stdout, stderr } = run(['decide'], input);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'flink-autoscaler: signals.cpu: must be a number from 0 to 1 (the CPU load: 0.95 for 95 %), got 95\n',
    );
  });

  it('simulate says it cannot write the picture, before running, without a stack trace', () => {
    const { code, stdout, stderr } = run([
      ...['simulate', '--trace', 'step', '--policy', 'ours'],
      ...['--svg', '/missing/dir/x.svg'],
    ]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'flink-autoscaler: --svg /missing/dir/x.svg: cannot write there (no such directory: /missing/dir)\n',
    );
  });

  it('bench refuses a seed that is not a whole number and writes nothing', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fa-bench-')), 'out');
    for (const seed of ['x', '1.5', '', '-2']) {
      const { code, stdout, stderr } = run(['bench', '--out', dir, '--seed', seed]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(
        `--seed must be a whole number from 0 to 999999999, got ${JSON.stringify(seed)}`,
      );
      expect(existsSync(dir)).toBe(false);
    }
  });

  it('bench refuses an unknown trace or policy, or a bad state size, and writes nothing', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'fa-bench-')), 'out');
    for (const [args, message] of [
      [['--traces', 'step,nope'], '--traces: no "nope" (known: daily, '],
      [['--policies', 'ours,hpa'], '--policies: no "hpa" (known: ours, '],
      [['--state-gib', '1,0'], '--state-gib must be a number greater than 0 and at most 1024, got "0"'],
      [['--seeds', '2.5'], '--seeds must be a whole number, got 2.5'],
    ] as const) {
      const { code, stdout, stderr } = run(['bench', '--out', dir, ...args]);
      expect(code, args.join(' ')).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(message);
      expect(existsSync(dir)).toBe(false);
    }
  });

  describe('simulate --json, --trace FILE, --seed, --state-gib and the policy flags', () => {
    const simulate = (...args: string[]) => {
      const { code, stdout, stderr } = run(['simulate', '--json', ...args]);
      // nothing on stderr but progress lines (one a second at most, once a run takes over a second: under load)
      const other = stderr.split('\n').filter((l) => l !== '' && !PROGRESS.test(l));
      expect(other).toEqual([]);
      expect(code).toBe(0);
      return JSON.parse(stdout) as Record<string, unknown>;
    };

    it('prints one object with the benchmark’s keys', () => {
      const out = simulate('--trace', 'step', '--policy', 'ours', '--seed', '3');
      expect(out).toMatchObject({ policy: 'ours', trace: 'step', seed: 3, stateGiB: 1 });
      for (const key of [
        'workerHours',
        'oracleWorkerHours',
        'referenceWorkerHours',
        'sloAttainment',
        'worstBacklogTimeSeconds',
        'rescales',
      ]) {
        expect(typeof out[key], key).toBe('number');
      }
      // the reference keeps every worker at the target CPU (0.8): between the oracle and 1/0.8 of it
      const oracle = out.oracleWorkerHours as number;
      expect(out.referenceWorkerHours as number).toBeGreaterThan(oracle * 1.2);
      expect(out.referenceWorkerHours as number).toBeLessThan(oracle * 1.3);
    });

    it('--state-gib sets the state a restart restores: a longer restart, more backlog', () => {
      const small = simulate('--trace', 'step', '--policy', 'hpa-cpu');
      const large = simulate('--trace', 'step', '--policy', 'hpa-cpu', '--state-gib', '8');
      expect(large.stateGiB).toBe(8);
      expect(large.worstBacklogTimeSeconds as number).toBeGreaterThan(
        small.worstBacklogTimeSeconds as number,
      );
    });

    it('takes a trace file in the format of sidecar/traces/*.json', () => {
      const dir = mkdtempSync(join(tmpdir(), 'fa-trace-'));
      const file = join(dir, 'spike.json');
      writeFileSync(
        file,
        JSON.stringify({
          name: 'spike',
          description: 'Flat 5,000 records/s with a 3x spike for ten minutes.',
          durationSeconds: 3600,
          points: [
            [0, 5000],
            [1200, 5000],
            [1201, 15000],
            [1800, 15000],
            [1801, 5000],
          ],
          changes: [1200, 1800],
          job: { capacityPerWorker: 1000, initialWorkers: 7, maxWorkers: 40 },
        }),
      );
      const out = simulate('--trace', file, '--policy', 'ours');
      expect(out).toMatchObject({ trace: 'spike', policy: 'ours' });
      expect(out.rescales as number).toBeGreaterThan(0);
      writeFileSync(file, JSON.stringify({ name: 'spike', durationSeconds: -1 }));
      const bad = run(['simulate', '--trace', file, '--policy', 'ours']);
      expect(bad.code).toBe(2);
      expect(bad.stdout).toBe('');
      expect(bad.stderr).toMatch(new RegExp(`^flink-autoscaler: ${file}: description: `));
      const missing = run(['simulate', '--trace', join(dir, 'nope.json'), '--policy', 'ours']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(
        /^flink-autoscaler: cannot read the trace file .*nope\.json: no such file\n$/,
      );
    });

    it('takes the policy flags for ours, and refuses them for another policy or out of range', () => {
      // sawtooth: the cooldown holds back scale-ups on its rise (with the default profile, daily rescales
      // about as often without a cooldown: 17 against 19)
      const base = simulate('--trace', 'sawtooth', '--policy', 'ours');
      const eager = simulate('--trace', 'sawtooth', '--policy', 'ours', '--cooldown-seconds', '0');
      expect(eager.rescales as number).toBeGreaterThan(base.rescales as number);
      const capped = simulate('--trace', 'step', '--policy', 'ours', '--max-workers', '30');
      expect(capped.sloAttainment as number).toBeLessThan(0.9);
      const other = run(['simulate', '--trace', 'step', '--policy', 'hpa-cpu', '--cooldown-seconds', '0']);
      expect(other.code).toBe(2);
      expect(other.stderr).toMatch(/--cooldown-seconds: the policy flags apply to --policy ours only/);
      const bad = run(['simulate', '--trace', 'step', '--policy', 'ours', '--target-cpu', '2']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--target-cpu: /);
    });
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
