/**
 * What an advising sidecar (advisor mode, or a guard holds) says in Events: one `ScalingAdvised` Event when
 * the direction it advises changes (up, down, none), never one per target (the target moves with the
 * backlog from one cycle to the next). How often the advice is logged is the decision log's business
 * (decision-log.ts), the same as for an acting sidecar's decisions.
 */
import type { Evaluation } from '@flink-autoscaler/shared';

export type Direction = 'up' | 'down' | 'none';

export interface Advice {
  direction: Direction;
  message: string;
}

export function directionOf(action: Evaluation['action']): Direction {
  return action === 'scale-up' ? 'up' : action === 'scale-down' ? 'down' : 'none';
}

export class AdviceTracker {
  private last: Direction | undefined;

  /**
   * The advice to announce after this evaluation, or undefined when the direction did not change. Only an
   * evaluation with a decision counts (a cycle without data changes nothing); a first advice of "none" is
   * not announced. `gates` are every gate (the autoscaler's and the sidecar's); `why` says why the sidecar
   * only advises.
   */
  next(
    evaluation: Evaluation,
    from: number | undefined,
    gates: readonly string[],
    why: string,
  ): Advice | undefined {
    const decision = evaluation.decision;
    if (!decision || from === undefined) return undefined;
    const direction = directionOf(evaluation.action);
    if (direction === this.last) return undefined;
    const first = this.last === undefined;
    this.last = direction;
    if (first && direction === 'none') return undefined;
    const reasons = decision.reasons.join(', ');
    const message =
      direction === 'none'
        ? `advises no scaling now: ${
            gates.length > 0
              ? `the ${decision.action} waits (${gates.join(', ')})`
              : `${from} TaskManagers fit (${reasons})`
          }; ${why}`
        : `would scale ${direction} from ${from} to ${evaluation.targetWorkers} TaskManagers (${reasons}); ${why}`;
    return { direction, message };
  }

  /** Forgets the last advice (the sidecar acts again; a later advice is announced afresh). */
  reset(): void {
    this.last = undefined;
  }
}
