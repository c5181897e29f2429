/** `flink-autoscaler decide`: one JSON object of signals and config overrides in, one decision out. */
import { decide } from '@flink-autoscaler/shared';
import type { Command } from 'commander';
import { parseDecideInput } from './decide-input.js';
import { CliError } from './exit.js';
import { readAll } from './stdin.js';

const EXAMPLE = `{"signals": {"workers": 10, "throughput": 1000, "backlog": 150000, "backlogGrowth": 0, "cpu": 0.95},
 "config": {"scaleUp": {"drainSeconds": 30}, "maxWorkers": 20}}`;

/** Runs the decision on one input text; throws a CliError naming every bad field. */
export function decideText(text: string): string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`input is not JSON: ${(error as Error).message}`);
  }
  const input = parseDecideInput(json);
  if (!input.ok) throw new CliError(input.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  return JSON.stringify(decide(input.signals, input.config));
}

export function registerDecide(program: Command): void {
  program
    .command('decide')
    .summary('decide once: signals and config on stdin, the decision on stdout')
    .description(
      'Reads one JSON object on stdin: {"signals": {workers, throughput, backlog, backlogGrowth, cpu}, ' +
        '"config": {…}} where config holds optional overrides nested as in the policy ' +
        '(see `flink-autoscaler options`). Prints {"action", "desiredWorkers", "reasons"}. ' +
        'Bad input: exit code 2 and a message naming the field on stderr, nothing on stdout.',
    )
    .addHelpText('after', `\nExample:\n  echo '${EXAMPLE.replace(/\n/g, '')}' | flink-autoscaler decide`)
    .action(async () => {
      if (process.stdin.isTTY) throw new CliError('decide reads one JSON object on stdin; see --help');
      const text = await readAll(process.stdin).catch((error: Error) => {
        throw new CliError(error.message);
      });
      process.stdout.write(`${decideText(text)}\n`);
    });
}
