/**
 * Adds one CLI flag per policy option and per switch (names from the shared schema) and reads them back as
 * overrides.
 */
import {
  OPTION_SPECS,
  SWITCH_SPECS,
  describeAllowed,
  flagName,
  parseOptionText,
  parseSwitchText,
  resolveConfig,
  setOverride,
  switchFlag,
  type PolicyConfig,
  type PolicyOverrides,
  type SwitchPath,
} from '@flink-autoscaler/shared';
import type { Command } from 'commander';
import { CliError } from './exit.js';

/** camelCase key commander gives a flag: `--scale-up-cpu` → `scaleUpCpu`. */
export function optionKey(flag: string): string {
  return flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * switches: false leaves out the sidecar's switches (the guards' opt-ins), for commands whose job is
 * simulated or replayed, or that scale only at a person's word (the gateway), where a guard has nothing to
 * act on: such a flag is then refused, not ignored.
 */
export function addPolicyFlags(command: Command, { switches = true }: { switches?: boolean } = {}): Command {
  for (const spec of OPTION_SPECS) {
    const fallback = spec.default === undefined ? 'read from Flink' : `${spec.default}`;
    command.option(
      `${flagName(spec)} <value>`,
      `${spec.doc} (${describeAllowed(spec)}; default ${fallback})`,
    );
  }
  for (const spec of switches ? SWITCH_SPECS : []) {
    command.option(`${switchFlag(spec)} [true|false]`, `${spec.doc} (default ${spec.default})`);
  }
  return command;
}

/** The switches from the flags (a flag alone is true); a bad value is a CliError naming the flag. */
export function switchesFromFlags(opts: Record<string, unknown>): Record<SwitchPath, boolean> {
  const switches = {} as Record<SwitchPath, boolean>;
  const problems: string[] = [];
  for (const spec of SWITCH_SPECS) {
    const given = opts[optionKey(switchFlag(spec))];
    switches[spec.path] = spec.default;
    if (given === true) switches[spec.path] = true;
    if (typeof given !== 'string') continue;
    const parsed = parseSwitchText(given);
    if (parsed.ok) switches[spec.path] = parsed.value;
    else problems.push(`${switchFlag(spec)}: ${parsed.message}`);
  }
  if (problems.length > 0) throw new CliError(problems.join('\n'));
  return switches;
}

/** The overrides the flags give (only those given); a bad flag is a CliError naming it. */
export function policyOverridesFromFlags(opts: Record<string, unknown>): PolicyOverrides {
  const overrides: PolicyOverrides = {};
  const problems: string[] = [];
  for (const spec of OPTION_SPECS) {
    const text = opts[optionKey(flagName(spec))];
    if (typeof text !== 'string') continue;
    const parsed = parseOptionText(spec, text);
    if (parsed.ok) setOverride(overrides, spec.path, parsed.value);
    else problems.push(`${flagName(spec)}: ${parsed.message}`);
  }
  if (problems.length > 0) throw new CliError(problems.join('\n'));
  return overrides;
}

/** The base policy from the flags; a bad flag is a CliError naming it. */
export function policyFromFlags(opts: Record<string, unknown>): PolicyConfig {
  const overrides = policyOverridesFromFlags(opts);
  try {
    return resolveConfig(overrides);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

/** The policy flags that were given, as arguments to pass on (the injector hands them to every sidecar). */
export function givenPolicyArgs(opts: Record<string, unknown>): string[] {
  policyFromFlags(opts);
  const switches = switchesFromFlags(opts);
  return [
    ...OPTION_SPECS.flatMap((spec) => {
      const text = opts[optionKey(flagName(spec))];
      return typeof text === 'string' ? [flagName(spec), text.trim()] : [];
    }),
    ...SWITCH_SPECS.flatMap((spec) =>
      opts[optionKey(switchFlag(spec))] === undefined
        ? []
        : [`${switchFlag(spec)}=${String(switches[spec.path])}`],
    ),
  ];
}
