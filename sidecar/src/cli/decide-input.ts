/** Parses and validates the `decide` command's input: `{"signals": {…}, "config": {…overrides}}`. */
import { parseConfig, type ConfigIssue, type PolicyConfig, type Signals } from '@flink-autoscaler/shared';
import { z } from 'zod';

function show(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

/** A number field whose every failure says what it must be and what it got. */
function field(
  what: string,
  opts: { integer?: boolean; nonNegative?: boolean; max?: number } = {},
): z.ZodNumber {
  const error = (issue: { input?: unknown }) => `must be ${what}, got ${show(issue.input)}`;
  const base = opts.integer ? z.int({ error }) : z.number({ error });
  const floored = opts.nonNegative ? base.nonnegative({ error }) : base;
  return (opts.max === undefined ? floored : floored.max(opts.max, { error })) as z.ZodNumber;
}

const signalsSchema = z.strictObject({
  workers: field('a whole number ≥ 0', { integer: true, nonNegative: true }),
  throughput: field('a finite number ≥ 0 (records/s)', { nonNegative: true }),
  backlog: field('a finite number ≥ 0 (records)', { nonNegative: true }),
  backlogGrowth: field('a finite number (records/s, may be negative)'),
  // Flink's CPU load (Status.JVM.CPU.Load) is a share, 0..1: 95 is a percentage given by mistake.
  cpu: field('a number from 0 to 1 (the CPU load: 0.95 for 95 %)', { nonNegative: true, max: 1 }),
});

export type DecideInput =
  { ok: true; signals: Signals; config: PolicyConfig } | { ok: false; issues: ConfigIssue[] };

/** Validates the parsed JSON; every problem names its field. */
export function parseDecideInput(json: unknown): DecideInput {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return {
      ok: false,
      issues: [{ path: '(input)', message: 'must be a JSON object with "signals" and "config"' }],
    };
  }
  const issues: ConfigIssue[] = [];
  const { signals: rawSignals, config: rawConfig, ...rest } = json as Record<string, unknown>;
  for (const key of Object.keys(rest)) {
    issues.push({ path: key, message: 'is not a field (expected "signals" and optionally "config")' });
  }
  const signals = signalsSchema.safeParse(rawSignals);
  if (rawSignals === undefined) {
    issues.push({ path: 'signals', message: 'is missing' });
  } else if (!signals.success) {
    for (const issue of signals.error.issues) {
      const field = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          issues.push({
            path: `signals.${key}`,
            message: 'is not a signal (expected workers, throughput, backlog, backlogGrowth, cpu)',
          });
        }
      } else if (field === '') {
        issues.push({ path: 'signals', message: 'must be an object' });
      } else {
        issues.push({ path: `signals.${field}`, message: issue.message });
      }
    }
  }
  const config = parseConfig(rawConfig ?? {});
  if (!config.ok)
    issues.push(...config.issues.map((i) => ({ path: `config.${i.path}`, message: i.message })));
  if (issues.length > 0 || !signals.success || !config.ok) return { ok: false, issues };
  return { ok: true, signals: signals.data, config: config.config };
}
