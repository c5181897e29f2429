/**
 * The policy config as the panel sees it, without the config schema's validator (zod, 68 KB of the panel's
 * bundle): the defaults derived from the option table (`OPTION_SPECS`, a plain list), each value the sidecar
 * exports checked against its option's range (`isAllowed`), and the rules that tie the thresholds together
 * (shared/src/config/schema.ts `crossFieldIssues`, for the options the panel reads; a test holds the two to
 * the same answers as `parseConfig`).
 */
import { OPTION_SPECS, isAllowed, type PolicyConfig } from '@flink-autoscaler/shared';

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

function defaults(): PolicyConfig {
  const config: Record<string, unknown> = {};
  for (const spec of OPTION_SPECS) setPath(config, spec.path, spec.default);
  return config as unknown as PolicyConfig;
}

/** The policy's defaults (policy.md), a plain object. */
export const PANEL_DEFAULTS: Readonly<PolicyConfig> = Object.freeze(defaults());

/** The thresholds and bounds the sidecar exports, by option path. */
export interface Exported {
  'scaleUp.backlogTimeSeconds'?: number | undefined;
  'scaleUp.cpu'?: number | undefined;
  'scaleDown.backlogTimeSeconds'?: number | undefined;
  'scaleDown.cpu'?: number | undefined;
  targetCpu?: number | undefined;
  minWorkers?: number | undefined;
  maxWorkers?: number | undefined;
}

function consistent(c: PolicyConfig): boolean {
  return (
    c.minWorkers <= c.maxWorkers &&
    c.scaleDown.cpu < c.targetCpu &&
    c.targetCpu < c.scaleUp.cpu &&
    c.scaleDown.backlogTimeSeconds < c.scaleUp.backlogTimeSeconds &&
    c.windowSeconds >= 2 * c.intervalSeconds
  );
}

/**
 * The exported values over the defaults; undefined when one is outside its option's range or they do not
 * fit together (as `parseConfig` would refuse them). Absent values keep their defaults.
 */
export function panelConfig(exported: Exported): PolicyConfig | undefined {
  const config = structuredClone(PANEL_DEFAULTS) as PolicyConfig;
  for (const [path, value] of Object.entries(exported) as [string, number | undefined][]) {
    if (value === undefined) continue;
    const spec = OPTION_SPECS.find((s) => s.path === path);
    if (!spec || !isAllowed(spec, value)) return undefined;
    setPath(config as unknown as Record<string, unknown>, path, value);
  }
  return consistent(config) ? config : undefined;
}
