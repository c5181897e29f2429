/**
 * The Flink Kubernetes Operator's default configuration, as far as the `operator-autoscaler` guard needs it:
 * whether the operator's own autoscaler is on for a job whose `spec.flinkConfiguration` does not say. The
 * operator reads its defaults from its ConfigMap (`flink-operator-config` in its Helm chart) and refines them
 * per namespace (`kubernetes.operator.default-configuration.namespace.<ns>.<key>`) and per Flink version
 * (`kubernetes.operator.default-configuration.flink-version.<vX_Y>[+].<key>`, the version's overriding the
 * namespace's), then lays the job's `spec.flinkConfiguration` over them (FlinkConfigManager). It strips its
 * own keys (`job.autoscaler.*` among them) from the configuration it deploys, so Flink's REST API cannot show
 * them: the ConfigMap is the only place to read them.
 *
 * The injector reads the ConfigMap (it alone has a Role for it) and hands each sidecar only the autoscaler
 * keys that can apply to its namespace (autoscalerEntriesFor): another namespace's defaults, which may hold
 * credentials, never reach a job. The sidecar picks its Flink version's (operatorDefaultsFor). Pure: no I/O.
 */
import { parse } from 'yaml';
import { z } from 'zod';
import { flinkConfigurationFrom } from './flink-configuration.js';

/** The keys (and their deprecated forms) that turn the operator's autoscaler and its scaling on or off. */
export const AUTOSCALER_ENABLED_KEYS = [
  'job.autoscaler.enabled',
  'kubernetes.operator.job.autoscaler.enabled',
] as const;
export const AUTOSCALER_SCALING_KEYS = [
  'job.autoscaler.scaling.enabled',
  'kubernetes.operator.job.autoscaler.scaling.enabled',
] as const;
const AUTOSCALER_KEYS: ReadonlySet<string> = new Set([
  ...AUTOSCALER_ENABLED_KEYS,
  ...AUTOSCALER_SCALING_KEYS,
]);

export const NAMESPACE_PREFIX = 'kubernetes.operator.default-configuration.namespace.';
export const VERSION_PREFIX = 'kubernetes.operator.default-configuration.flink-version.';

/** `v1_18` or `v1_18+` at the start of a version-prefixed key's rest. */
const VERSION = /^v(\d+)_(\d+)(\+?)\.(.+)$/;

/**
 * Flink's legacy `flink-conf.yaml`: one `key: value` a line, `#` starting a comment, the key and value split
 * at the first `: ` (GlobalConfiguration's legacy reader); other lines are skipped, as Flink skips them.
 */
function legacyConfig(text: string): Map<string, string> {
  const config = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const content = (line.split('#', 1)[0] ?? '').trim();
    const at = content.indexOf(': ');
    if (at <= 0) continue;
    const key = content.slice(0, at).trim();
    const value = content.slice(at + 2).trim();
    if (key !== '' && value !== '') config.set(key, value);
  }
  return config;
}

/**
 * The operator's configuration from its ConfigMap's `data`: `config.yaml` (standard YAML, nested keys joined
 * by dots) when it is there, as Flink since 1.19 prefers it, else `flink-conf.yaml`. Throws a clear error for a
 * ConfigMap with neither or a `config.yaml` that is not YAML.
 */
export function operatorConfigFrom(data: Readonly<Record<string, string>> | undefined): Map<string, string> {
  const yaml = data?.['config.yaml'];
  if (yaml !== undefined) {
    let parsed: unknown;
    try {
      parsed = parse(yaml);
    } catch (error) {
      throw new Error(`its config.yaml is not YAML: ${(error as Error).message}`, { cause: error });
    }
    return flinkConfigurationFrom(parsed ?? {});
  }
  const legacy = data?.['flink-conf.yaml'];
  if (legacy !== undefined) return legacyConfig(legacy);
  throw new Error('it has neither config.yaml nor flink-conf.yaml');
}

/**
 * The entries of the operator's configuration that can decide whether its autoscaler is on for a job in
 * `namespace`: the autoscaler keys as they are, under this namespace's prefix and under any Flink version's
 * prefix. Nothing else, and nothing of other namespaces.
 */
export function autoscalerEntriesFor(
  config: ReadonlyMap<string, string>,
  namespace: string,
): Record<string, string> {
  const entries: Record<string, string> = {};
  const own = `${NAMESPACE_PREFIX}${namespace}.`;
  for (const [key, value] of config) {
    let rest = key;
    if (key.startsWith(own)) rest = key.slice(own.length);
    else if (key.startsWith(VERSION_PREFIX)) rest = VERSION.exec(key.slice(VERSION_PREFIX.length))?.[4] ?? '';
    if (AUTOSCALER_KEYS.has(rest)) entries[key] = value;
  }
  return entries;
}

function versionOf(text: string | undefined): [number, number] | undefined {
  const match = /^v(\d+)_(\d+)$/.exec(text ?? '');
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

const atOrBelow = (a: [number, number], b: [number, number]) =>
  a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]);

/**
 * The operator's defaults of the autoscaler keys for a job in `namespace` running Flink `flinkVersion`
 * (`spec.flinkVersion`, e.g. `v1_18`), from autoscalerEntriesFor's entries: the plain keys, overridden by the
 * namespace's, then by each version's that applies in ascending version order (`vX_Y+` for every X_Y at or
 * below the job's, then the job's own `vX_Y`), as FlinkConfigManager.getDefaultConfig applies them.
 */
export function operatorDefaultsFor(
  entries: Readonly<Record<string, string>>,
  namespace: string,
  flinkVersion: string | undefined,
): Map<string, string> {
  const defaults = new Map<string, string>();
  for (const [key, value] of Object.entries(entries)) if (AUTOSCALER_KEYS.has(key)) defaults.set(key, value);
  const own = `${NAMESPACE_PREFIX}${namespace}.`;
  for (const [key, value] of Object.entries(entries)) {
    if (key.startsWith(own)) defaults.set(key.slice(own.length), value);
  }
  const job = versionOf(flinkVersion);
  if (job === undefined) return defaults;
  const versioned: { version: [number, number]; exact: boolean; key: string; value: string }[] = [];
  for (const [key, value] of Object.entries(entries)) {
    if (!key.startsWith(VERSION_PREFIX)) continue;
    const match = VERSION.exec(key.slice(VERSION_PREFIX.length));
    if (!match) continue;
    const version: [number, number] = [Number(match[1]), Number(match[2])];
    const exact = match[3] !== '+';
    const applies = exact ? version[0] === job[0] && version[1] === job[1] : atOrBelow(version, job);
    if (applies) versioned.push({ version, exact, key: match[4] as string, value });
  }
  // Ascending versions, the job's own exact version last (a newer `+` overrides an older one).
  versioned.sort((a, b) =>
    a.exact !== b.exact ? (a.exact ? 1 : -1) : a.version[0] - b.version[0] || a.version[1] - b.version[1],
  );
  for (const { key, value } of versioned) defaults.set(key, value);
  return defaults;
}

/**
 * The injector's reading for one namespace, as it hands it to the sidecar (`--flink-operator-defaults`): the
 * operator's ConfigMap (`namespace/name`) and either autoscalerEntriesFor's entries for the pod's namespace or
 * why the ConfigMap could not be read.
 */
const readingSchema = z
  .object({
    source: z.string().min(1),
    entries: z.record(z.string(), z.string()).optional(),
    error: z.string().optional(),
  })
  .strict()
  .refine((r) => (r.entries === undefined) !== (r.error === undefined), {
    message: 'exactly one of entries and error',
  });
export type OperatorDefaultsReading = z.infer<typeof readingSchema>;

/** `--flink-operator-defaults`' JSON; throws a clear error for anything else. */
export function parseOperatorDefaults(text: string): OperatorDefaultsReading {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`--flink-operator-defaults must be JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = readingSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `--flink-operator-defaults must be {"source", "entries" or "error"}: ${issue?.path.join('.') || 'value'}: ${issue?.message}`,
    );
  }
  return parsed.data;
}
