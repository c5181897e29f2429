/** The `flink-autoscaler` command line: one program, one subcommand per job. */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CliError } from './exit.js';

/** The package's version (sidecar/package.json, beside both src/ and dist/). */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/**
 * A reader that went away (`flink-autoscaler demo | head`) ends the command quietly, as a Unix filter
 * does; any other failure to write the output is said once, without a stack.
 */
function endQuietlyWhenTheReaderGoes(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE')
      process.stderr.write(`flink-autoscaler: cannot write the output: ${error.message}\n`);
    process.exit(error.code === 'EPIPE' ? 0 : 1);
  });
  // Nowhere left to say anything: stop without a word.
  process.stderr.on('error', () => process.exit(1));
}

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
  backtest: async () => (await import('./backtest.js')).registerBacktest,
  'bench-cycle': async () => (await import('./bench-cycle.js')).registerBenchCycle,
};

/**
 * The program for `argv`: with only the named subcommand when argv names one, with all of them
 * otherwise (top-level help, an unknown command and its suggestions).
 */
export async function buildProgram(argv: string[] = process.argv): Promise<Command> {
  const program = new Command('flink-autoscaler')
    .description('Autoscaler for Apache Flink jobs on Kubernetes (Reactive Mode, FlinkDeployment scale).')
    .version(version(), '-V, --version', 'print the version')
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

endQuietlyWhenTheReaderGoes();
process.exitCode = await main(process.argv);
