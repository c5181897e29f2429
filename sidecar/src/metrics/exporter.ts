/**
 * The sidecar's Prometheus series (architecture.md, "What the sidecar exports"): one set per job,
 * labelled namespace and flinkdeployment: workers, signals, every threshold in force, the decision and its
 * reasons, gates, mode, scalings, dropped samples, errors, and how long an evaluation takes. And the sidecar's
 * own health, to alert on: whether its loop runs (`up`), why it is not ready (`not_ready{reason}`), whether it
 * is the one acting for its job (`leader`), and when it last completed a cycle.
 */
import type { Evaluation, PolicyConfig } from '@flink-autoscaler/shared';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { RecentScalings, type ScalingRecord } from './recent-scalings.js';
import { SourceGauges } from './sources.js';

export type Mode = 'active' | 'advisor';
export type Direction = 'up' | 'down';
export type Trigger = 'policy' | 'manual';

const ACTIONS = ['scale-up', 'scale-down', 'none'] as const;

/** The stages `flink_autoscaler_errors_total` counts (the loop, Kubernetes calls, scale writes, the HTTP API). */
export const ERROR_STAGES = ['loop', 'kubernetes', 'scale', 'api'] as const;

export class SidecarMetrics {
  readonly registry = new Registry();
  private readonly g: Record<string, Gauge> = {};
  readonly scalings: Counter<'direction' | 'trigger'>;
  readonly errors: Counter<'stage'>;
  readonly droppedSamples: Counter<'reason'>;
  readonly evaluationSeconds: Histogram;
  /** Per source: split gauges found/expected/unknown and the estimated share of the backlog (sources.ts). */
  readonly sources: SourceGauges;
  /** The last few scalings with who and why (recent-scalings.ts). */
  readonly recentScalings: RecentScalings;
  private readonly reasons: Gauge<'reason'>;
  private readonly gates: Gauge<'gate'>;
  private readonly decision: Gauge<'action'>;
  private readonly mode: Gauge<'mode'>;
  private readonly notReady: Gauge<'reason'>;
  private readonly guard: Gauge<'guard'>;

  constructor(labels: { namespace: string; flinkdeployment: string }) {
    this.registry.setDefaultLabels(labels);
    const gauge = (name: string, help: string, labelNames: string[] = []) => {
      // A gauge without labels joins the registry with its first value (see set), not as a made-up 0.
      const registers = labelNames.length > 0 ? [this.registry] : [];
      const metric = new Gauge({ name: `flink_autoscaler_${name}`, help, labelNames, registers });
      this.g[name] = metric;
      return metric;
    };
    gauge('workers', 'TaskManagers registered with the running job.');
    gauge('desired_workers', 'TaskManagers the policy wants now (before the gates).');
    gauge(
      'throughput_per_second',
      'Records (or bytes, see unit) per second read by the neediest source, mean over the window.',
      ['unit'],
    );
    gauge('backlog', 'Records (or bytes, see unit) waiting at the neediest source.', ['unit']);
    gauge(
      'backlog_growth_per_second',
      'Change of the backlog per second over the window (least-squares slope).',
      ['unit'],
    );
    gauge(
      'backlog_time_seconds',
      'Backlog divided by throughput: seconds to drain at the current throughput.',
    );
    gauge('input_rate_per_second', 'Throughput plus backlog growth, floored at zero.', ['unit']);
    gauge('cpu_utilization_ratio', 'Mean TaskManager CPU load over the window, 0 to 1.');
    gauge('scale_up_backlog_time_threshold_seconds', 'Scale up above this backlog time.');
    gauge('scale_down_backlog_time_threshold_seconds', 'Scale down only below this backlog time.');
    gauge('scale_up_cpu_threshold_ratio', 'Scale up above this CPU load.');
    gauge('scale_down_cpu_threshold_ratio', 'Scale down only below this CPU load.');
    gauge('target_cpu_ratio', 'The CPU load a CPU-sized job lands at.');
    gauge('min_workers', 'The fewest TaskManagers the policy allows.');
    gauge('max_workers', 'The most TaskManagers the policy allows (with max parallelism).');
    gauge('last_scaling_timestamp_seconds', 'When the sidecar last scaled the job (Unix time).');
    gauge(
      'last_cycle_timestamp_seconds',
      'When the sidecar last completed an evaluation cycle (Unix time); /healthz fails when it is too old.',
    );
    gauge(
      'up',
      '1 when the sidecar has read its FlinkDeployment and completes its cycles; 0 while it cannot (see not_ready).',
    );
    gauge('leader', '1 when this sidecar holds its job’s Lease and acts; 0 when it only observes.');
    this.notReady = gauge(
      'not_ready',
      'Why the sidecar is not ready: 1 for the current reason (e.g. flinkdeployment-not-found, flinkdeployment-forbidden, flink-unreachable); no series when ready.',
      ['reason'],
    ) as Gauge<'reason'>;
    this.decision = gauge('decision', 'The decision before the gates: 1 for the current action.', [
      'action',
    ]) as Gauge<'action'>;
    this.reasons = gauge('decision_reason', 'The reasons of the current decision: 1 for each.', [
      'reason',
    ]) as Gauge<'reason'>;
    this.gates = gauge('gate', 'What holds the decision back now: 1 for each gate.', [
      'gate',
    ]) as Gauge<'gate'>;
    this.mode = gauge('mode', '1 for the mode: active (scales) or advisor (only advises).', [
      'mode',
    ]) as Gauge<'mode'>;
    this.guard = gauge(
      'guard',
      'Guards (native-mode, not-reactive, operator-autoscaler): 1 while one holds and the sidecar only advises, 0 otherwise.',
      ['guard'],
    ) as Gauge<'guard'>;
    this.scalings = new Counter({
      name: 'flink_autoscaler_scalings_total',
      help: 'Scalings carried out, by direction and trigger (policy or manual).',
      labelNames: ['direction', 'trigger'],
      registers: [this.registry],
    });
    this.errors = new Counter({
      name: 'flink_autoscaler_errors_total',
      help: `Errors by stage (${ERROR_STAGES.join(', ')}).`,
      labelNames: ['stage'],
      registers: [this.registry],
    });
    // Every series from 0: a counter series born at 1 has no earlier sample, so increase() and rate() (and the
    // chart's alerts on them) could not see its first step.
    for (const stage of ERROR_STAGES) this.errors.inc({ stage }, 0);
    for (const direction of ['up', 'down'])
      for (const trigger of ['policy', 'manual']) this.scalings.inc({ direction, trigger }, 0);
    this.droppedSamples = new Counter({
      name: 'flink_autoscaler_dropped_samples_total',
      help: 'Flink samples dropped as untrustworthy, by reason.',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    this.evaluationSeconds = new Histogram({
      name: 'flink_autoscaler_evaluation_duration_seconds',
      help: 'How long one evaluation cycle takes (collection included).',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.sources = new SourceGauges(this.registry);
    this.recentScalings = new RecentScalings(this.registry);
  }

  /**
   * Sets a gauge, or takes it away when there is no value: prom-client would show a reset gauge without
   * labels as 0, which would claim a value nobody measured, so such a gauge leaves the registry instead.
   */
  private set(name: string, value: number | undefined, labels?: Record<string, string>): void {
    const metric = this.g[name];
    if (!metric) throw new Error(`no gauge ${name}`);
    const fullName = `flink_autoscaler_${name}`;
    const registered = this.registry.getSingleMetric(fullName) !== undefined;
    if (value === undefined || Number.isNaN(value)) {
      if (labels) metric.remove(labels);
      else if (registered) this.registry.removeSingleMetric(fullName);
      return;
    }
    if (!registered) this.registry.registerMetric(metric);
    if (labels) metric.set(labels, value);
    else metric.set(value);
  }

  /** Shows the thresholds and bounds in force. */
  setConfig(config: PolicyConfig, maxWorkers: number): void {
    this.set('scale_up_backlog_time_threshold_seconds', config.scaleUp.backlogTimeSeconds);
    this.set('scale_down_backlog_time_threshold_seconds', config.scaleDown.backlogTimeSeconds);
    this.set('scale_up_cpu_threshold_ratio', config.scaleUp.cpu);
    this.set('scale_down_cpu_threshold_ratio', config.scaleDown.cpu);
    this.set('target_cpu_ratio', config.targetCpu);
    this.set('min_workers', config.minWorkers);
    this.set('max_workers', maxWorkers);
  }

  setMode(mode: Mode): void {
    this.mode.reset();
    this.mode.set({ mode }, 1);
  }

  /** Every guard the sidecar knows (`all`) as 1 when it holds, 0 when not. */
  setGuards(all: readonly string[], holding: readonly string[]): void {
    for (const guard of all) this.guard.set({ guard }, holding.includes(guard) ? 1 : 0);
  }

  /** Whether the loop runs (1) or not (0). */
  setUp(up: boolean): void {
    this.set('up', up ? 1 : 0);
  }

  /** The reason the sidecar is not ready, or undefined when it is. */
  setNotReady(reason: string | undefined): void {
    this.notReady.reset();
    if (reason !== undefined) this.notReady.set({ reason }, 1);
  }

  setLeader(leader: boolean): void {
    this.set('leader', leader ? 1 : 0);
  }

  /** A cycle completed at `at` (Unix ms). */
  setCycle(at: number): void {
    this.set('last_cycle_timestamp_seconds', at / 1000);
  }

  /**
   * Shows one evaluation: signals (cleared when there are none), decision, reasons and gates; `moreGates` are
   * the sidecar's own (paused, manual-hold before the window is full, not-leader).
   */
  setEvaluation(
    evaluation: Evaluation,
    workers: number | undefined,
    moreGates: readonly string[] = [],
  ): void {
    this.set('workers', workers);
    const signals = evaluation.signals;
    const source = signals?.source;
    for (const name of [
      'throughput_per_second',
      'backlog',
      'backlog_growth_per_second',
      'input_rate_per_second',
    ]) {
      this.g[name]?.reset();
    }
    if (source) {
      const unit = { unit: source.unit };
      this.set('throughput_per_second', source.throughput, unit);
      this.set('backlog', source.backlog, unit);
      this.set('backlog_growth_per_second', source.backlogGrowth, unit);
      this.set('input_rate_per_second', source.inputRate, unit);
    }
    // +Inf is a valid sample value in Prometheus' text format: backlog with no throughput.
    this.set('backlog_time_seconds', source?.backlogTime);
    this.set('cpu_utilization_ratio', signals?.cpu);
    this.set('desired_workers', evaluation.decision?.desiredWorkers);
    this.decision.reset();
    this.reasons.reset();
    if (evaluation.decision) {
      for (const action of ACTIONS)
        this.decision.set({ action }, evaluation.decision.action === action ? 1 : 0);
      for (const reason of evaluation.decision.reasons) this.reasons.set({ reason }, 1);
    }
    this.gates.reset();
    for (const gate of [...evaluation.gates, ...moreGates]) this.gates.set({ gate }, 1);
  }

  /** A scaling at `at` (Unix ms); with its counts, who and why, it joins the recent scalings too. */
  recordScaling(
    direction: Direction,
    trigger: Trigger,
    at: number,
    details?: Pick<ScalingRecord, 'from' | 'to' | 'by' | 'reasons'>,
  ): void {
    this.scalings.inc({ direction, trigger });
    this.set('last_scaling_timestamp_seconds', at / 1000);
    if (details) this.recentScalings.record({ direction, trigger, at, ...details });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
