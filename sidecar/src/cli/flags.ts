/** Flag values every command reads the same way: seeds, positive numbers, files to write. */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CliError } from './exit.js';

/** A seed: a whole number from 0 to 999999999 (the text as given, so `1.5`, `x` and `` are refused). */
export function seedOf(text: string, flag = '--seed'): number {
  if (!/^\d{1,9}$/.test(text))
    throw new CliError(`${flag} must be a whole number from 0 to 999999999, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** A finite number greater than 0 and at most `max`. */
export function positiveOf(flag: string, text: string, max: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0 || value > max)
    throw new CliError(
      `${flag} must be a number greater than 0 and at most ${max}, got ${JSON.stringify(text)}`,
    );
  return value;
}

/** Refuses, before any work, a file that cannot be written: its folder missing, not a folder or read-only. */
export function checkWritableFile(flag: string, file: string): void {
  const dir = dirname(resolve(file));
  const refuse = (why: string) => new CliError(`${flag} ${file}: cannot write there (${why})`);
  if (!existsSync(dir)) throw refuse(`no such directory: ${dir}`);
  if (!statSync(dir).isDirectory()) throw refuse(`not a directory: ${dir}`);
  if (existsSync(file) && statSync(file).isDirectory()) throw refuse('it is a directory');
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw refuse(`the directory is not writable: ${dir}`);
  }
}

/** What a failed write says, without a stack: `no such file`, `permission denied`, or the system's text. */
export function writeFailure(what: string, error: unknown): CliError {
  const code = (error as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such file or directory'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'ENOSPC'
          ? 'no space left on the device'
          : (error as Error).message;
  return new CliError(`cannot write ${what}: ${why}`, 1);
}
