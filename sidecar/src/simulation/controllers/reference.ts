/**
 * `reference`: the floor for a policy that keeps headroom. Like the oracle, an instant and free resizer
 * that sees the truth every second, but it keeps every worker at the policy's target CPU instead of at
 * 100 %: the fewest workers whose capacity at `targetCpu` keeps up with the input and drains any backlog
 * within 60 s. Worker-hours against it say how much a policy pays beyond the headroom it asks for.
 */
import { workersFor } from '../job.js';
import { ORACLE_DRAIN_SECONDS } from './oracle.js';
import type { ControllerFactory } from './types.js';

export function referenceFactory(targetCpu: number): ControllerFactory {
  return ({ shape, trace }) => ({
    name: 'reference',
    intervalSeconds: 1,
    free: true,
    initialWorkers: workersFor(shape, (trace.points[0]?.[1] ?? 0) / targetCpu),
    decide: (_view, truth) =>
      workersFor(shape, (truth.inputRate + truth.backlog / ORACLE_DRAIN_SECONDS) / targetCpu),
  });
}
