/**
 * Guards (issue 13): the sidecar acts only on a job whose replica changes the operator carries out as an
 * in-place Reactive Mode rescale, and that no other autoscaler sizes. A guard that holds makes it advise
 * only (as in advisor mode) and say why: the status API, `flink_autoscaler_guard{guard}`, a Warning Event
 * `AutoscalerGuarded` when it starts holding, the panel.
 *
 * - native-mode: `spec.mode` is not `standalone` (unset means native in the operator), or Flink's own
 *   execution.target is native. Each replica change is then a full stateful redeploy of the job (the operator
 *   classes it UPGRADE). `--allow-native-mode` (or the job's annotation) accepts that.
 * - not-reactive: a standalone job whose `scheduler-mode` is not reactive, in Flink's own configuration or in
 *   `spec.flinkConfiguration` (either is enough: the operator rescales in place only when its copy says
 *   REACTIVE, and the JobManager runs what Flink's says). Values in any case, as Flink reads an enum.
 * - operator-autoscaler: `job.autoscaler.enabled` (or its older key
 *   `kubernetes.operator.job.autoscaler.enabled`) is true in `spec.flinkConfiguration`, a boolean as Flink
 *   reads one, and `job.autoscaler.scaling.enabled` is not false (that is the operator's advisor mode, which
 *   scales nothing). Read from the spec only: the operator reads its autoscaler's keys from there, and a
 *   change of them does not redeploy the JobManager, so Flink's own copy may be stale.
 *
 * Pure: no I/O, no clock.
 */
import { SWITCH_SPECS, switchFor } from '@flink-autoscaler/shared';
import { flinkBoolean, flinkEnumIs, type Topology } from '../flink/topology.js';
import type { FlinkDeployment } from '../kube/deployment.js';
import { flinkConfigurationOf, optionValue } from '../kube/flink-configuration.js';
import {
  AUTOSCALER_ENABLED_KEYS,
  AUTOSCALER_SCALING_KEYS,
  operatorDefaultsFor,
  type OperatorDefaultsReading,
} from '../kube/operator-defaults.js';

export type GuardId = 'native-mode' | 'not-reactive' | 'operator-autoscaler';

/** Every guard, in the order they are reported. */
export const GUARD_IDS: readonly GuardId[] = ['native-mode', 'not-reactive', 'operator-autoscaler'];

export interface Guard {
  id: GuardId;
  /** Why the sidecar only advises, and what to change; the Event's and the panel's text. */
  message: string;
}

export interface GuardOptions {
  /** `--allow-native-mode`: act on a native-mode job (its annotation overrides this per job). */
  allowNativeMode: boolean;
  /** The operator's default configuration's autoscaler keys for this job's namespace, from the injector. */
  operatorDefaults?: OperatorDefaultsReading | undefined;
}

const ALLOW_NATIVE_MODE = SWITCH_SPECS[0];
const ADVISES = 'The autoscaler only advises.';
const ALLOW_NATIVE =
  'or accept a redeploy per rescale with --allow-native-mode (chart value policy.allowNativeMode, or the ' +
  'annotation flink-autoscaler.io/allow-native-mode: "true" on the FlinkDeployment)';

function nativeMode(
  deployment: FlinkDeployment,
  topology: Pick<Topology, 'nativeTarget'> | undefined,
  options: GuardOptions,
): Guard | undefined {
  const mode = deployment.spec?.['mode'];
  const standaloneSpec = mode === 'standalone';
  if (standaloneSpec && topology?.nativeTarget !== true) return undefined;
  const allowed = switchFor(ALLOW_NATIVE_MODE, deployment.metadata.annotations, options.allowNativeMode);
  if (allowed.value) return undefined;
  const what = !standaloneSpec
    ? mode === undefined
      ? 'spec.mode is not set, so the operator runs the job in native mode'
      : `spec.mode is ${JSON.stringify(mode)}`
    : "Flink's execution.target names a native deployment, though spec.mode is standalone";
  const bad = allowed.issue === undefined ? '' : ` (${allowed.issue})`;
  return {
    id: 'native-mode',
    message:
      `${what}: every replica change is a full stateful redeploy of the job (suspended, then restarted from ` +
      `a savepoint or its last state), not an in-place Reactive Mode rescale. ${ADVISES} Run the job with ` +
      `spec.mode: standalone and scheduler-mode: reactive, ${ALLOW_NATIVE}${bad}.`,
  };
}

function notReactive(
  topology: Pick<Topology, 'schedulerMode'> | undefined,
  config: ReadonlyMap<string, string>,
): Guard | undefined {
  const seen: string[] = [];
  if (topology && !flinkEnumIs(topology.schedulerMode, 'reactive')) {
    const value = topology.schedulerMode;
    seen.push(`${value === undefined ? 'not set' : JSON.stringify(value)} in Flink's configuration`);
  }
  const spec = config.get('scheduler-mode');
  if (spec !== undefined && !flinkEnumIs(spec, 'reactive')) {
    seen.push(`${JSON.stringify(spec)} in spec.flinkConfiguration`);
  }
  if (seen.length === 0) return undefined;
  return {
    id: 'not-reactive',
    message:
      `scheduler-mode is ${seen.join(' and ')}, not reactive: the operator rescales a standalone job in ` +
      'place only in Reactive Mode; otherwise every replica change is a full stateful redeploy. ' +
      `${ADVISES} Set scheduler-mode: reactive in spec.flinkConfiguration.`,
  };
}

function operatorAutoscaler(
  deployment: FlinkDeployment,
  spec: ReadonlyMap<string, string>,
  defaults: OperatorDefaultsReading | undefined,
): Guard | undefined {
  // The operator lays the job's spec.flinkConfiguration over its defaults for the job's namespace and version.
  const fromDefaults =
    defaults?.entries === undefined
      ? new Map<string, string>()
      : operatorDefaultsFor(
          defaults.entries,
          deployment.metadata.namespace ?? '',
          flinkVersionOf(deployment),
        );
  const config = new Map([...fromDefaults, ...spec]);
  const enabled = optionValue(config, ...AUTOSCALER_ENABLED_KEYS);
  if (enabled === undefined || flinkBoolean(enabled.value) !== true) return undefined;
  const scaling = optionValue(config, ...AUTOSCALER_SCALING_KEYS);
  if (scaling !== undefined && flinkBoolean(scaling.value) === false) return undefined;
  const where = spec.has(enabled.key)
    ? 'in spec.flinkConfiguration'
    : `in the operator's default configuration, ConfigMap ${defaults?.source ?? ''}, as read when this ` +
      'JobManager pod was made';
  return {
    id: 'operator-autoscaler',
    message:
      `the Flink Kubernetes Operator's own autoscaler is on for this job (${enabled.key}: ` +
      `${JSON.stringify(enabled.value)} ${where}): two autoscalers would fight over its ` +
      `size. ${ADVISES} Turn the operator's autoscaler off for this job (${enabled.key}: "false" in ` +
      'spec.flinkConfiguration), or keep it as a shadow that scales nothing (job.autoscaler.scaling.enabled: "false").',
  };
}

/** The job's Flink version as the operator names it (`spec.flinkVersion`, e.g. `v1_18`). */
function flinkVersionOf(deployment: FlinkDeployment): string | undefined {
  const version = deployment.spec?.['flinkVersion'];
  return typeof version === 'string' ? version : undefined;
}

/**
 * The guards that hold for a job: from its FlinkDeployment, Flink's own configuration (the topology; undefined
 * until Flink answered) and the sidecar's options. Empty when the sidecar may act.
 */
export function guardsFor(
  deployment: FlinkDeployment,
  topology: Pick<Topology, 'schedulerMode' | 'nativeTarget'> | undefined,
  options: GuardOptions,
): Guard[] {
  const config = flinkConfigurationOf(deployment);
  const native = nativeMode(deployment, topology, options);
  // In native mode Reactive Mode does not apply (Flink supports it only on standalone deployments).
  const standalone = deployment.spec?.['mode'] === 'standalone' && topology?.nativeTarget !== true;
  const guards = [
    native,
    standalone ? notReactive(topology, config) : undefined,
    operatorAutoscaler(deployment, config, options.operatorDefaults),
  ];
  return guards.filter((guard): guard is Guard => guard !== undefined);
}

/** Which guards started holding and which lifted between two looks (by id). */
export function guardChanges(
  before: readonly Guard[],
  after: readonly Guard[],
): { started: Guard[]; lifted: Guard[] } {
  const has = (list: readonly Guard[], guard: Guard) => list.some((g) => g.id === guard.id);
  return {
    started: after.filter((guard) => !has(before, guard)),
    lifted: before.filter((guard) => !has(after, guard)),
  };
}
