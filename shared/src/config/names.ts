/**
 * The names an option goes by outside the config object (CLI flag, FlinkDeployment annotation, Helm
 * value), and the parsing of its value from the text those carry.
 */
import { OPTION_SPECS, describeAllowed, type OptionSpec } from './options.js';
import {
  DEFAULT_CONFIG,
  crossFieldIssues,
  optionSchema,
  setOverride,
  parseConfig,
  type ConfigIssue,
  type PolicyConfig,
  type PolicyOverrides,
} from './schema.js';

/** The annotation (and label) prefix of the project. */
export const ANNOTATION_PREFIX = 'flink-autoscaler.io/';

/** `scaleUp.backlogTimeSeconds` → `scale-up-backlog-time-seconds`. */
export function kebabName(path: string): string {
  return path
    .split('.')
    .map((part) => part.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`))
    .join('-');
}

/** The CLI flag of an option, e.g. `--max-workers`. */
export function flagName(spec: OptionSpec): string {
  return `--${kebabName(spec.path)}`;
}

/** The FlinkDeployment annotation of an option, e.g. `flink-autoscaler.io/max-workers`. */
export function annotationName(spec: OptionSpec): string {
  return `${ANNOTATION_PREFIX}${kebabName(spec.path)}`;
}

/** The Helm value of an option, e.g. `policy.maxWorkers`. */
export function chartValuePath(spec: OptionSpec): string {
  return `policy.${spec.path}`;
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export type ValueResult = { ok: true; value: number } | { ok: false; message: string };

/** Parses an option's value from text (a flag or an annotation): a plain decimal number in range. */
export function parseOptionText(spec: OptionSpec, text: string): ValueResult {
  const trimmed = text.trim();
  if (!DECIMAL.test(trimmed)) {
    return { ok: false, message: `must be ${describeAllowed(spec)}, got ${JSON.stringify(text)}` };
  }
  const parsed = optionSchema(spec).safeParse(Number(trimmed));
  if (!parsed.success) return { ok: false, message: parsed.error.issues[0]?.message ?? 'is invalid' };
  return { ok: true, value: parsed.data };
}

export interface AnnotationOverrides {
  /** The config with every valid annotation applied over the base. */
  config: PolicyConfig;
  /** Options set by an annotation and kept. */
  applied: string[];
  /** Annotations that were bad and ignored (their option keeps the base value). */
  issues: ConfigIssue[];
}

/**
 * Applies `flink-autoscaler.io/<option>` annotations over a base config. A bad value is reported and
 * ignored; if the values are each fine but contradict each other (say min above max), all of them are
 * ignored and that is reported.
 */
export function applyAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
  base: Readonly<PolicyConfig> = DEFAULT_CONFIG,
): AnnotationOverrides {
  const overrides: PolicyOverrides = {};
  const applied: string[] = [];
  const issues: ConfigIssue[] = [];
  for (const spec of OPTION_SPECS) {
    const key = annotationName(spec);
    const text = annotations?.[key];
    if (text === undefined) continue;
    const result = parseOptionText(spec, text);
    if (result.ok) {
      setOverride(overrides, spec.path, result.value);
      applied.push(spec.path);
    } else {
      issues.push({ path: key, message: result.message });
    }
  }
  const merged = parseConfig(overrides, base);
  if (merged.ok) return { config: merged.config, applied, issues };
  const fallback = structuredClone(base) as PolicyConfig;
  const conflicts = merged.issues.map((issue) => ({
    path: `${ANNOTATION_PREFIX}${kebabName(issue.path)}`,
    message: `${issue.message} (all policy annotations ignored)`,
  }));
  // The base itself must be consistent; report if it is not, so nobody runs on a broken base silently.
  const baseIssues = crossFieldIssues(fallback);
  return { config: fallback, applied: [], issues: [...issues, ...conflicts, ...baseIssues] };
}
