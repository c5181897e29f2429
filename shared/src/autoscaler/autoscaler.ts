/**
 * The stateful autoscaler around `decide`: it keeps the window of samples, applies the gates (job state,
 * deployment stability, rescale in progress, cooldown, manual hold, scale-down stabilization, ineffective
 * scaling), and records rescales. Time comes from an injected clock, so it runs in virtual time in tests.
 */
import type { PolicyConfig } from '../config/schema.js';
import { decideDetail } from '../policy/decide.js';
import type { Action, DecisionDetail } from '../policy/types.js';
import { computeSignals, toSignals } from '../signals/compute.js';
import type { JobSignals, Sample } from '../signals/types.js';
import { blockReleased, expectedGain, isIneffective, isJudgeable } from './effectiveness.js';
import {
  adjustScaleDown,
  adjustScaleUp,
  drewCatchUp,
  fallingBehind,
  forecastSeconds,
  heldRise,
  notWorthRestart,
  partitionLimit,
  settleTarget,
  type TrendReading,
} from './policy-options.js';
import { fastSignals } from './fast-trigger.js';
import { stabilizeScaleDownFor } from './stabilization.js';
import { HISTORY_LENGTH, initialState, type AutoscalerState, type RescaleRecord } from './state.js';
import { SampleWindow } from './window.js';

/** Milliseconds since the epoch; tests pass a virtual clock. */
export type Clock = () => number;

/** A rescale that has not brought the job to its new size by then is given up on (the cooldown starts). */
export const RESCALE_TIMEOUT_MS = 10 * 60 * 1000;

/** Why the autoscaler does not act on the decision now. */
export type Gate =
  | 'data-missing'
  | 'job-not-running'
  | 'deployment-not-stable'
  | 'window-not-full'
  | 'no-signals'
  | 'rescale-in-progress'
  | 'cooldown'
  | 'manual-hold'
  | 'scale-down-stabilizing'
  | 'ineffective-scaling';

/** What the collection stage saw at one tick. */
export interface Observation {
  /**
   * Flink's job state (`RUNNING`, `RESTARTING`, …), or undefined when Flink did not answer: unknown, which
   * is data missing (gate `data-missing`, the window kept), never a state of the job.
   */
  jobState: string | undefined;
  /** Whether the FlinkDeployment is stable (lifecycle, reconciliation, observed generation). */
  deploymentStable: boolean;
  /** A trusted sample, or undefined when this tick's sample was dropped. */
  sample?: Sample | undefined;
  /** The job's max parallelism as Flink reports it, used when the config does not set one. */
  maxParallelism?: number | undefined;
}

/** The evaluation of one tick: signals, the pure decision, the gates, and what to do now. */
export interface Evaluation {
  time: number;
  signals?: JobSignals;
  decision?: DecisionDetail;
  gates: Gate[];
  /** What to do now, after the gates. */
  action: Action;
  /** The worker count to scale to when `action` is not `none`; else the current count. */
  targetWorkers: number;
  /** The config in force (with maxParallelism from Flink when the config had none). */
  config: PolicyConfig;
}

export interface RescaleRequest {
  from: number;
  to: number;
  trigger: 'policy' | 'manual';
  reasons?: string[];
  user?: string;
  note?: string;
  /** For a policy scale-up: the evaluation that asked for it (its signals set the expected gain). */
  evaluation?: Evaluation;
}

export class Autoscaler {
  private config: PolicyConfig;
  private readonly clock: Clock;
  private current: AutoscalerState;
  private readonly window = new SampleWindow();
  private lastWorkers: number | undefined;
  /** Option T: the input trends of recent evaluations (in memory, like the window). */
  private trends: TrendReading[] = [];

  constructor(config: PolicyConfig, clock: Clock, state: AutoscalerState = initialState()) {
    this.config = config;
    this.clock = clock;
    this.current = structuredClone(state);
  }

  /** The state to persist (a copy). */
  get state(): AutoscalerState {
    return structuredClone(this.current);
  }

  setConfig(config: PolicyConfig): void {
    this.config = config;
  }

  /** Pauses the policy until `until` (ms). */
  hold(until: number, user: string, note: string): void {
    this.current.hold = { until, user, note };
  }

  /** Takes one tick's observation and says what to do. */
  observe(observation: Observation): Evaluation {
    const now = this.clock();
    const config = this.configFor(observation);
    const workers = observation.sample?.workers ?? this.lastWorkers ?? 0;
    const result = (gates: Gate[], extra: Partial<Evaluation> = {}): Evaluation => ({
      time: now,
      gates,
      action: 'none',
      targetWorkers: workers,
      config,
      ...extra,
    });

    if (observation.jobState === undefined) {
      // Nothing is known of the job this tick: no sample, the window and any rescale or cooldown as they
      // were, but no decision resting on samples older than the window either.
      this.window.dropBefore(now - config.windowSeconds * 1000);
      return result(['data-missing']);
    }
    if (observation.jobState !== 'RUNNING') {
      this.window.clear();
      delete this.current.scaleDown;
      // A restart during a rescale's cooldown (Reactive Mode restarts once more as TaskManagers come and
      // go) means the job is not yet RUNNING at its new size: the cooldown starts again when it is. A
      // restart long after the cooldown is not part of that rescale and leaves its record alone.
      const rescale = this.current.rescale;
      if (rescale && !rescale.incomplete && this.inCooldownOrPending(rescale, now, config)) {
        delete rescale.settledAt;
        // The downtime of this rescale begins (option R measures it).
        this.current.downSince ??= now;
      }
      return result(['job-not-running']);
    }
    if (observation.sample) {
      this.lastWorkers = observation.sample.workers;
      this.window.add(observation.sample, config.windowSeconds * 1000);
    }
    // Ticks without a sample must not leave the decision resting on samples older than the window.
    this.window.dropBefore(now - config.windowSeconds * 1000);
    this.trackRescale(now, workers);

    if (!this.window.isFull(now, config.windowSeconds * 1000, config.intervalSeconds * 1000)) {
      delete this.current.scaleDown;
      return result(['window-not-full']);
    }
    const windowSignals = computeSignals(this.window.contents, config);
    if (windowSignals === undefined) {
      delete this.current.scaleDown;
      return result(['no-signals']);
    }
    const restartSeconds = this.restartSeconds(config);
    const rise = heldRise(now, windowSignals, this.trends, config, restartSeconds);
    this.rememberTrend(now, windowSignals, config, restartSeconds);
    // Option F: a job saturated and falling behind on its last samples is decided on them.
    const fast = fastSignals(this.window.contents, windowSignals, config);
    const signals = fast ?? windowSignals;
    let decision = adjustScaleUp(decideDetail(toSignals(signals, signals.source), config), signals, config, {
      partitions: partitionLimit(this.window.contents.at(-1), config),
      restartSeconds,
      rise,
    });
    decision = adjustScaleDown(decision, signals, config, rise, restartSeconds);
    if (fast) decision = { ...decision, reasons: [...decision.reasons, 'decided-on-recent-samples'] };
    // Option S: once the catch-up a scale-up was sized for has drained, one scale-down to the target CPU.
    let settling = false;
    const pending = this.current.settle;
    if (pending && decision.action !== 'scale-up') {
      const settle = settleTarget(signals, config, rise, restartSeconds);
      if (settle === undefined) {
        // Not drained (or drained no longer): mode 2's time held starts again when it is.
        delete pending.drainedAt;
      } else if (settle < signals.workers) {
        pending.drainedAt ??= now;
        // A settle pays for its restart: the workers saved over the stabilization period (mode 2: over
        // the time the drained load has held, if longer) at least the workers paid through the restart
        // (option R's rule, whether or not R is on). Mode 1 gives up when it does not; mode 2 waits.
        const waits = config.scaleDown.settleAfterCatchUp === 2;
        const held = waits ? (now - pending.drainedAt) / 1000 : 0;
        const config1 = { ...config, restartAware: 1 };
        if (!notWorthRestart(signals.workers, settle, restartSeconds, config1, held)) {
          settling = true;
          decision = {
            ...decision,
            action: 'scale-down',
            desiredWorkers: settle,
            reasons: [...decision.reasons, 'settling-after-catch-up'],
          };
        } else if (!waits) {
          delete this.current.settle;
        } else {
          decision = { ...decision, reasons: [...decision.reasons, 'restart-not-worth-it'] };
        }
      } else {
        delete this.current.settle;
      }
    }
    this.judgeEffectiveness(now, signals, config);

    const gates: Gate[] = [];
    if (!observation.deploymentStable) gates.push('deployment-not-stable');
    const rescale = this.current.rescale;
    if (rescale && rescale.settledAt === undefined) gates.push('rescale-in-progress');
    if (
      rescale?.settledAt !== undefined &&
      now < rescale.settledAt + config.cooldownSeconds * 1000 &&
      !(decision.action === 'scale-up' && fallingBehind(signals, config))
    ) {
      gates.push('cooldown');
    }
    if (this.current.hold && now < this.current.hold.until) gates.push('manual-hold');

    let target = decision.desiredWorkers;
    if (decision.action === 'scale-down' && !settling) {
      const step = stabilizeScaleDownFor(
        this.current.scaleDown,
        now,
        decision.desiredWorkers,
        config.scaleDown.stabilizationSeconds * 1000,
        config.scaleDown.cleanWindows === 1 ? config.windowSeconds * 1000 : undefined,
        {
          workers: signals.workers,
          restarts: config.scaleDown.breakEvenRestarts,
          restartSeconds,
          minMs: config.windowSeconds * 1000,
        },
      );
      this.current.scaleDown = step.streak;
      target = Math.min(step.target, signals.workers);
      if (!step.ready) gates.push('scale-down-stabilizing');
    } else {
      delete this.current.scaleDown;
    }
    if (target < signals.workers && notWorthRestart(signals.workers, target, restartSeconds, config)) {
      decision = { ...decision, reasons: [...decision.reasons, 'restart-not-worth-it'] };
      target = signals.workers;
    }
    // The block holds scale-ups beyond the size the ineffective one started from: up to it, scaling had
    // helped, so a job scaled down since (the load fell) may come back that far.
    const block = this.current.block;
    if (decision.action === 'scale-up' && block) {
      if (block.workers !== undefined && signals.workers < block.workers) {
        if (target > block.workers) {
          target = block.workers;
          decision = { ...decision, reasons: [...decision.reasons, 'limited-by-ineffective-scaling'] };
        }
      } else {
        gates.push('ineffective-scaling');
      }
    }

    const action: Action =
      gates.length > 0 || target === signals.workers
        ? 'none'
        : target > signals.workers
          ? 'scale-up'
          : 'scale-down';
    return {
      time: now,
      signals,
      decision,
      gates,
      action,
      targetWorkers: action === 'none' ? workers : target,
      config,
    };
  }

  /** Records a rescale that was carried out (or asked of Kubernetes), policy's or manual. */
  recordRescale(request: RescaleRequest): void {
    const now = this.clock();
    this.current.rescale = { time: now, from: request.from, to: request.to };
    delete this.current.downSince;
    delete this.current.scaleDown;
    delete this.current.pendingEffectiveness;
    const source = request.evaluation?.signals?.source;
    delete this.current.settle;
    const signals = request.evaluation?.signals;
    if (
      this.config.scaleDown.settleAfterCatchUp >= 1 &&
      request.trigger === 'policy' &&
      request.to > request.from &&
      signals &&
      drewCatchUp(signals, this.config)
    )
      this.current.settle = { time: now };
    if (request.trigger === 'policy' && request.to > request.from && source) {
      const expected = expectedGain(source, request.from, request.to, this.config.scaleUp.drainSeconds);
      if (isJudgeable(expected, source.throughput)) {
        this.current.pendingEffectiveness = {
          sourceId: source.id,
          throughputBefore: source.throughput,
          expectedGain: expected,
          from: request.from,
        };
      }
    }
    if (request.trigger === 'manual') delete this.current.block;
    const record: RescaleRecord = {
      time: now,
      from: request.from,
      to: request.to,
      trigger: request.trigger,
      reasons: request.reasons ?? [],
    };
    if (request.user !== undefined) record.user = request.user;
    if (request.note !== undefined) record.note = request.note;
    this.current.history = [...this.current.history, record].slice(-HISTORY_LENGTH);
    this.window.clear();
  }

  private inCooldownOrPending(
    rescale: NonNullable<AutoscalerState['rescale']>,
    now: number,
    config: PolicyConfig,
  ) {
    return rescale.settledAt === undefined || now < rescale.settledAt + config.cooldownSeconds * 1000;
  }

  private configFor(observation: Observation): PolicyConfig {
    if (this.config.maxParallelism !== undefined || observation.maxParallelism === undefined)
      return this.config;
    return { ...this.config, maxParallelism: observation.maxParallelism };
  }

  /** The cooldown starts when the job runs at its new size; a rescale that never gets there times out. */
  private trackRescale(now: number, workers: number): void {
    const rescale = this.current.rescale;
    if (!rescale || rescale.settledAt !== undefined) return;
    if (workers === rescale.to) {
      rescale.settledAt = now;
      if (this.current.downSince !== undefined)
        this.current.restartSeconds = Math.max(0, (now - this.current.downSince) / 1000);
      delete this.current.downSince;
    } else if (now - rescale.time >= RESCALE_TIMEOUT_MS) {
      rescale.settledAt = now;
      rescale.incomplete = true;
    }
  }

  /** Option T: keeps this evaluation's input trend for as long as heldRise may look back. */
  private rememberTrend(now: number, signals: JobSignals, config: PolicyConfig, restartSeconds: number) {
    const trend = signals.source.inputTrend;
    const horizon = forecastSeconds(config, restartSeconds) * 1000;
    this.trends = this.trends.filter((r) => r.time >= now - horizon);
    if (trend !== undefined) this.trends.push({ time: now, trend });
  }

  /** Option R: the downtime to plan a rescale for, the latest measured or else the configured one. */
  private restartSeconds(config: PolicyConfig): number {
    return this.current.restartSeconds ?? config.restartSeconds;
  }

  /**
   * After a policy scale-up, judges the gain once the window is full again; blocks or unblocks (option
   * effectiveness: 0 never blocks, 2 releases only on a rise held for a whole window).
   */
  private judgeEffectiveness(now: number, signals: JobSignals, config: PolicyConfig): void {
    const pending = this.current.pendingEffectiveness;
    if (pending && this.current.rescale?.settledAt !== undefined) {
      // A scale-up that never reached its size (given up after the timeout) says nothing about what
      // scaling gains: it is not judged.
      const source = this.current.rescale.incomplete
        ? undefined
        : signals.sources.find((s) => s.id === pending.sourceId);
      delete this.current.pendingEffectiveness;
      if (source) {
        const gain = source.throughput - pending.throughputBefore;
        // Mode 2: a job no longer behind (backlog drained, CPU under the trigger) had its demand met or
        // fallen: its gain says nothing of what scaling brings.
        const behind =
          config.effectiveness !== 2 ||
          source.backlogTime >= config.scaleDown.backlogTimeSeconds ||
          signals.cpu > config.scaleUp.cpu;
        if (config.effectiveness !== 0 && behind && isIneffective(gain, pending.expectedGain)) {
          this.current.block = {
            time: now,
            sourceId: source.id,
            inputRate: source.inputRate,
            gain,
            expectedGain: pending.expectedGain,
            ...(pending.from !== undefined && { workers: pending.from }),
          };
        }
      }
    }
    const block = this.current.block;
    const blocked = block && signals.sources.find((s) => s.id === block.sourceId);
    if (!block || !blocked) return;
    if (config.effectiveness === 0) {
      delete this.current.block;
    } else if (!blockReleased(block.inputRate, blocked.inputRate)) {
      delete block.riseSince;
    } else if (config.effectiveness !== 2) {
      delete this.current.block;
    } else {
      block.riseSince ??= now;
      if (now - block.riseSince >= config.windowSeconds * 1000) delete this.current.block;
    }
  }
}
