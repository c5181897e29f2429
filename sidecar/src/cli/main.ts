/** The `flink-autoscaler` command line: one program, one subcommand per job. */
import { Command, CommanderError } from 'commander';
import { CliError } from './exit.js';

type Register = (program: Command) => void;

/**
 * The subcommands in help order, each loaded only when needed: a sidecar process then never holds the
 * injector's certificate code or the simulator (about 3 MiB of resident memory, `npm run bench:sidecar`).
 */
const SUBCOMMANDS: Record<string, () => Promise<Register>> = {
  demo: async () => (await import('./demo.js')).registerDemo,
  decide: async () => (await import('./decide.js')).registerDecide,
  options: async () => (await import('./options.js')).registerOptions,
  sidecar: async () => (await import('./sidecar.js')).registerSidecar,
  injector: async () => (await import('./injector.js')).registerInjector,
  gateway: async () => (await import('./gateway.js')).registerGateway,
  simulate: async () => (await import('./simulate.js')).registerSimulate,
  bench: async () => (await import('./bench.js')).registerBench,
  'bench-cycle': async () => (await import('./bench-cycle.js')).registerBenchCycle,
};

/**
 * The program for `argv`: with only the named subcommand when argv names one, with all of them
 * otherwise (top-level help, an unknown command and its suggestions).
 */
export async function buildProgram(argv: string[] = process.argv): Promise<Command> {
  const program = new Command('flink-autoscaler')
    .description('Autoscaler for Apache Flink jobs on Kubernetes (Reactive Mode, FlinkDeployment scale).')
    .showHelpAfterError()
    .exitOverride();
  const named = argv[2];
  const wanted =
    named !== undefined && Object.hasOwn(SUBCOMMANDS, named) ? [named] : Object.keys(SUBCOMMANDS);
  for (const name of wanted) (await SUBCOMMANDS[name]!())(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync(argv);
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
