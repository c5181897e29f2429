/**
 * `flink-autoscaler bench`: every policy on every trace at several seeds and two state sizes; writes
 * results.md, results.json and one picture per trace.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  BENCH_STATE_GIB,
  cooldownEvidence,
  cooldownTable,
  resultsTable,
  runBench,
  summaryTable,
  targetsTable,
} from '../simulation/bench.js';
import { POLICY_NAMES } from '../simulation/controllers/index.js';
import { renderComparisonSvg } from '../simulation/svg.js';
import { loadTrace, traceNames } from '../simulation/trace.js';
import { CliError } from './exit.js';
import { positiveOf, seedOf, writeFailure } from './flags.js';

interface BenchOptions {
  out: string;
  seed: string;
  seeds: string;
  stateGib: string;
  traces?: string;
  policies?: string;
  cooldownEvidence: boolean;
}

/** A comma-separated list, each item one of `known`. */
function listOf(flag: string, text: string, known: readonly string[]): string[] {
  const items = text.split(',').map((s) => s.trim());
  for (const item of items) {
    if (!known.includes(item))
      throw new CliError(`${flag}: no ${JSON.stringify(item)} (known: ${known.join(', ')})`);
  }
  return [...new Set(items)];
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .summary(
      'compare every policy on every trace at several seeds and state sizes; write results.md, results.json and one SVG per trace',
    )
    .option('--out <dir>', 'where to write the results', 'test/bench')
    .option('--seed <n>', 'the first seed of the measurement noise (a whole number)', '1')
    .option('--seeds <count>', 'how many seeds, from --seed on', '3')
    .option('--state-gib <list>', 'state sizes in GiB, comma-separated', BENCH_STATE_GIB.join(','))
    .option('--traces <list>', 'only these traces, comma-separated (default: every trace)')
    .option('--policies <list>', 'only these policies, comma-separated (default: every policy)')
    .option('--no-cooldown-evidence', 'leave out the runs of ours at other cooldowns')
    .action((opts: BenchOptions) => {
      const started = Date.now();
      const first = seedOf(opts.seed);
      const count = positiveOf('--seeds', opts.seeds, 20);
      if (!Number.isInteger(count)) throw new CliError(`--seeds must be a whole number, got ${opts.seeds}`);
      const seeds = Array.from({ length: count }, (_, i) => first + i);
      const states = opts.stateGib.split(',').map((s) => positiveOf('--state-gib', s.trim(), 1024));
      const names = opts.traces ? listOf('--traces', opts.traces, traceNames()) : traceNames();
      const policies = opts.policies ? listOf('--policies', opts.policies, POLICY_NAMES) : POLICY_NAMES;
      const write = (file: string, text: string) => {
        try {
          writeFileSync(join(opts.out, file), text);
        } catch (error) {
          throw writeFailure(join(opts.out, file), error);
        }
      };
      const traces = names.map((name) => loadTrace(name));
      const log = (fields: Record<string, unknown>) =>
        process.stderr.write(
          `${JSON.stringify({ level: 'info', elapsedMs: Date.now() - started, ...fields })}\n`,
        );
      const bench = runBench(traces, {
        seeds,
        stateGiB: states,
        policies,
        onRun: ({ trace, stateGiB, seed, policy }) => {
          if (policy === policies[0]) log({ msg: 'runs', trace, stateGiB, seed });
        },
      });
      const evidence = opts.cooldownEvidence
        ? cooldownEvidence(traces, [60, 180, 300], first, states, (trace) =>
            log({ msg: 'cooldown evidence', trace }),
          )
        : [];
      try {
        mkdirSync(opts.out, { recursive: true });
      } catch (error) {
        throw writeFailure(`the folder ${opts.out}`, error);
      }
      const pictures: string[] = [];
      for (const [trace, runs] of bench.runs) {
        const file = `${trace}.svg`;
        write(file, renderComparisonSvg(trace, runs));
        pictures.push(file);
      }
      write('results.json', `${JSON.stringify(bench.rows, null, 2)}\n`);
      const command = [
        'flink-autoscaler bench',
        ...(opts.seed !== '1' ? [`--seed ${first}`] : []),
        ...(opts.seeds !== '3' ? [`--seeds ${count}`] : []),
        ...(opts.stateGib !== BENCH_STATE_GIB.join(',') ? [`--state-gib ${opts.stateGib}`] : []),
        ...(opts.traces ? [`--traces ${opts.traces}`] : []),
        ...(opts.policies ? [`--policies ${opts.policies}`] : []),
      ].join(' ');
      const md = [
        '# Control-quality benchmark',
        '',
        `Made by \`${command}\` (seeds ${seeds.join(', ')}; ${states.map((s) => `${s} GiB`).join(' and ')} of state). ` +
          'Every policy on every trace of `sidecar/traces/`, in virtual time; backlog time is the seconds of input ' +
          'waiting (backlog ÷ input rate). The oracle keeps every worker at 100 % CPU, the reference at the ' +
          "policy's target CPU; both resize instantly and for free. Pictures (first seed, first state size): " +
          pictures.map((p) => `[${p}](${p})`).join(', ') +
          '.',
        '',
        ...traces.map((t) => `- \`${t.name}\`: ${t.description}`),
        '',
        ...states.flatMap((s) => [
          `## Summary, ${s} GiB of state`,
          '',
          "Each cell: worker-hours as a multiple of the reference's and of the oracle's (means over the seeds) · the least share of time with backlog time ≤ 120 s over the seeds · rescales (mean).",
          '',
          summaryTable(bench.rows, s),
        ]),
        '## Against the targets',
        '',
        "`ours` against issue 14's targets: worker-hours at most 1.05× the reference at every seed; backlog time within 120 s at least 99 % of the time at every seed, or as much as the oracle reaches where the bounds forbid 99 %; fewer worker-hours than every peer at an equal or better share (means over the seeds).",
        '',
        targetsTable(bench.rows),
        '## All figures',
        '',
        'Mean over the seeds; in brackets the least and the most where the seeds differ.',
        '',
        resultsTable(bench.rows),
        ...(evidence.length > 0
          ? [
              '## Evidence for the cooldown default',
              '',
              `\`ours\` at cooldowns of 60 s, 180 s and 300 s, on every trace at each state size (seed ${first}): rescales, worker-hours against the reference, share within 120 s.`,
              '',
              cooldownTable(evidence),
            ]
          : []),
      ].join('\n');
      write('results.md', md);
      log({ msg: 'done', out: opts.out, runs: bench.rows.length, pictures: pictures.length });
    });
}
