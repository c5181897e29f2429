/**
 * The decision, its reasons and its gates in words, with the figures that made them. The reason and gate
 * codes are the policy's (shared/src/policy/types.ts, shared/src/autoscaler/autoscaler.ts); an unknown
 * code is shown as it is.
 */
import { GROWTH_NOISE, type ReasonCode, type Gate } from '@flink-autoscaler/shared';
import { formatDuration, formatPercent, formatRate } from '../data/format';
import type { Snapshot } from '../data/snapshot';

export function headline(s: Snapshot): string {
  const workers = s.workers === undefined ? 'unknown' : String(s.workers);
  switch (s.action) {
    case 'scale-up':
      return `Scale up: ${workers} → ${s.desired ?? '?'} workers`;
    case 'scale-down':
      return `Scale down: ${workers} → ${s.desired ?? '?'} workers`;
    case 'none':
      return `No change: ${workers} workers`;
    default:
      return 'No decision yet';
  }
}

const bt = (s: Snapshot) => (s.backlogTime === undefined ? 'unknown' : formatDuration(s.backlogTime));
const cpu = (s: Snapshot) => (s.cpu === undefined ? 'unknown' : formatPercent(s.cpu));

const REASONS: Record<ReasonCode, (s: Snapshot) => string> = {
  'backlog-time-high': (s) =>
    `Backlog time ${bt(s)} is above ${formatDuration(s.thresholds.scaleUpBacklogTime.value)}.`,
  'cpu-high': (s) => `CPU ${cpu(s)} is above ${formatPercent(s.thresholds.scaleUpCpu.value)}.`,
  'cpu-low': (s) =>
    `CPU ${cpu(s)} is below ${formatPercent(s.thresholds.scaleDownCpu.value)}, backlog time ${bt(s)} is under ` +
    `${formatDuration(s.thresholds.scaleDownBacklogTime.value)} and the backlog is not growing: fewer workers ` +
    `would run at ${formatPercent(s.thresholds.targetCpu.value)}.`,
  'no-throughput': () => 'The source reads nothing (throughput 0): only CPU can size the job.',
  'within-bands': () => 'Every signal is inside its band: nothing to do.',
  'backlog-growing': (s) =>
    `The backlog grows${s.backlogGrowth === undefined ? '' : ` by ${formatRate(s.backlogGrowth, s.unit)}`} ` +
    `(more than ${formatPercent(GROWTH_NOISE)} of throughput): no scale-down.`,
  'backlog-time-not-low': (s) =>
    `Backlog time ${bt(s)} is not under ${formatDuration(s.thresholds.scaleDownBacklogTime.value)}: no scale-down.`,
  'limited-by-max-workers': (s) => `Capped at the most workers allowed (${s.thresholds.maxWorkers.value}).`,
  'limited-by-min-workers': (s) => `Held at the fewest workers allowed (${s.thresholds.minWorkers.value}).`,
  'limited-by-max-parallelism': (s) =>
    `Capped at ${s.thresholds.maxWorkers.value} workers: more would idle beyond the job's max parallelism.`,
  'invalid-signals': () => 'The signals cannot be trusted: nothing changes.',
  'limited-by-ineffective-scaling': () =>
    'Capped at the size an earlier, ineffective scale-up started from: beyond it, more workers did not raise throughput.',
  'decided-on-recent-samples': () =>
    'CPU has been above the trigger and the backlog growing for the last samples, with the input up 10 % on the window: decided on those samples, not the whole window.',
  'limited-by-partitions': () =>
    "Capped where the source's partitions run out: more workers would read nothing.",
  'catching-up': () =>
    'The backlog is draining: the scale-up is sized on keeping up and catching up, not on the CPU the catch-up takes.',
  'settling-after-catch-up': () =>
    'The backlog the last scale-up was sized for has drained: back to the target CPU.',
  'restart-not-worth-it': () => 'The saving would not pay for the restart a rescale costs: no rescale.',
  'input-rising': () =>
    'The input rate has been rising for two windows: the scale-down keeps the workers it will need before a later rescale could land.',
  'restart-to-absorb': () =>
    'The scale-down keeps the workers that, at full CPU, drain within the cooldown what arrives while its restart stops the job.',
};

const GATES: Record<Gate, string> = {
  'data-missing': 'Flink did not answer this cycle: no data (the job is not taken for stopped).',
  'job-not-running': 'The job is not RUNNING.',
  'deployment-not-stable': 'The FlinkDeployment is not stable yet.',
  'window-not-full': 'The measuring window is not full yet.',
  'no-signals': 'There are no signals to decide on.',
  'rescale-in-progress': 'A rescale is in progress.',
  cooldown: 'Cooling down after the last rescale.',
  'manual-hold': 'A manual scale holds the policy.',
  'scale-down-stabilizing': 'The scale-down waits for its stabilization period.',
  'ineffective-scaling': 'Scale-ups are blocked: the last one did not raise throughput.',
};

export function reasonText(code: string, s: Snapshot): string {
  const make = (REASONS as Record<string, ((s: Snapshot) => string) | undefined>)[code];
  return make ? make(s) : code;
}

/** Gates the sidecar adds around the policy's (its `flink_autoscaler_gate{gate}` series). */
const SIDECAR_GATES: Record<string, string> = {
  paused: 'Paused: the FlinkDeployment has flink-autoscaler.io/paused: "true".',
  'not-leader': 'This sidecar does not hold the job’s Lease: another one acts.',
  'flinkdeployment-gone': 'The FlinkDeployment is gone.',
};

export function gateText(code: string): string {
  return (GATES as Record<string, string | undefined>)[code] ?? SIDECAR_GATES[code] ?? code;
}

export function modeText(mode: Snapshot['mode']): string {
  if (mode === 'active') return 'Active: the sidecar scales the job.';
  if (mode === 'advisor')
    return 'Advisor: the sidecar only advises; label the FlinkDeployment to let it scale.';
  return 'Mode unknown.';
}

/**
 * Guards that keep the sidecar to advice (its `flink_autoscaler_guard{guard}` series; sidecar/src/loop/guards.ts,
 * whose AutoscalerGuarded Event and /api/v1/status name the exact keys and values of the job).
 */
const GUARDS: Record<string, string> = {
  'native-mode':
    'Advice only: the job runs in native mode (spec.mode native or not set), where every rescale is a full ' +
    'stateful redeploy. Run it with spec.mode: standalone and scheduler-mode: reactive, or allow native mode ' +
    '(--allow-native-mode, or the annotation flink-autoscaler.io/allow-native-mode: "true").',
  'not-reactive':
    'Advice only: the job is not in Reactive Mode (scheduler-mode is not reactive), so every rescale is a full ' +
    'stateful redeploy. Set scheduler-mode: reactive in spec.flinkConfiguration.',
  'operator-autoscaler':
    'Advice only: the Flink Kubernetes Operator’s own autoscaler is on for this job (job.autoscaler.enabled), ' +
    'and two autoscalers would fight. Turn it off, or keep it as a shadow that scales nothing ' +
    '(job.autoscaler.scaling.enabled: "false").',
};

export function guardText(code: string): string {
  return GUARDS[code] ?? `Advice only: guard ${code} holds.`;
}
