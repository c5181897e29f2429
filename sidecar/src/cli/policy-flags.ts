/** Adds one CLI flag per policy option (names from the shared schema) and reads them back as overrides. */
import {
  OPTION_SPECS,
  describeAllowed,
  flagName,
  parseOptionText,
  resolveConfig,
  setOverride,
  type PolicyConfig,
  type PolicyOverrides,
} from '@flink-autoscaler/shared';
import type { Command } from 'commander';
import { CliError } from './exit.js';

/** camelCase key commander gives a flag: `--scale-up-cpu` → `scaleUpCpu`. */
function optionKey(flag: string): string {
  return flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function addPolicyFlags(command: Command): Command {
  for (const spec of OPTION_SPECS) {
    const fallback = spec.default === undefined ? 'read from Flink' : `${spec.default}`;
    command.option(
      `${flagName(spec)} <value>`,
      `${spec.doc} (${describeAllowed(spec)}; default ${fallback})`,
    );
  }
  return command;
}

/** The base policy from the flags; a bad flag is a CliError naming it. */
export function policyFromFlags(opts: Record<string, unknown>): PolicyConfig {
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
  try {
    return resolveConfig(overrides);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

/** The policy flags that were given, as arguments to pass on (the injector hands them to every sidecar). */
export function givenPolicyArgs(opts: Record<string, unknown>): string[] {
  policyFromFlags(opts);
  return OPTION_SPECS.flatMap((spec) => {
    const text = opts[optionKey(flagName(spec))];
    return typeof text === 'string' ? [flagName(spec), text.trim()] : [];
  });
}
