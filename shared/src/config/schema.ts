/**
 * The policy config: its type, its defaults and its validation (zod), all built from OPTION_SPECS.
 */
import { z } from 'zod';
import { OPTION_SPECS, describeAllowed, type OptionSpec } from './options.js';

export interface ScaleUpConfig {
  backlogTimeSeconds: number;
  cpu: number;
  drainSeconds: number;
  /** Option A (0 or 1): size a scale-up on keep-up plus catch-up while the backlog shrinks. */
  sizeOnDrain: number;
  /** Option B (0 or 1): a scale-up for a job falling further behind at its new size is not held by the cooldown. */
  duringCooldown: number;
  /** Option F (0 or 1): a job saturated and falling behind on its last samples, its input risen, is decided on them. */
  fastTrigger: number;
}

export interface ScaleDownConfig {
  backlogTimeSeconds: number;
  cpu: number;
  stabilizationSeconds: number;
  /** Option C (0 or 1): stabilize on the windows wholly inside the period. */
  cleanWindows: number;
  /** Option W (0: off; k: restarts): a scale-down waits until what it saves pays for k restarts. */
  breakEvenRestarts: number;
  /** Option S (0 or 1): one scale-down to the target once a catch-up has drained. */
  settleAfterCatchUp: number;
}

/** The full policy config, every option set (maxParallelism may be unknown). */
export interface PolicyConfig {
  scaleUp: ScaleUpConfig;
  scaleDown: ScaleDownConfig;
  targetCpu: number;
  minWorkers: number;
  maxWorkers: number;
  maxParallelism?: number | undefined;
  slotsPerWorker: number;
  intervalSeconds: number;
  windowSeconds: number;
  cooldownSeconds: number;
  manualHoldSeconds: number;
  maxUnknownSplitShare: number;
  /** Option P (0 or 1): never past the source's partitions. */
  partitionBound: number;
  /** Option R (0 to 4): weigh a rescale's restart. */
  restartAware: number;
  /** The restart downtime assumed until one is measured, seconds. */
  restartSeconds: number;
  /** Option T (0 or 1): size for the input expected once a later rescale could land, on a held rise. */
  followTrend: number;
  /** Option E: 0 no block, 1 policy.md's block, 2 the block released only by a rise held a window. */
  effectiveness: number;
}

/** Overrides nested as in PolicyConfig, every field optional. */
export interface PolicyOverrides {
  scaleUp?: Partial<ScaleUpConfig>;
  scaleDown?: Partial<ScaleDownConfig>;
  targetCpu?: number;
  minWorkers?: number;
  maxWorkers?: number;
  maxParallelism?: number | undefined;
  slotsPerWorker?: number;
  intervalSeconds?: number;
  windowSeconds?: number;
  cooldownSeconds?: number;
  manualHoldSeconds?: number;
  maxUnknownSplitShare?: number;
  partitionBound?: number;
  restartAware?: number;
  restartSeconds?: number;
  followTrend?: number;
  effectiveness?: number;
}

/** One problem with a config: the option's dotted path and what is wrong, in words. */
export interface ConfigIssue {
  path: string;
  message: string;
}

export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : String(value);
}

/** The zod schema of one option's value. */
export function optionSchema(spec: OptionSpec): z.ZodNumber {
  const error = (issue: { input?: unknown }): string =>
    `must be ${describeAllowed(spec)}, got ${show(issue.input)}`;
  const { min, minExclusive, max, maxExclusive } = spec.range;
  let schema = (spec.kind === 'integer' ? z.int({ error }) : z.number({ error })) as z.ZodNumber;
  schema = minExclusive ? schema.gt(min, { error }) : schema.gte(min, { error });
  if (max !== undefined) schema = maxExclusive ? schema.lt(max, { error }) : schema.lte(max, { error });
  return schema.describe(spec.doc);
}

type Shape = Record<string, z.ZodType>;

/** Builds a strict nested object schema from the specs, each option wrapped by `wrap`. */
function nestedSchema(wrap: (spec: OptionSpec) => z.ZodType): z.ZodType {
  const top: Shape = {};
  const groups: Record<string, Shape> = {};
  for (const spec of OPTION_SPECS) {
    const [head, leaf] = spec.path.split('.') as [string, string | undefined];
    if (leaf === undefined) {
      top[head] = wrap(spec);
    } else {
      groups[head] ??= {};
      groups[head][leaf] = wrap(spec);
    }
  }
  for (const [name, shape] of Object.entries(groups)) top[name] = z.strictObject(shape).optional();
  return z.strictObject(top);
}

/** Schema of the overrides a user may give (every option optional, unknown keys rejected). */
export const overridesSchema = nestedSchema((spec) => optionSchema(spec).optional());

function getPath(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => {
    return node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }, obj);
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  const leaf = keys.pop() as string;
  let node = obj;
  for (const key of keys) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[leaf] = value;
}

function buildDefaults(): PolicyConfig {
  const config: Record<string, unknown> = {};
  for (const spec of OPTION_SPECS) setPath(config, spec.path, spec.default);
  return config as unknown as PolicyConfig;
}

/** The defaults of policy.md. */
export const DEFAULT_CONFIG: Readonly<PolicyConfig> = Object.freeze(buildDefaults());

/** Rules that tie options together; each names the fields involved. */
export function crossFieldIssues(config: PolicyConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (config.minWorkers > config.maxWorkers) {
    issues.push({
      path: 'minWorkers',
      message: `must be at most maxWorkers (${config.maxWorkers}), got ${config.minWorkers}`,
    });
  }
  if (!(config.scaleDown.cpu < config.targetCpu && config.targetCpu < config.scaleUp.cpu)) {
    issues.push({
      path: 'targetCpu',
      message:
        `must lie strictly between scaleDown.cpu (${config.scaleDown.cpu}) and scaleUp.cpu ` +
        `(${config.scaleUp.cpu}), got ${config.targetCpu}; otherwise a resized job lands on a trigger`,
    });
  }
  if (config.scaleDown.backlogTimeSeconds >= config.scaleUp.backlogTimeSeconds) {
    issues.push({
      path: 'scaleDown.backlogTimeSeconds',
      message:
        `must be less than scaleUp.backlogTimeSeconds (${config.scaleUp.backlogTimeSeconds}), ` +
        `got ${config.scaleDown.backlogTimeSeconds}`,
    });
  }
  if (config.windowSeconds < 2 * config.intervalSeconds) {
    issues.push({
      path: 'windowSeconds',
      message:
        `must be at least twice intervalSeconds (${2 * config.intervalSeconds}) so a window holds ` +
        `the samples a slope needs, got ${config.windowSeconds}`,
    });
  }
  return issues;
}

function zodIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const where = path === '' ? '' : `${path}.`;
      return {
        path: `${where}${issue.keys[0] ?? ''}`,
        message: `is not an option (known options: ${OPTION_SPECS.map((s) => s.path).join(', ')})`,
      };
    }
    if (path === '' || issue.code === 'invalid_type') {
      const spec = OPTION_SPECS.find((s) => s.path === path);
      if (!spec) return { path: path || '(config)', message: 'must be an object' };
    }
    return { path, message: issue.message };
  });
}

export type ParseResult = { ok: true; config: PolicyConfig } | { ok: false; issues: ConfigIssue[] };

/**
 * Validates overrides (nested as in PolicyConfig) and merges them over `base` (the defaults unless given).
 * Returns every problem found, each naming its field and the allowed range.
 */
export function parseConfig(overrides: unknown, base: Readonly<PolicyConfig> = DEFAULT_CONFIG): ParseResult {
  const parsed = overridesSchema.safeParse(overrides ?? {});
  if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error) };
  const config = structuredClone(base) as PolicyConfig;
  for (const spec of OPTION_SPECS) {
    const value = getPath(parsed.data, spec.path);
    if (value !== undefined) setPath(config as unknown as Record<string, unknown>, spec.path, value);
  }
  const issues = crossFieldIssues(config);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, config };
}

/** Like parseConfig, but throws a ConfigError. */
export function resolveConfig(
  overrides?: unknown,
  base: Readonly<PolicyConfig> = DEFAULT_CONFIG,
): PolicyConfig {
  const result = parseConfig(overrides, base);
  if (!result.ok) throw new ConfigError(result.issues);
  return result.config;
}

/** Reads one option's value from a config. */
export function getOption(config: PolicyConfig, path: string): number | undefined {
  const value = getPath(config, path);
  return typeof value === 'number' ? value : undefined;
}

/** Sets one option's value on a nested overrides object (creating groups as needed). */
export function setOverride(overrides: PolicyOverrides, path: string, value: number): void {
  setPath(overrides as Record<string, unknown>, path, value);
}
