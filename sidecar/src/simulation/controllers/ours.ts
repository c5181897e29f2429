/** `ours`: the shared autoscaler (policy.md with its state machine and defaults), as the sidecar runs it. */
import { Autoscaler, resolveConfig, type Evaluation, type PolicyOverrides } from '@flink-autoscaler/shared';
import type { View } from '../observer.js';
import type { Controller, ControllerFactory } from './types.js';

/** Sees every evaluation with the view it came from (the demo prints them). */
export type EvaluationListener = (view: View, evaluation: Evaluation) => void;

export function oursFactory(
  overrides: PolicyOverrides = {},
  onEvaluation?: EvaluationListener,
): ControllerFactory {
  return ({ shape }) => {
    const config = resolveConfig({
      minWorkers: shape.minWorkers,
      maxWorkers: shape.maxWorkers,
      ...overrides,
    });
    let now = 0;
    const autoscaler = new Autoscaler(config, () => now);
    const controller: Controller = {
      name: 'ours',
      intervalSeconds: config.intervalSeconds,
      decide(view) {
        now = view.time * 1000;
        const evaluation = autoscaler.observe({
          jobState: view.jobState,
          // The operator reconciles a new replica count before the deployment is stable again.
          deploymentStable: view.requested === view.workers,
          sample: {
            time: now,
            workers: view.workers,
            cpu: view.cpu,
            // What the sidecar's collector reads: the 60 s meter, the cumulative counter (T comes from it,
            // exact from the first second after a restart) and the backlog.
            sources: [
              {
                id: 'source',
                unit: 'records',
                rate: view.throughput,
                count: view.count,
                backlog: view.backlog,
                // The source's partitions, as the collector reads Beam's split count (option P).
                ...(shape.partitions !== undefined && { partitions: shape.partitions }),
              },
            ],
          },
        });
        onEvaluation?.(view, evaluation);
        if (evaluation.action === 'none') return view.requested;
        autoscaler.recordRescale({
          from: view.workers,
          to: evaluation.targetWorkers,
          trigger: 'policy',
          reasons: evaluation.decision?.reasons ?? [],
          evaluation,
        });
        return evaluation.targetWorkers;
      },
    };
    return controller;
  };
}
