import { describe, expect, it } from 'vitest';
import { workedExamples } from '../../test/fixtures/policy-examples.js';
import { DEFAULT_CONFIG, decide, decideDetail, resolveConfig, type Signals } from '../src/index.js';

const at = (s: Partial<Signals>): Signals => ({
  workers: 10,
  throughput: 1000,
  backlog: 0,
  backlogGrowth: 0,
  cpu: 0.8,
  ...s,
});

describe('policy.md worked examples', () => {
  const examples = workedExamples();

  it('reads all seven rows of the table', () => {
    expect(examples).toHaveLength(7);
  });

  for (const example of examples) {
    it(`row ${example.row}: ${example.why}`, () => {
      const decision = decide(example.signals, resolveConfig(example.config));
      expect(decision.action).toBe(example.action);
      expect(decision.desiredWorkers).toBe(example.desiredWorkers);
      for (const reason of example.reasons) expect(decision.reasons).toContain(reason);
    });
  }
});

describe('decide', () => {
  it('names the triggers of a scale-up', () => {
    expect(decide(at({ backlog: 150_000, cpu: 0.95 }), DEFAULT_CONFIG).reasons).toEqual([
      'backlog-time-high',
      'cpu-high',
    ]);
  });

  it('computes keep-up plus catch-up (row 3: 33.67 → 34)', () => {
    const d = decideDetail(at({ backlog: 130_000, backlogGrowth: 200, cpu: 1 }), DEFAULT_CONFIG);
    expect(d.backlogNeed).toBeCloseTo(12 + 130_000 / 6_000, 9);
    expect(d.desiredWorkers).toBe(34);
  });

  it('rounds a need that is an integer but for float error to that integer (1e-9 tolerance)', () => {
    // 10 · (0.56 / 0.8) is 7.000000000000001 in floats: 7 workers, not 8
    const d = decideDetail(at({ cpu: 0.56 }), DEFAULT_CONFIG);
    expect(d.cpuNeed).toBeGreaterThan(7);
    expect(d.cpuNeed - 7).toBeLessThan(1e-9);
    expect(d).toMatchObject({ action: 'scale-down', desiredWorkers: 7 });
    // a need clearly above an integer still rounds up: 10 · 0.57 / 0.8 = 7.125 → 8
    expect(decide(at({ cpu: 0.57 }), DEFAULT_CONFIG).desiredWorkers).toBe(8);
  });

  it('keeps a job that scales up on CPU at least at its size', () => {
    // CPU need 10·0.91/0.8 = 11.4 → 12; backlog need 10 (keep-up only)
    expect(decide(at({ cpu: 0.91 }), DEFAULT_CONFIG)).toEqual({
      action: 'scale-up',
      desiredWorkers: 12,
      reasons: ['cpu-high'],
    });
  });

  it('with no throughput uses the CPU need alone and never shrinks', () => {
    const d = decide(at({ throughput: 0, backlog: 5000, cpu: 0.95 }), DEFAULT_CONFIG);
    expect(d).toEqual({
      action: 'scale-up',
      desiredWorkers: 12,
      reasons: ['backlog-time-high', 'cpu-high', 'no-throughput'],
    });
  });

  it('says why a low CPU does not scale down', () => {
    expect(decide(at({ cpu: 0.5, backlogGrowth: 21 }), DEFAULT_CONFIG).reasons).toEqual(['backlog-growing']);
    expect(decide(at({ cpu: 0.5, backlogGrowth: 20 }), DEFAULT_CONFIG).action).toBe('scale-down');
    expect(decide(at({ cpu: 0.5, backlog: 10_000 }), DEFAULT_CONFIG).reasons).toEqual([
      'backlog-time-not-low',
    ]);
  });

  it('clamps to max parallelism over slots per worker and names it', () => {
    const config = resolveConfig({ maxParallelism: 24, slotsPerWorker: 2 });
    expect(decide(at({ backlog: 150_000 }), config)).toEqual({
      action: 'scale-up',
      desiredWorkers: 12,
      reasons: ['backlog-time-high', 'limited-by-max-parallelism'],
    });
  });

  it('clamps to minWorkers and names it', () => {
    const d = decide(at({ cpu: 0.1 }), resolveConfig({ minWorkers: 4 }));
    expect(d).toEqual({
      action: 'scale-down',
      desiredWorkers: 4,
      reasons: ['cpu-low', 'limited-by-min-workers'],
    });
  });

  it('brings a job below minWorkers up to it', () => {
    expect(decide(at({ workers: 2 }), resolveConfig({ minWorkers: 3 }))).toEqual({
      action: 'scale-up',
      desiredWorkers: 3,
      reasons: ['within-bands', 'limited-by-min-workers'],
    });
  });

  it.each([
    ['NaN cpu', { cpu: Number.NaN }],
    ['negative backlog', { backlog: -1 }],
    ['infinite throughput', { throughput: Number.POSITIVE_INFINITY }],
    ['fractional workers', { workers: 2.5 }],
    ['NaN growth', { backlogGrowth: Number.NaN }],
  ])('does not act on untrusted signals: %s', (_name, bad) => {
    const d = decide(at({ backlog: 200_000, cpu: 1, ...bad }), DEFAULT_CONFIG);
    expect(d.action).toBe('none');
    expect(d.reasons).toEqual(['invalid-signals']);
    expect(Number.isInteger(d.desiredWorkers)).toBe(true);
  });
});
