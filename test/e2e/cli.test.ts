/**
 * The `flink-autoscaler` command as a user runs it after the README's set-up: the bin that npm links in
 * node_modules/.bin (and npx), in a child process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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

  it.each([[[]], [['decide']], [['options']], [['demo']]])('answers --help for %j', (args) => {
    const { code, stdout } = run([...args, '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: flink-autoscaler/);
    expect(stdout).toContain('--help');
  });

  it('decide --help documents the input and output', () => {
    const { stdout } = run(['decide', '--help']);
    expect(stdout).toContain('"signals"');
    expect(stdout).toContain('desiredWorkers');
    expect(stdout).toContain('exit code 2');
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
    expect(rows).toHaveLength(14);
  });

  it('runs the demo: it scales up after the step, and down after the drop', () => {
    const { code, stdout } = run(['demo', '--json']);
    expect(code).toBe(0);
    const rows = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const actions = rows.filter((r) => r.evaluation.action !== 'none');
    expect(actions[0].evaluation.action).toBe('scale-up');
    expect(actions[0].minute).toBeGreaterThan(15);
    expect(actions.at(-1).evaluation.action).toBe('scale-down');
    expect(actions.at(-1).evaluation.targetWorkers).toBeLessThan(actions[0].evaluation.targetWorkers);
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
