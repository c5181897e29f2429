/** The policy options as the chart takes them (`policy.<path>` values) and passes them on (`--<flag>=value`). */
import { OPTION_SPECS, flagName, type OptionSpec } from '@flink-autoscaler/shared';

const POLICY_FLAGS: ReadonlySet<string> = new Set(OPTION_SPECS.map(flagName));

/** The policy flags among a container's arguments, in their order. */
export function policyArgs(args: readonly string[]): string[] {
  return args.filter((arg) => POLICY_FLAGS.has(arg.split('=')[0] as string));
}

/**
 * Sample CPU thresholds that keep the cross-field rule scaleDown.cpu < targetCpu < scaleUp.cpu (the chart
 * refuses values the sidecar would refuse), each unlike its default.
 */
const CONSISTENT: Readonly<Record<string, number>> = {
  'scaleDown.cpu': 0.55,
  targetCpu: 0.65,
  'scaleUp.cpu': 0.95,
};

/** A value for each option, within its range, unlike its default, and consistent with the others. */
export function sampleValue(spec: OptionSpec): number {
  const fixed = CONSISTENT[spec.path];
  if (fixed !== undefined) return fixed;
  const { min, max } = spec.range;
  // A whole-number option with a top (a switch or a mode): the other end of its range from the default.
  if (spec.kind === 'integer' && max !== undefined) return spec.default === max ? min : max;
  if (max !== undefined) return Number(((min + max) / 2 + 0.05).toFixed(2));
  return spec.kind === 'integer' ? Math.max(min, 1) + 6 : (spec.default ?? min) + 7.5;
}

/** `--set-json` arguments giving every policy option its sample value. */
export function everyPolicyValue(): string[] {
  return OPTION_SPECS.map((spec) => `policy.${spec.path}=${sampleValue(spec)}`);
}
