/**
 * The sidecar's switches: on/off options outside the policy's numbers that travel the same way as the
 * policy options (a CLI flag, a FlinkDeployment annotation, a chart value under `policy`), named by the same
 * rules (names.ts). A FlinkDeployment annotation overrides the flag for its job.
 */
import { ANNOTATION_PREFIX, kebabName } from './names.js';

export interface SwitchSpec {
  /** The option's name, e.g. `allowNativeMode`. */
  readonly path: string;
  readonly default: boolean;
  /** One line of documentation. */
  readonly doc: string;
}

export const SWITCH_SPECS = [
  {
    path: 'allowNativeMode',
    default: false,
    doc:
      'Let the sidecar act on a job in native mode (spec.mode native or unset), where every rescale is a full ' +
      'stateful redeploy of the job (suspend, then restart from a savepoint or the last state), not an ' +
      'in-place Reactive Mode rescale.',
  },
] as const satisfies readonly SwitchSpec[];

export type SwitchPath = (typeof SWITCH_SPECS)[number]['path'];

/** The CLI flag of a switch, e.g. `--allow-native-mode` (alone it means true). */
export function switchFlag(spec: SwitchSpec): string {
  return `--${kebabName(spec.path)}`;
}

/** The FlinkDeployment annotation of a switch, e.g. `flink-autoscaler.io/allow-native-mode`. */
export function switchAnnotation(spec: SwitchSpec): string {
  return `${ANNOTATION_PREFIX}${kebabName(spec.path)}`;
}

/** The Helm value of a switch, e.g. `policy.allowNativeMode`. */
export function switchChartValue(spec: SwitchSpec): string {
  return `policy.${spec.path}`;
}

export type SwitchResult = { ok: true; value: boolean } | { ok: false; message: string };

/** A switch's value from text (a flag or an annotation): `true` or `false` in any case, as Flink reads one. */
export function parseSwitchText(text: string): SwitchResult {
  const upper = text.trim().toUpperCase();
  if (upper === 'TRUE') return { ok: true, value: true };
  if (upper === 'FALSE') return { ok: true, value: false };
  return { ok: false, message: `must be true or false, got ${JSON.stringify(text)}` };
}

/**
 * A switch for one job: its annotation when that is set and valid, else `base` (the flag or the default).
 * A bad annotation is reported and ignored.
 */
export function switchFor(
  spec: SwitchSpec,
  annotations: Readonly<Record<string, string>> | undefined,
  base: boolean,
): { value: boolean; issue?: string } {
  const key = switchAnnotation(spec);
  const text = annotations?.[key];
  if (text === undefined) return { value: base };
  const parsed = parseSwitchText(text);
  return parsed.ok ? { value: parsed.value } : { value: base, issue: `${key} ${parsed.message}; ignored` };
}
