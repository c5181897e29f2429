/** Structured JSON logs on stderr (pino), in the shape the control loop's `Log` takes. */
import { pino } from 'pino';
import type { Log } from '../loop/sidecar.js';

export function jsonLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Log {
  const logger = pino({ name, level, base: { component: name } }, pino.destination(2));
  return (lvl, msg, fields = {}) => logger[lvl](fields, msg);
}
