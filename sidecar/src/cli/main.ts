/** The `flink-autoscaler` command line: one program, one subcommand per job. */
import { Command, CommanderError } from 'commander';
import { registerBench } from './bench.js';
import { registerBenchCycle } from './bench-cycle.js';
import { registerDecide } from './decide.js';
import { registerDemo } from './demo.js';
import { CliError } from './exit.js';
import { registerGateway } from './gateway.js';
import { registerInjector } from './injector.js';
import { registerOptions } from './options.js';
import { registerSidecar } from './sidecar.js';
import { registerSimulate } from './simulate.js';

export function buildProgram(): Command {
  const program = new Command('flink-autoscaler')
    .description('Autoscaler for Apache Flink jobs on Kubernetes (Reactive Mode, FlinkDeployment scale).')
    .showHelpAfterError()
    .exitOverride();
  registerDemo(program);
  registerDecide(program);
  registerOptions(program);
  registerSidecar(program);
  registerInjector(program);
  registerGateway(program);
  registerSimulate(program);
  registerBench(program);
  registerBenchCycle(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof CliError) {
      process.stderr.write(`flink-autoscaler: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`flink-autoscaler: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv);
