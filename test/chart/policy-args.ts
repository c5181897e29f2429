/** The policy options as the chart takes them (`policy.<path>` values) and passes them on (`--<flag>=value`). */
import { OPTION_SPECS, flagName, type OptionSpec } from '@flink-autoscaler/shared';

const POLICY_FLAGS: ReadonlySet<string> = new Set(OPTION_SPECS.map(flagName));

/** The policy flags among a container's arguments, in their order. */
export function policyArgs(args: readonly string[]): string[] {
  return args.filter((arg) => POLICY_FLAGS.has(arg.split('=')[0] as string));
}

/** A value for each option, within its range and unlike its default. */
export function sampleValue(spec: OptionSpec): number {
  const { min, max } = spec.range;
  if (max !== undefined) return Number(((min + max) / 2 + 0.05).toFixed(2));
  return spec.kind === 'integer' ? Math.max(min, 1) + 6 : (spec.default ?? min) + 7.5;
}

/** `--set-json` arguments giving every policy option its sample value. */
export function everyPolicyValue(): string[] {
  return OPTION_SPECS.map((spec) => `policy.${spec.path}=${sampleValue(spec)}`);
}
