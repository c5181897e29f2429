/** The policies the benchmark compares, by name. */
import { resolveConfig } from '@flink-autoscaler/shared';
import { hpaCpuFactory } from './hpa-cpu.js';
import { kedaLagFactory } from './keda-lag.js';
import { operator115Factory, operatorFactory } from './operator.js';
import { oracleFactory } from './oracle.js';
import { oursFactory } from './ours.js';
import { referenceFactory } from './reference.js';
import { staticPeakFactory } from './static-peak.js';
import type { Controller, ControllerContext, ControllerFactory } from './types.js';

/** The reference at the target CPU of ours' default policy on the job's bounds. */
export function defaultTargetCpu(
  shape: Pick<ControllerContext['shape'], 'minWorkers' | 'maxWorkers'>,
): number {
  return resolveConfig({ minWorkers: shape.minWorkers, maxWorkers: shape.maxWorkers }).targetCpu;
}

function referenceAtDefaultTarget(context: ControllerContext): Controller {
  return referenceFactory(defaultTargetCpu(context.shape))(context);
}

export const POLICIES: Readonly<Record<string, ControllerFactory>> = {
  ours: oursFactory(),
  'static-peak': staticPeakFactory,
  'hpa-cpu': hpaCpuFactory,
  'keda-lag': kedaLagFactory,
  operator: operatorFactory,
  'operator-1.15': operator115Factory,
  oracle: oracleFactory,
  reference: referenceAtDefaultTarget,
};

export const POLICY_NAMES = Object.keys(POLICIES);

export function policyFactory(name: string): ControllerFactory {
  const factory = POLICIES[name];
  if (!factory) throw new Error(`no policy ${JSON.stringify(name)} (known: ${POLICY_NAMES.join(', ')})`);
  return factory;
}
