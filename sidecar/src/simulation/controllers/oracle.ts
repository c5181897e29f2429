/**
 * `oracle`: the lower bound. At each second, the fewest workers that keep up with the input and drain any
 * backlog within 60 s, resized instantly and for free.
 */
import { workersFor } from '../job.js';
import type { ControllerFactory } from './types.js';

export const ORACLE_DRAIN_SECONDS = 60;

export const oracleFactory: ControllerFactory = ({ shape, trace }) => ({
  name: 'oracle',
  intervalSeconds: 1,
  free: true,
  initialWorkers: workersFor(shape, trace.points[0]?.[1] ?? 0),
  decide: (_view, truth) => workersFor(shape, truth.inputRate + truth.backlog / ORACLE_DRAIN_SECONDS),
});
