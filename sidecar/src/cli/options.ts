/** `flink-autoscaler options`: the policy's options with their names, defaults, ranges and docs. */
import {
  OPTION_SPECS,
  annotationName,
  chartValuePath,
  describeAllowed,
  flagName,
} from '@flink-autoscaler/shared';
import type { Command } from 'commander';

/** One row per option, as JSON-friendly objects. */
export function optionRows(): Record<string, string>[] {
  return OPTION_SPECS.map((spec) => ({
    option: spec.path,
    default: spec.default === undefined ? '(from Flink)' : String(spec.default),
    unit: spec.unit,
    allowed: describeAllowed(spec),
    flag: flagName(spec),
    annotation: annotationName(spec),
    chartValue: chartValuePath(spec),
    doc: spec.doc,
  }));
}

export function registerOptions(program: Command): void {
  program
    .command('options')
    .summary('list the policy options: names, defaults, allowed values, docs')
    .description(
      'Lists every policy option with its default, allowed values, CLI flag, FlinkDeployment annotation and ' +
        'Helm value, all derived from the one config schema.',
    )
    .option('--json', 'print JSON instead of text')
    .action((opts: { json?: boolean }) => {
      const rows = optionRows();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      for (const row of rows) {
        process.stdout.write(
          `${row.option} = ${row.default} ${row.unit}\n  ${row.doc}\n  allowed: ${row.allowed}\n` +
            `  flag ${row.flag}, annotation ${row.annotation}, chart ${row.chartValue}\n`,
        );
      }
    });
}
