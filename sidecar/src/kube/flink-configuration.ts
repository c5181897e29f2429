/**
 * A FlinkDeployment's `spec.flinkConfiguration` as Flink configuration keys. The CRD keeps it with
 * `x-kubernetes-preserve-unknown-fields`: a flat map of dotted keys (`job.autoscaler.enabled: "true"`) or, from
 * operator 1.13, structured YAML (`job: {autoscaler: {enabled: true}}`), the two mixed freely; the operator
 * joins nested keys with dots, as Flink's own config.yaml does. Values become the text Flink would read
 * (`true`, `4`); a list becomes Flink's list form (`a;b`). Pure: no I/O.
 */
import type { FlinkDeployment } from './deployment.js';

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const items = value.map(text);
    return items.every((item) => item !== undefined) ? items.join(';') : undefined;
  }
  return undefined;
}

function flatten(node: Record<string, unknown>, prefix: string, into: Map<string, string>): void {
  for (const [key, value] of Object.entries(node)) {
    const name = `${prefix}${key}`;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      flatten(value as Record<string, unknown>, `${name}.`, into);
      continue;
    }
    const flat = text(value);
    if (flat !== undefined) into.set(name, flat);
  }
}

/** Flink configuration keys from a parsed YAML or JSON object (nested keys joined by dots); empty for a non-object. */
export function flinkConfigurationFrom(config: unknown): Map<string, string> {
  const into = new Map<string, string>();
  if (config !== null && typeof config === 'object' && !Array.isArray(config)) {
    flatten(config as Record<string, unknown>, '', into);
  }
  return into;
}

/** Every key of `spec.flinkConfiguration` with its value as text; empty when there is none. */
export function flinkConfigurationOf(deployment: FlinkDeployment): ReadonlyMap<string, string> {
  return flinkConfigurationFrom(deployment.spec?.['flinkConfiguration']);
}

/**
 * An option's value as Flink finds it: under its key, else under its first fallback (deprecated) key that is
 * set. Returns the key found too, so a message can name what the user wrote.
 */
export function optionValue(
  config: ReadonlyMap<string, string>,
  key: string,
  ...fallbackKeys: string[]
): { key: string; value: string } | undefined {
  for (const name of [key, ...fallbackKeys]) {
    const value = config.get(name);
    if (value !== undefined) return { key: name, value };
  }
  return undefined;
}
