import { describe, expect, it } from 'vitest';
import { parseDecideInput } from '../src/cli/decide-input.js';
import { decideText } from '../src/cli/decide.js';
import { CliError } from '../src/cli/exit.js';

const signals = { workers: 10, throughput: 1000, backlog: 150_000, backlogGrowth: 0, cpu: 0.95 };

function messageOf(text: string): string {
  try {
    decideText(text);
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    return (error as CliError).message;
  }
  throw new Error('expected a CliError');
}

describe('decide input', () => {
  it('decides on valid input with config overrides', () => {
    expect(JSON.parse(decideText(JSON.stringify({ signals, config: { maxWorkers: 20 } })))).toEqual({
      action: 'scale-up',
      desiredWorkers: 20,
      reasons: ['backlog-time-high', 'cpu-high', 'limited-by-max-workers'],
    });
  });

  it('takes nested overrides (drainSeconds 30 doubles the catch-up)', () => {
    const out = JSON.parse(
      decideText(JSON.stringify({ signals, config: { scaleUp: { drainSeconds: 30 } } })),
    );
    expect(out.desiredWorkers).toBe(60);
  });

  it.each([
    ['not JSON', '{"signals":', /^input is not JSON/],
    ['an array', '[]', /^\(input\): must be a JSON object/],
    ['null', 'null', /^\(input\): must be a JSON object/],
    ['no signals', '{}', /^signals: is missing/],
    ['signals not an object', '{"signals": 3}', /^signals: must be an object/],
    [
      'a missing signal',
      JSON.stringify({ signals: { ...signals, cpu: undefined } }),
      /^signals\.cpu: must be .*got nothing/,
    ],
    [
      'a string signal',
      JSON.stringify({ signals: { ...signals, throughput: '1000' } }),
      /^signals\.throughput: .*got "1000"/,
    ],
    [
      'a negative backlog',
      JSON.stringify({ signals: { ...signals, backlog: -5 } }),
      /^signals\.backlog: .*got -5/,
    ],
    [
      'fractional workers',
      JSON.stringify({ signals: { ...signals, workers: 2.5 } }),
      /^signals\.workers: must be a whole number/,
    ],
    [
      'an unknown signal',
      JSON.stringify({ signals: { ...signals, lag: 5 } }),
      /^signals\.lag: is not a signal/,
    ],
    ['an unknown top-level field', JSON.stringify({ signals, extra: 1 }), /^extra: is not a field/],
    [
      'a bad option',
      JSON.stringify({ signals, config: { maxWorkers: -1 } }),
      /^config\.maxWorkers: must be a whole number at least 1, got -1/,
    ],
    [
      'an unknown option',
      JSON.stringify({ signals, config: { scaleUp: { fast: true } } }),
      /^config\.scaleUp\.fast: is not an option/,
    ],
    [
      'contradicting options',
      JSON.stringify({ signals, config: { minWorkers: 9, maxWorkers: 3 } }),
      /^config\.minWorkers: must be at most maxWorkers/,
    ],
  ])('refuses %s with a message naming the field', (_name, text, pattern) => {
    expect(messageOf(text)).toMatch(pattern);
  });

  it('lists every bad field at once', () => {
    const result = parseDecideInput({
      signals: { ...signals, cpu: 'x', workers: -1 },
      config: { targetCpu: 5 },
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues.map((i) => i.path).sort()).toEqual([
        'config.targetCpu',
        'signals.cpu',
        'signals.workers',
      ]);
    }
  });
});
