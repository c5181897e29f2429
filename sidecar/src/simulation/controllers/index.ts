/** The policies the benchmark compares, by name. */
import { hpaCpuFactory } from './hpa-cpu.js';
import { kedaLagFactory } from './keda-lag.js';
import { operatorFactory } from './operator.js';
import { oracleFactory } from './oracle.js';
import { oursFactory } from './ours.js';
import { staticPeakFactory } from './static-peak.js';
import type { ControllerFactory } from './types.js';

export const POLICIES: Readonly<Record<string, ControllerFactory>> = {
  ours: oursFactory(),
  'static-peak': staticPeakFactory,
  'hpa-cpu': hpaCpuFactory,
  'keda-lag': kedaLagFactory,
  operator: operatorFactory,
  oracle: oracleFactory,
};

export const POLICY_NAMES = Object.keys(POLICIES);

export function policyFactory(name: string): ControllerFactory {
  const factory = POLICIES[name];
  if (!factory) throw new Error(`no policy ${JSON.stringify(name)} (known: ${POLICY_NAMES.join(', ')})`);
  return factory;
}
