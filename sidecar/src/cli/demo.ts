/**
 * `flink-autoscaler demo`: the main job on its built-in default (no cluster): the sidecar's autoscaler in
 * virtual time against the simulated Flink job, one row per evaluation.
 */
import type { Evaluation } from '@flink-autoscaler/shared';
import type { Command } from 'commander';
import { oursFactory } from '../simulation/controllers/ours.js';
import type { View } from '../simulation/observer.js';
import { runSimulation } from '../simulation/run.js';
import { loadTrace, traceNames } from '../simulation/trace.js';
import { CliError } from './exit.js';

function fixed(value: number | undefined, digits = 0): string {
  return value !== undefined && Number.isFinite(value)
    ? value.toFixed(digits)
    : value === undefined
      ? '-'
      : '∞';
}

function row(view: View, e: Evaluation): string {
  const what = e.action !== 'none' ? `${e.action} → ${e.targetWorkers}` : 'none';
  const why = [...(e.decision?.reasons ?? []), ...e.gates.map((g) => `[${g}]`)].join(' ');
  const clock = `${Math.floor(view.time / 3600)}:${String(Math.floor((view.time % 3600) / 60)).padStart(2, '0')}:${String(view.time % 60).padStart(2, '0')}`;
  return [
    clock.padStart(8),
    String(view.workers).padStart(7),
    fixed(view.throughput).padStart(7),
    fixed(view.backlog).padStart(9),
    fixed(e.signals?.source.backlogTime, 1).padStart(7),
    fixed(view.cpu, 2).padStart(5),
    `  ${what.padEnd(17)} ${why}`,
  ].join(' ');
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .summary('run the autoscaler in virtual time against a simulated Flink job (no cluster)')
    .description(
      "Runs the sidecar's autoscaler (policy defaults, active mode) in virtual time against the simulated " +
        'Flink job in Reactive Mode (the benchmark simulator), on a trace of input rates, and prints one row per ' +
        `evaluation: time, workers, throughput, backlog, backlog time, CPU, action, reasons [gates]. Traces: ${traceNames().join(', ')}.`,
    )
    .option('--trace <name>', 'the input-rate trace', 'step')
    .option('--json', 'print one JSON object per evaluation instead of a table')
    .action((opts: { trace: string; json?: boolean }) => {
      let trace;
      try {
        trace = loadTrace(opts.trace);
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      const out = process.stdout;
      if (!opts.json) {
        out.write(`${trace.name}: ${trace.description}\n`);
        out.write('    time workers    tput   backlog  BT(s)   cpu  action            reasons [gates]\n');
      }
      const result = runSimulation(
        trace,
        oursFactory({}, (view, evaluation) => {
          const { config, ...rest } = evaluation;
          out.write(
            opts.json ? `${JSON.stringify({ view, evaluation: rest })}\n` : `${row(view, evaluation)}\n`,
          );
        }),
      );
      if (!opts.json) {
        const f = result.figures;
        out.write(
          `\n${f.rescales} rescale${f.rescales === 1 ? '' : 's'}, ${f.workerHours.toFixed(1)} worker-hours, backlog time ≤ 120 s ` +
            `${(100 * f.sloAttainment).toFixed(2)} % of the time (see \`flink-autoscaler simulate --help\`)\n`,
        );
      }
    });
}
