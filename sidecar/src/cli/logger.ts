/**
 * Structured logs on stderr (pino), in the shape the control loop's `Log` takes. One schema for every
 * line of every process: `level` (a word: debug, info, warn, error), `time` (ISO 8601, UTC, wall clock),
 * `component` (which process), the entry's own fields, then `msg`. pino writes `level`, `time` and
 * `msg` itself; a field of the same name (or `component`) is renamed `<name>Field` so that no line ever
 * carries a key twice. `--log-format text` prints the same entries for people, one line each (pino-pretty).
 */
import { Option, type Command } from 'commander';
import { pino, stdTimeFunctions, type DestinationStream } from 'pino';
import type { Log } from '../loop/sidecar.js';

export const LOG_FORMATS = ['json', 'text'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Keys pino or this logger writes on every line: never taken from an entry's fields. */
const RESERVED = new Set(['level', 'time', 'msg', 'component']);

/** The fields as given, with a reserved key renamed `<key>Field`. */
export function safeFields(fields: Record<string, unknown>): Record<string, unknown> {
  let clash = false;
  for (const key in fields) if (RESERVED.has(key)) clash = true;
  if (!clash) return fields;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) out[RESERVED.has(key) ? `${key}Field` : key] = value;
  return out;
}

/** Where the text format goes: pino-pretty in this thread (no worker), one line per entry, on stderr. */
async function textStream(): Promise<DestinationStream> {
  const { default: pretty } = await import('pino-pretty');
  return pretty({
    destination: 2,
    sync: true,
    colorize: process.stderr.isTTY === true,
    singleLine: true,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,hostname,component',
  });
}

function makeLog(name: string, level: string, destination: DestinationStream): Log {
  const logger = pino(
    {
      level,
      base: { component: name },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return (lvl, msg, fields = {}) => logger[lvl](safeFields(fields), msg);
}

/** JSON lines on stderr (the default format). */
export function jsonLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Log {
  return makeLog(name, level, pino.destination({ dest: 2, sync: true }));
}

/** The process's logger in the format asked for (`json` unless `--log-format text`). */
export async function cliLogger(
  name: string,
  format: LogFormat | undefined,
  level = process.env.LOG_LEVEL ?? 'info',
): Promise<Log> {
  return format === 'text' ? makeLog(name, level, await textStream()) : jsonLogger(name, level);
}

/** `--log-format json|text` (env LOG_FORMAT), on every command that runs a server. */
export function addLogFormatFlag(command: Command): Command {
  return command.addOption(
    new Option(
      '--log-format <format>',
      'json (one object per line, for log collectors) or text (one line per entry, for people); level from env LOG_LEVEL',
    )
      .choices(LOG_FORMATS)
      .env('LOG_FORMAT')
      .default('json'),
  );
}
