/**
 * The control loop of the sidecar: every interval it collects from Flink, evaluates the policy with the
 * FlinkDeployment's gates and annotations, exports what it saw, and acts (active mode) or only advises;
 * manual scales come through the same path. State is saved on the FlinkDeployment before a scale, so a
 * sidecar restarted midway neither forgets a cooldown nor scales twice.
 */
import {
  Autoscaler,
  serializeState,
  type AutoscalerState,
  type Evaluation,
  type PolicyConfig,
} from '@flink-autoscaler/shared';
import type { Collected, FlinkCollector } from '../flink/collect.js';
import type { KubeClient } from '../kube/client.js';
import {
  modeOf,
  policyOf,
  specReplicas,
  stateOf,
  unstableBecause,
  type FlinkDeployment,
  type Mode,
} from '../kube/deployment.js';
import {
  ScaleRefused,
  type ManualScaleRequest,
  type ManualScaleResult,
  type SidecarApi,
} from '../http/contract.js';
import type { SidecarMetrics } from '../metrics/exporter.js';
import { EventDeduper } from './events.js';

/** The parts of the state worth a write to the FlinkDeployment when they change (not the per-tick streak). */
function durableKey(state: AutoscalerState): string {
  const { rescale, hold, block, pendingEffectiveness, history } = state;
  return JSON.stringify({ rescale, hold, block, pendingEffectiveness, history });
}

export type Log = (
  level: 'debug' | 'info' | 'warn' | 'error',
  msg: string,
  fields?: Record<string, unknown>,
) => void;

export interface SidecarDeps {
  collector: Pick<FlinkCollector, 'collect' | 'drops'>;
  kube: Pick<KubeClient, 'get' | 'scale' | 'saveState' | 'event' | 'replicas'>;
  metrics: SidecarMetrics;
  clock: () => number;
  log: Log;
  /** The policy before the FlinkDeployment's annotations (defaults, flags, chart values). */
  baseConfig: PolicyConfig;
  /** The longest manual hold, seconds. */
  maxHoldSeconds?: number;
}

export class Sidecar implements SidecarApi {
  private readonly deps: SidecarDeps;
  private deployment: FlinkDeployment | undefined;
  private autoscaler: Autoscaler | undefined;
  private config: PolicyConfig;
  private lastEvaluation: Evaluation | undefined;
  private lastCollected: Collected | undefined;
  private warnings: string[] = [];
  private busy = false;
  /** Evaluations and manual scales run one at a time, in order. */
  private running: Promise<unknown> = Promise.resolve();
  private slotsFromAnnotation = false;
  private savedKey: string | undefined;
  private readonly events = new EventDeduper();

  constructor(deps: SidecarDeps) {
    this.deps = deps;
    this.config = deps.baseConfig;
  }

  /** Reads the FlinkDeployment and the saved state; call before the first tick. */
  async start(): Promise<void> {
    const deployment = await this.deps.kube.get();
    this.updateDeployment(deployment);
    const read = stateOf(deployment);
    let state: AutoscalerState | undefined;
    if (read.ok) {
      state = read.state;
    } else {
      this.warn(
        deployment,
        'BadState',
        `the saved autoscaler state is unreadable and was ignored: ${read.message}`,
      );
    }
    // A rescale saved but never written (the sidecar died in between) did not happen: forget it.
    const pending = state?.rescale;
    if (state && pending && pending.settledAt === undefined && specReplicas(deployment) !== pending.to) {
      this.deps.log('warn', 'a saved rescale never reached the FlinkDeployment; forgetting it', {
        rescale: pending,
      });
      delete state.rescale;
    }
    this.autoscaler = new Autoscaler(this.config, this.deps.clock, state);
    this.savedKey = state ? durableKey(state) : undefined;
  }

  /** Saves the state when a durable part of it changed (a rescale settled, a hold, a block, history). */
  private async persist(): Promise<void> {
    const state = (this.autoscaler as Autoscaler).state;
    const key = durableKey(state);
    if (key === this.savedKey) return;
    this.deployment = await this.deps.kube.saveState(serializeState(state));
    this.savedKey = key;
  }

  /** A new version of the FlinkDeployment (from the watch). */
  updateDeployment(deployment: FlinkDeployment): void {
    this.deployment = deployment;
    const policy = policyOf(deployment, this.deps.baseConfig);
    this.config = policy.config;
    this.slotsFromAnnotation = policy.applied.includes('slotsPerWorker');
    for (const issue of policy.issues) {
      this.warn(deployment, 'BadAnnotation', `${issue.path}: ${issue.message}; the default is kept`);
    }
    this.autoscaler?.setConfig(this.config);
    this.deps.metrics.setMode(modeOf(deployment));
  }

  get mode(): Mode {
    return this.deployment ? modeOf(this.deployment) : 'advisor';
  }

  /** Runs `work` after whatever evaluation or manual scale is under way. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.running.then(work, work);
    this.running = next.catch(() => undefined);
    return next;
  }

  /** One evaluation cycle; a tick that comes while the previous one still runs is skipped. */
  async tick(): Promise<Evaluation | undefined> {
    if (!this.autoscaler || !this.deployment) throw new Error('start() first');
    if (this.busy) return undefined;
    this.busy = true;
    return this.exclusive(() => this.evaluate());
  }

  private async evaluate(): Promise<Evaluation | undefined> {
    const autoscaler = this.autoscaler as Autoscaler;
    const deployment = this.deployment as FlinkDeployment;
    const end = this.deps.metrics.evaluationSeconds.startTimer();
    try {
      const collected = await this.deps.collector.collect();
      this.lastCollected = collected;
      if (collected.dropped) {
        this.deps.metrics.droppedSamples.inc({ reason: collected.dropped.reason });
        this.deps.log('warn', 'sample dropped', { ...collected.dropped });
      }
      const topology = collected.topology;
      if (topology && !topology.reactive && topology.notReactiveBecause) {
        this.warn(deployment, 'NotReactiveMode', topology.notReactiveBecause);
      }
      // Slots per worker come from Flink (taskmanager.numberOfTaskSlots) unless an annotation sets them.
      if (topology && !this.slotsFromAnnotation && this.config.slotsPerWorker !== topology.slotsPerWorker) {
        this.config = { ...this.config, slotsPerWorker: topology.slotsPerWorker };
        autoscaler.setConfig(this.config);
      }
      const unstable = unstableBecause(deployment);
      const evaluation = autoscaler.observe({
        jobState: collected.jobState ?? 'UNKNOWN',
        deploymentStable: unstable === undefined,
        sample: collected.sample,
        maxParallelism:
          topology?.maxParallelism !== undefined ? Math.floor(topology.maxParallelism) : undefined,
      });
      this.lastEvaluation = evaluation;
      this.deps.metrics.setEvaluation(evaluation, collected.sample?.workers ?? evaluation.targetWorkers);
      const bounds = this.bounds();
      this.deps.metrics.setConfig(evaluation.config, bounds.max);
      if (evaluation.action !== 'none') await this.act(evaluation);
      await this.persist().catch((error: Error) => {
        this.deps.metrics.errors.inc({ stage: 'kubernetes' });
        this.deps.log('warn', 'state not saved', { error: error.message });
      });
      return evaluation;
    } catch (error) {
      this.deps.metrics.errors.inc({ stage: 'loop' });
      this.deps.log('error', 'evaluation failed', { error: (error as Error).message });
      return undefined;
    } finally {
      end();
      this.busy = false;
    }
  }

  private async act(evaluation: Evaluation): Promise<void> {
    const deployment = this.deployment as FlinkDeployment;
    const from = specReplicas(deployment) ?? evaluation.signals?.workers;
    const to = evaluation.targetWorkers;
    const reasons = evaluation.decision?.reasons ?? [];
    if (from === undefined) return;
    if (this.mode === 'advisor') {
      const message = `would scale from ${from} to ${to} (${reasons.join(', ')}); advisor mode: label the FlinkDeployment flink-autoscaler.io/enabled=true to let it act`;
      this.deps.log('info', 'advice', { from, to, reasons });
      this.warn(deployment, 'ScalingAdvised', message, 'Normal', `advice:${from}:${to}`);
      return;
    }
    await this.rescale({ from, to, trigger: 'policy', reasons, evaluation });
  }

  /** Saves the rescale in the state first, then scales; undoes the record if the scale is refused. */
  private async rescale(request: {
    from: number;
    to: number;
    trigger: 'policy' | 'manual';
    reasons: string[];
    evaluation?: Evaluation;
    user?: string;
    note?: string;
    holdUntil?: number;
  }): Promise<void> {
    const autoscaler = this.autoscaler as Autoscaler;
    const before = autoscaler.state;
    autoscaler.recordRescale(request);
    if (request.holdUntil !== undefined)
      autoscaler.hold(request.holdUntil, request.user ?? '', request.note ?? '');
    const deployment = this.deployment as FlinkDeployment;
    try {
      this.deployment = await this.deps.kube.saveState(serializeState(autoscaler.state));
      this.savedKey = durableKey(autoscaler.state);
      await this.deps.kube.scale(request.from, request.to);
    } catch (error) {
      this.autoscaler = new Autoscaler(this.config, this.deps.clock, before);
      await this.deps.kube
        .saveState(serializeState(before))
        .then(() => (this.savedKey = durableKey(before)))
        .catch(() => undefined);
      this.deps.metrics.errors.inc({ stage: 'scale' });
      const message = `could not scale from ${request.from} to ${request.to}: ${(error as Error).message}`;
      this.warn(deployment, 'ScalingFailed', message);
      throw error;
    }
    const direction = request.to > request.from ? 'up' : 'down';
    this.deps.metrics.recordScaling(direction, request.trigger, this.deps.clock());
    const who =
      request.trigger === 'manual'
        ? ` by ${request.user}: ${request.note}`
        : `: ${request.reasons.join(', ')}`;
    const message = `scaled ${direction} from ${request.from} to ${request.to} TaskManagers${who}`;
    this.deps.log('info', 'scaled', {
      from: request.from,
      to: request.to,
      trigger: request.trigger,
      user: request.user,
    });
    await this.deps.kube
      .event(
        deployment,
        'Normal',
        direction === 'up' ? 'ScaledUp' : 'ScaledDown',
        message,
        new Date(this.deps.clock()),
      )
      .catch((error: Error) => this.deps.log('warn', 'event not recorded', { error: error.message }));
  }

  private warn(
    deployment: FlinkDeployment,
    reason: string,
    message: string,
    type: 'Warning' | 'Normal' = 'Warning',
    key?: string,
  ): void {
    if (!this.warnings.includes(message)) this.warnings = [...this.warnings, message].slice(-20);
    if (!this.events.shouldSend(key ?? `${reason}:${message}`, this.deps.clock())) return;
    this.deps.log(type === 'Warning' ? 'warn' : 'info', message, { reason });
    this.deps.kube
      .event(deployment, type, reason, message, new Date(this.deps.clock()))
      .catch((error: Error) => this.deps.log('warn', 'event not recorded', { error: error.message }));
  }

  // SidecarApi

  bounds(): { min: number; max: number } {
    const c = this.lastEvaluation?.config ?? this.config;
    const byParallelism =
      c.maxParallelism === undefined
        ? Number.POSITIVE_INFINITY
        : Math.floor(c.maxParallelism / c.slotsPerWorker);
    return { min: c.minWorkers, max: Math.max(c.minWorkers, Math.min(c.maxWorkers, byParallelism)) };
  }

  maxHoldSeconds(): number {
    return this.deps.maxHoldSeconds ?? 24 * 3600;
  }

  ready(): { ready: boolean; reason: string } {
    if (!this.deployment) return { ready: false, reason: 'the FlinkDeployment has not been read yet' };
    if (!this.lastCollected) return { ready: false, reason: 'Flink has not been asked yet' };
    const reached = this.lastCollected.jobState !== undefined;
    return reached
      ? { ready: true, reason: 'ok' }
      : {
          ready: false,
          reason: `Flink not reachable: ${this.lastCollected.dropped?.message ?? 'no answer'}`,
        };
  }

  /** A manual scale waits for an evaluation under way, then checks and acts on the state as it is then. */
  manualScale(request: ManualScaleRequest): Promise<ManualScaleResult> {
    return this.exclusive(() => this.manualScaleNow(request));
  }

  private async manualScaleNow(request: ManualScaleRequest): Promise<ManualScaleResult> {
    const deployment = this.deployment;
    const autoscaler = this.autoscaler;
    if (!deployment || !autoscaler)
      throw new ScaleRefused(503, 'the sidecar has not read its FlinkDeployment yet');
    const from = specReplicas(deployment);
    if (from === undefined)
      throw new ScaleRefused(409, 'the FlinkDeployment sets no spec.taskManager.replicas');
    const { min, max } = this.bounds();
    if (request.replicas < min || request.replicas > max) {
      throw new ScaleRefused(
        422,
        `replicas must be from ${min} to ${max} (the policy's bounds), got ${request.replicas}`,
      );
    }
    const pending = autoscaler.state.rescale;
    if (pending && pending.settledAt === undefined) {
      throw new ScaleRefused(
        409,
        `a rescale from ${pending.from} to ${pending.to} is still in progress; try again when the job runs at ${pending.to}`,
      );
    }
    const holdUntil = this.deps.clock() + request.holdSeconds * 1000;
    if (request.dryRun || request.replicas === from) {
      return { from, to: request.replicas, holdUntil, dryRun: request.dryRun };
    }
    try {
      await this.rescale({
        from,
        to: request.replicas,
        trigger: 'manual',
        reasons: ['manual'],
        user: request.user,
        note: request.reason,
        holdUntil,
      });
    } catch (error) {
      const message = (error as Error).message;
      throw new ScaleRefused(/conflict|no longer/i.test(message) ? 409 : 503, message);
    }
    return { from, to: request.replicas, holdUntil, dryRun: false };
  }

  status(): unknown {
    const e = this.lastEvaluation;
    const c = e?.config ?? this.config;
    return {
      flinkdeployment: {
        namespace: this.deployment?.metadata.namespace,
        name: this.deployment?.metadata.name,
      },
      mode: this.mode,
      jobState: this.lastCollected?.jobState ?? null,
      signals: e?.signals ?? null,
      thresholds: {
        scaleUp: c.scaleUp,
        scaleDown: c.scaleDown,
        targetCpu: c.targetCpu,
        bounds: this.bounds(),
      },
      decision: e?.decision ?? null,
      gates: e?.gates ?? [],
      action: e ? { action: e.action, targetWorkers: e.targetWorkers } : null,
      hold: this.autoscaler?.state.hold ?? null,
      lastScalings: this.autoscaler?.state.history ?? [],
      droppedSamples: Object.fromEntries(this.deps.collector.drops),
      warnings: this.warnings,
    };
  }

  metrics(): Promise<string> {
    return this.deps.metrics.text();
  }
}
