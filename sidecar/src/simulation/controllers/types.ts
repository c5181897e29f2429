/** The contract between the simulator and a scaling policy under test. */
import type { View } from '../observer.js';
import type { JobShape, Trace } from '../trace.js';

/** What only an all-knowing policy (the oracle, static-peak) may read: the truth, not Flink's view. */
export interface Truth {
  /** R(t), records/s. */
  inputRate: number;
  /** Records waiting. */
  backlog: number;
}

export interface ControllerContext {
  trace: Trace;
  shape: JobShape;
  /** The run's seed: a policy that draws at random (KEDA's sampling phase) seeds its own noise with it. */
  seed?: number;
}

export interface Controller {
  readonly name: string;
  /** How often it decides, seconds. */
  readonly intervalSeconds: number;
  /** Rescales are instant and cost nothing (the oracle's lower bound). */
  readonly free?: boolean;
  /** Workers to start with, when the policy fixes them up front (otherwise the trace's). */
  readonly initialWorkers?: number;
  /** The workers to ask for now; the requested count means no change. */
  decide(view: View, truth: Truth): number;
}

export type ControllerFactory = (context: ControllerContext) => Controller;
