/** The value after a flag on the command line of a script (`--seeds 3`), or undefined without the flag. */
export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
