/** `flink-autoscaler simulate`: one policy on one trace in virtual time; figures, and a picture. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { POLICY_NAMES, policyFactory } from '../simulation/controllers/index.js';
import { runSimulation } from '../simulation/run.js';
import { renderRunSvg } from '../simulation/svg.js';
import { loadTrace, traceNames } from '../simulation/trace.js';
import { CliError } from './exit.js';
import { progressReporter } from './progress.js';

function seedOf(text: string): number {
  if (!/^\d{1,9}$/.test(text))
    throw new CliError(`--seed must be a whole number from 0 to 999999999, got ${JSON.stringify(text)}`);
  return Number(text);
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .summary('run one policy on one trace in virtual time and print its figures')
    .description(
      'Runs a scaling policy against a fluid model of a Flink job in Reactive Mode driven by an input-rate ' +
        'trace, in virtual time, and prints worker-hours (and their ratio to the oracle), the share of time ' +
        'with backlog time at most 120 s, the worst backlog time, rescales, records read again and the time to ' +
        `recover after a change of load. Traces: ${traceNames().join(', ')}. Policies: ${POLICY_NAMES.join(', ')}.`,
    )
    .requiredOption('--trace <name>', 'the input-rate trace')
    .requiredOption('--policy <name>', 'the scaling policy')
    .option('--seed <n>', 'seed of the measurement noise', '1')
    .option(
      '--svg <file>',
      'write a picture: input, capacity, workers, backlog time and CPU against their thresholds',
    )
    .option('--json', 'print the figures as JSON')
    .action((opts: { trace: string; policy: string; seed: string; svg?: string; json?: boolean }) => {
      const seed = seedOf(opts.seed);
      let trace;
      let factory;
      try {
        trace = loadTrace(opts.trace);
        factory = policyFactory(opts.policy);
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      const progress = progressReporter('simulate');
      const result = runSimulation(trace, factory, {
        seed,
        onProgress: (done) => progress(`${(done * 100).toFixed(0)} %`),
      });
      const oracle = runSimulation(trace, policyFactory('oracle'), { seed }).figures.workerHours;
      const figures = {
        ...result.figures,
        oracleWorkerHours: oracle,
        workerHoursRatio: result.figures.workerHours / oracle,
      };
      if (opts.svg) writeFileSync(opts.svg, renderRunSvg(result));
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ policy: result.policy, trace: result.trace, seed, ...figures })}\n`,
        );
        return;
      }
      const f = figures;
      const lines = [
        `${result.policy} on ${result.trace} (seed ${seed}): ${trace.description}`,
        `worker-hours           ${f.workerHours.toFixed(1)} (${f.workerHoursRatio.toFixed(2)}× the oracle's ${f.oracleWorkerHours.toFixed(1)})`,
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
