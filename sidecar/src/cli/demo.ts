/** `flink-autoscaler demo`: what the main job does today, on its built-in default (no cluster needed). */
import type { Command } from 'commander';
import { runDemo, type DemoRow } from '../demo/run-demo.js';

function fixed(value: number, digits = 0): string {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value);
}

function line(row: DemoRow): string {
  const e = row.evaluation;
  const what = e.action !== 'none' ? `${e.action} → ${e.targetWorkers}` : 'none';
  const why = [...(e.decision?.reasons ?? []), ...e.gates.map((g) => `[${g}]`)].join(' ');
  return [
    fixed(row.minute, 2).padStart(6),
    fixed(row.inputRate).padStart(6),
    String(row.workers).padStart(7),
    fixed(row.throughput).padStart(6),
    fixed(row.backlog).padStart(8),
    fixed(e.signals?.source.backlogTime ?? Number.NaN, 1).padStart(8),
    fixed(row.cpu, 2).padStart(5),
    `  ${what.padEnd(16)} ${why}`,
  ].join(' ');
}

export function registerDemo(program: Command): void {
  program
    .command('demo', { isDefault: false })
    .summary('run the autoscaler in virtual time on a built-in step load (no cluster)')
    .description(
      'Runs the stateful autoscaler (policy defaults, active mode) in virtual time against a small built-in ' +
        'model of a Flink job in Reactive Mode: 1000 records/s, a step to 2500 at minute 15, a drop to 800 ' +
        'at minute 45; 250 records/s per worker; a 20 s restart on every rescale. Prints one row per ' +
        'evaluation (every 15 s): the sidecar against a real JobManager comes with the sidecar itself.',
    )
    .option('--minutes <n>', 'virtual minutes to run', '80')
    .option('--json', 'print one JSON object per evaluation instead of a table')
    .action((opts: { minutes: string; json?: boolean }) => {
      const minutes = Number(opts.minutes);
      if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 24 * 60) {
        throw new Error(`--minutes must be a number from 1 to 1440, got ${JSON.stringify(opts.minutes)}`);
      }
      const rows = runDemo(minutes);
      if (opts.json) {
        for (const row of rows) process.stdout.write(`${JSON.stringify(row)}\n`);
        return;
      }
      process.stdout.write(
        ' minute  input workers   tput  backlog  BT(s)   cpu  action           reasons [gates]\n',
      );
      for (const row of rows) process.stdout.write(`${line(row)}\n`);
      const rescales = rows.filter((r) => r.evaluation.action !== 'none');
      process.stdout.write(
        `\n${rescales.length} rescales: ${rescales.map((r) => `${fixed(r.minute, 1)} min → ${r.evaluation.targetWorkers}`).join(', ')}\n`,
      );
    });
}
