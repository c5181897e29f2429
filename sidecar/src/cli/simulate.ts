/** `flink-autoscaler simulate`: one policy on one trace in virtual time; figures, and a picture. */
import { readFileSync, writeFileSync } from 'node:fs';
import { OPTION_SPECS, flagName, resolveConfig, type PolicyOverrides } from '@flink-autoscaler/shared';
import type { Command } from 'commander';
import { measure } from '../simulation/bench.js';
import { POLICY_NAMES, policyFactory } from '../simulation/controllers/index.js';
import { oursFactory } from '../simulation/controllers/ours.js';
import type { ControllerFactory } from '../simulation/controllers/types.js';
import { renderRunSvg } from '../simulation/svg.js';
import { loadTrace, parseTrace, traceNames, type Trace } from '../simulation/trace.js';
import { CliError } from './exit.js';
import { checkWritableFile, positiveOf, seedOf, writeFailure } from './flags.js';
import { addPolicyFlags, optionKey, policyOverridesFromFlags } from './policy-flags.js';
import { progressReporter } from './progress.js';

interface SimulateOptions {
  trace: string;
  policy: string;
  seed: string;
  stateGib?: string;
  svg?: string;
  json?: boolean;
  [policyFlag: string]: unknown;
}

/** The largest state the simulator takes, GiB (a restart restores it at 100 MB/s: about 3 hours). */
const MAX_STATE_GIB = 1024;

/**
 * A trace by name (sidecar/traces/NAME.json) or from a file: a value with a `/` or ending in `.json` is a
 * file, in the same format as the built-in traces (the `traceSchema` of simulation/trace.ts).
 */
export function traceFrom(value: string): Trace {
  if (!value.includes('/') && !value.endsWith('.json')) {
    try {
      return loadTrace(value);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
  }
  let text: string;
  try {
    text = readFileSync(value, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : code;
    throw new CliError(`cannot read the trace file ${value}: ${why ?? (error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${value}: not JSON: ${(error as Error).message}`);
  }
  try {
    return parseTrace(json, value);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

/** The policy to run: `ours` with the policy flags over the trace's bounds, or a peer (which takes none). */
function factoryFor(policy: string, trace: Trace, opts: SimulateOptions) {
  const overrides: PolicyOverrides = policyOverridesFromFlags(opts);
  const given = OPTION_SPECS.map(flagName).filter((flag) => typeof opts[optionKey(flag)] === 'string');
  if (policy !== 'ours' && given.length > 0)
    throw new CliError(`${given.join(', ')}: the policy flags apply to --policy ours only`);
  let factory: ControllerFactory;
  try {
    factory = policy === 'ours' ? oursFactory(overrides) : policyFactory(policy);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  // The policy as ours resolves it on this trace's bounds: a bad combination is refused before the run.
  const bounds = { minWorkers: trace.job.minWorkers, maxWorkers: trace.job.maxWorkers };
  try {
    return { factory, targetCpu: resolveConfig({ ...bounds, ...overrides }).targetCpu };
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

export function registerSimulate(program: Command): void {
  const command = program
    .command('simulate')
    .summary('run one policy on one trace in virtual time and print its figures')
    .description(
      'Runs a scaling policy against a fluid model of a Flink job in Reactive Mode driven by an input-rate ' +
        'trace, in virtual time, and prints worker-hours (and their ratio to the oracle and to the reference at ' +
        'the target CPU), the share of time with backlog time at most 120 s, the worst backlog time, rescales, ' +
        'records read again and the time to recover after a change of load. The policy flags (below) tune ' +
        `--policy ours. Traces: ${traceNames().join(', ')}, or a file. Policies: ${POLICY_NAMES.join(', ')}.`,
    )
    .requiredOption(
      '--trace <name|file>',
      'a trace by name, or a JSON file in the format of sidecar/traces/*.json (a path with / or ending in .json)',
    )
    .requiredOption('--policy <name>', 'the scaling policy')
    .option('--seed <n>', 'seed of the measurement noise (a whole number)', '1')
    .option(
      '--state-gib <n>',
      "the job's state in GiB, which every restart restores (default: the trace's, 1 GiB for the built-in ones)",
    )
    .option(
      '--svg <file>',
      'write a picture: input, capacity, workers, backlog time and CPU against their thresholds',
    )
    .option('--json', 'print one JSON object: the figures, as a row of the benchmark’s results.json');
  addPolicyFlags(command, { switches: false }).action((opts: SimulateOptions) => {
    const seed = seedOf(opts.seed);
    if (opts.svg !== undefined) checkWritableFile('--svg', opts.svg);
    const trace = traceFrom(opts.trace);
    if (opts.stateGib !== undefined) {
      trace.job.stateMb = positiveOf('--state-gib', opts.stateGib, MAX_STATE_GIB) * 1024;
    }
    const stateGiB = trace.job.stateMb / 1024;
    const { factory, targetCpu } = factoryFor(opts.policy, trace, opts);
    const progress = progressReporter('simulate');
    const { result, row } = measure(trace, factory, {
      seed,
      targetCpu,
      onProgress: (done) => progress(`${(done * 100).toFixed(0)} %`),
    });
    const reference = row.referenceWorkerHours;
    const figures = row;
    if (opts.svg) {
      try {
        writeFileSync(opts.svg, renderRunSvg(result));
      } catch (error) {
        throw writeFailure(opts.svg, error);
      }
    }
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(row)}\n`);
      return;
    }
    const f = figures;
    const lines = [
      `${result.policy} on ${result.trace} (seed ${seed}, ${stateGiB} GiB of state): ${trace.description}`,
      `worker-hours           ${f.workerHours.toFixed(1)} (${f.workerHoursRatio.toFixed(2)}× the oracle's ${f.oracleWorkerHours.toFixed(1)}, ` +
        `${(f.workerHours / reference).toFixed(2)}× the reference's ${reference.toFixed(1)} at ${targetCpu} CPU)`,
      `backlog time ≤ 120 s   ${(100 * f.sloAttainment).toFixed(2)} % of the time`,
      `worst backlog time     ${Number.isFinite(f.worstBacklogTimeSeconds) ? `${f.worstBacklogTimeSeconds.toFixed(0)} s` : '∞'}`,
      `rescales               ${f.rescales} (at most ${f.maxRescalesPerChange} per change of load)`,
      `records read again     ${f.recordsReadAgain.toFixed(0)}`,
      `recovery after change  ${f.recoverySeconds} s`,
    ];
    if (opts.svg) lines.push(`picture                ${opts.svg}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}
