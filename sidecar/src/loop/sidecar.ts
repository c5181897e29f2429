/**
 * The control loop of the sidecar: every interval it collects from Flink, evaluates the policy with the
 * FlinkDeployment's gates and annotations, exports what it saw, and acts (active mode) or only advises.
 *
 * - One acting sidecar per job: only the holder of the job's Lease acts, writes state and sends Events;
 *   the others observe, serve status and metrics, and adopt the state the leader saves (from the watch).
 * - State is written with a resourceVersion precondition; a conflict re-reads the FlinkDeployment and adopts
 *   the state another writer saved instead of overwriting it.
 * - A rescale is recorded in the state before the scale is written; a write whose answer was lost is read
 *   back, and what is stored decides whether it happened.
 * - Manual scaling comes through the FlinkDeployment only: a replica change the sidecar did not make holds the
 *   policy (`manualHoldSeconds`, or a `flink-autoscaler.io/hold` annotation naming the count, with who and
 *   why), and `flink-autoscaler.io/paused: "true"` stops it.
 */
import {
  Autoscaler,
  type AutoscalerState,
  type Evaluation,
  type PolicyConfig,
  workerBounds,
} from '@flink-autoscaler/shared';
import type { Collected, FlinkCollector } from '../flink/collect.js';
import type { Topology } from '../flink/topology.js';
import { KubeError, type KubeClient } from '../kube/client.js';
import {
  modeOf,
  policyOf,
  specReplicas,
  stateOf,
  unstableBecause,
  type FlinkDeployment,
  type Mode,
} from '../kube/deployment.js';
import { pausedOf } from '../kube/manual-hold.js';
import type { OperatorDefaultsReading } from '../kube/operator-defaults.js';
import type { SidecarApi } from '../http/contract.js';
import type { SidecarMetrics } from '../metrics/exporter.js';
import { AdviceTracker } from './advice.js';
import { DecisionLog } from './decision-log.js';
import { SourceReport } from './source-report.js';
import { EventDeduper } from './events.js';
import { GUARD_IDS, guardChanges, guardsFor, type Guard } from './guards.js';
import {
  defaultLivenessSeconds,
  liveness,
  notReadyReason,
  readiness,
  type HealthView,
  type StartFailure,
} from './health.js';
import { mayHaveHappened } from './lost-answer.js';
import { SavedState } from './saved-state.js';
import { statusReport } from './status-report.js';
import { annotatedHold, manualChangeOf, type ManualChange } from './manual-change.js';

/** Whether version `a` is older than `b` (Kubernetes' resourceVersions are decimal in practice). */
function olderThan(a: FlinkDeployment, b: FlinkDeployment): boolean {
  const x = a.metadata.resourceVersion;
  const y = b.metadata.resourceVersion;
  if (x === undefined || y === undefined || !/^\d+$/.test(x) || !/^\d+$/.test(y)) return false;
  return BigInt(x) < BigInt(y);
}

export type Log = (
  level: 'debug' | 'info' | 'warn' | 'error',
  msg: string,
  fields?: Record<string, unknown>,
) => void;

/** Who acts for the job (the LeaderElector of kube/lease.ts); without one the sidecar always acts. */
export interface Leadership {
  isLeader(): boolean;
  holder(): string | undefined;
}

/** Gates of the sidecar itself, on top of the autoscaler's. */
export type SidecarGate = 'paused' | 'manual-hold' | 'not-leader' | 'flinkdeployment-gone';

export interface SidecarDeps {
  collector: Pick<FlinkCollector, 'collect' | 'drops'>;
  kube: Pick<KubeClient, 'get' | 'scale' | 'saveState' | 'event'>;
  metrics: SidecarMetrics;
  clock: () => number;
  log: Log;
  /** The policy before the FlinkDeployment's annotations (defaults, flags, chart values). */
  baseConfig: PolicyConfig;
  leadership?: Leadership;
  /** This sidecar's name in the Lease (env POD_NAME or the host name). */
  identity?: string;
  /** /healthz fails when no cycle completed for this long (default: 10 intervals, at least 300 s). */
  livenessSeconds?: number;
  /** `--log-heartbeat-seconds`: the decision is logged when it changes and at least this often (300). */
  logHeartbeatSeconds?: number;
  /** `--allow-native-mode`: act on a native-mode job (guards.ts); a job's annotation overrides it. */
  allowNativeMode?: boolean;
  /** `--flink-operator-defaults`: the operator's default autoscaler keys for this namespace (guards.ts). */
  operatorDefaults?: OperatorDefaultsReading;
}

interface RescaleRequest {
  from: number;
  to: number;
  trigger: 'policy';
  reasons: string[];
  evaluation?: Evaluation;
}

export class Sidecar implements SidecarApi {
  private readonly deps: SidecarDeps;
  private deployment: FlinkDeployment | undefined;
  private autoscaler: Autoscaler | undefined;
  private config: PolicyConfig;
  private lastEvaluation: Evaluation | undefined;
  private lastCollected: Collected | undefined;
  private sidecarGates: SidecarGate[] = [];
  private warnings: string[] = [];
  private busy = false;
  /** Evaluations and the recording of manual changes run one at a time, in order. */
  private running: Promise<unknown> = Promise.resolve();
  private slotsFromAnnotation = false;
  /** The state as the FlinkDeployment stores it (as far as we know), and its writes. */
  private readonly saved: SavedState;
  /** The replica count of the last version seen: a change from it the sidecar did not make is manual. */
  private knownReplicas: number | undefined;
  /** A scale this sidecar asked for whose new count the FlinkDeployment has not shown yet. */
  private intent: { from: number; to: number } | undefined;
  /** A manual change seen and not recorded yet (recorded by the leader). */
  private unrecorded: ManualChange | undefined;
  /** The watch says the FlinkDeployment was deleted (until a version shows up again). */
  private gone = false;
  private watching: { watching: boolean; error?: string } | undefined;
  private paused = false;
  /** The paused state last announced (Event), undefined before the first look as leader. */
  private pauseAnnounced: boolean | undefined;
  private leader: boolean | undefined;
  private startFailure: StartFailure | undefined;
  private readonly createdAt: number;
  private lastCycleAt: number | undefined;
  private readonly events = new EventDeduper();
  /** ScalingAdvised Events, one per change of the advised direction (advice.ts). */
  private readonly advice = new AdviceTracker();
  private readonly decisionLog: DecisionLog;
  /** TaskManagers in the last trusted sample. */
  private runningWorkers: number | undefined;
  /** Per source: splits and the estimated share of the backlog, as last read (status and metrics). */
  private readonly sources = new SourceReport();
  /** The guards that hold (guards.ts): the sidecar then only advises. */
  private guards: Guard[] = [];
  /** Flink's job shape as last read (guards keep it while Flink does not answer). */
  private topology: Topology | undefined;

  constructor(deps: SidecarDeps) {
    this.deps = deps;
    this.config = deps.baseConfig;
    this.decisionLog = new DecisionLog(deps.log, deps.logHeartbeatSeconds);
    this.saved = new SavedState(deps.kube, deps.log);
    this.createdAt = deps.clock();
    const unread = deps.operatorDefaults?.error;
    if (unread !== undefined) {
      const message =
        `the injector could not read the operator's default configuration (ConfigMap ` +
        `${deps.operatorDefaults?.source}: ${unread}); the operator-autoscaler guard knows only this job's ` +
        'spec.flinkConfiguration';
      this.warnings = [message];
      deps.log('warn', message, { reason: 'OperatorDefaultsUnread' });
    }
    this.refreshHealth();
  }

  private get livenessMs(): number {
    return (this.deps.livenessSeconds ?? defaultLivenessSeconds(this.deps.baseConfig.intervalSeconds)) * 1000;
  }

  /** Whether this sidecar acts for its job now. */
  isLeader(): boolean {
    return this.deps.leadership?.isLeader() ?? true;
  }

  /** Reads the FlinkDeployment and the saved state; call before the first tick. Throws when it cannot. */
  async start(): Promise<void> {
    let deployment: FlinkDeployment;
    try {
      deployment = await this.deps.kube.get();
    } catch (error) {
      const failure = error instanceof KubeError ? error.failure : 'error';
      this.startFailure = {
        reason: `flinkdeployment-${failure}`,
        message: error instanceof Error ? error.message : String(error),
        since: this.startFailure?.since ?? this.deps.clock(),
        attempts: (this.startFailure?.attempts ?? 0) + 1,
      };
      this.refreshHealth();
      throw error;
    }
    this.startFailure = undefined;
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
    this.autoscaler = new Autoscaler(
      policyOf(deployment, this.deps.baseConfig).config,
      this.deps.clock,
      state,
    );
    this.saved.started(deployment, state);
    // The count the sidecar last knew of: its last rescale's (its own or a manual one). A count changed while
    // no sidecar watched (kubectl scale during a restart) is a manual change, seen at once.
    this.knownReplicas = state?.rescale?.to ?? specReplicas(deployment);
    this.updateDeployment(deployment);
    this.leadershipChanged();
    this.refreshHealth();
  }

  /** A new version of the FlinkDeployment (from the watch, or read back after a write). */
  updateDeployment(deployment: FlinkDeployment): void {
    const previous = this.deployment;
    if (previous && olderThan(deployment, previous)) return;
    this.deployment = deployment;
    this.gone = false;
    const policy = policyOf(deployment, this.deps.baseConfig);
    this.config = policy.config;
    this.slotsFromAnnotation = policy.applied.includes('slotsPerWorker');
    for (const issue of policy.issues) {
      this.warn(deployment, 'BadAnnotation', `${issue.path}: ${issue.message}; the default is kept`);
    }
    this.autoscaler?.setConfig(this.config);
    this.deps.metrics.setMode(modeOf(deployment));
    const autoscaler = this.autoscaler;
    if (!autoscaler) return;

    this.paused = pausedOf(deployment);
    this.announcePause(deployment);

    // The state another writer saved (the leader, seen by a follower; a sidecar that led before).
    const adopted = this.saved.seen(deployment, autoscaler.state);
    if (adopted) this.autoscaler = new Autoscaler(this.config, this.deps.clock, adopted);

    const replicas = specReplicas(deployment);
    const own = [this.intent?.to, this.pendingRescaleTo()].filter((n): n is number => n !== undefined);
    const change = manualChangeOf(
      this.knownReplicas,
      deployment,
      own,
      this.deps.clock(),
      this.config.manualHoldSeconds,
    );
    if (replicas !== undefined && this.intent?.to === replicas) this.intent = undefined;
    if (replicas !== undefined) this.knownReplicas = replicas;
    if (change) {
      this.deps.log('info', 'manual scale detected', { ...change, leader: this.isLeader() });
      this.unrecorded = change;
      this.recordManualChange();
    }

    // A hold annotation naming the count asked for now holds the policy until its end.
    const hold = annotatedHold(deployment, this.deps.clock());
    const current = this.autoscaler?.state.hold;
    if (hold && (current?.until !== hold.until || current.user !== hold.by)) {
      this.autoscaler?.hold(hold.until, hold.by, hold.reason);
    }
  }

  /**
   * Paused and Resumed Events and log lines, by the leader, once per change (a sidecar that starts or takes
   * the lead on a paused job says so; one that finds it running says nothing).
   */
  private announcePause(deployment: FlinkDeployment): void {
    if (!this.isLeader() || this.pauseAnnounced === this.paused) return;
    const first = this.pauseAnnounced === undefined;
    this.pauseAnnounced = this.paused;
    if (first && !this.paused) return;
    const message = this.paused
      ? 'the policy is paused (flink-autoscaler.io/paused: "true"): the autoscaler does not scale this job'
      : 'the policy runs again (flink-autoscaler.io/paused removed)';
    this.deps.log('info', message, { reason: this.paused ? 'Paused' : 'Resumed' });
    this.sendEvent(deployment, 'Normal', this.paused ? 'Paused' : 'Resumed', message);
  }

  /** The watch saw the FlinkDeployment deleted: nothing to act on until it is back. */
  deploymentGone(): void {
    if (!this.gone) this.deps.log('warn', 'the FlinkDeployment was deleted; not acting until it is back');
    this.gone = true;
    this.refreshHealth();
  }

  /** What the watch reports about itself (for the status API). */
  watchStatus(status: { watching: boolean; error?: string }): void {
    this.watching = status;
  }

  /** The target of a rescale recorded in the state and not yet seen done. */
  private pendingRescaleTo(): number | undefined {
    const rescale = this.autoscaler?.state.rescale;
    return rescale && rescale.settledAt === undefined ? rescale.to : undefined;
  }

  /** The Lease changed hands (or this is the start): metrics, log, and the leader's view of pausing. */
  leadershipChanged(): void {
    const leader = this.isLeader();
    if (leader !== this.leader) {
      if (this.leader !== undefined || this.deps.leadership !== undefined) {
        this.deps.log(
          'info',
          leader ? 'leading: this sidecar acts for its job' : 'following: another sidecar acts',
          {
            identity: this.deps.identity,
            holder: this.deps.leadership?.holder(),
          },
        );
      }
      this.leader = leader;
    }
    this.deps.metrics.setLeader(leader);
    if (this.deployment && this.autoscaler) this.announcePause(this.deployment);
    this.recordManualChange();
  }

  /**
   * Records the last manual change seen, as the leader: at once, or when this sidecar takes the lead (a change
   * seen while following, or at start before the Lease was held) unless another writer recorded it already.
   */
  private recordManualChange(): void {
    const change = this.unrecorded;
    if (!change || !this.isLeader() || !this.deployment) return;
    this.unrecorded = undefined;
    if (specReplicas(this.deployment) !== change.to) return;
    const recorded = this.autoscaler?.state.history.at(-1);
    if (
      recorded &&
      recorded.trigger === 'manual' &&
      recorded.to === change.to &&
      recorded.from === change.from
    )
      return;
    void this.exclusive(() => this.recordManual(change)).catch((error: Error) =>
      this.deps.log('warn', 'manual scale not recorded', { error: error.message }),
    );
  }

  get mode(): Mode {
    return this.deployment ? modeOf(this.deployment) : 'advisor';
  }

  /** Whether the sidecar only advises: advisor mode, or a guard holds (guards.ts). */
  get advising(): boolean {
    return this.mode === 'advisor' || this.guards.length > 0;
  }

  /**
   * The guards now, from the FlinkDeployment and Flink's configuration: the metric, and a Warning Event
   * `AutoscalerGuarded` with a log line for each guard that starts holding (one per guard, not per cycle).
   */
  private updateGuards(deployment: FlinkDeployment): void {
    const guards = guardsFor(deployment, this.topology, {
      allowNativeMode: this.deps.allowNativeMode ?? false,
      operatorDefaults: this.deps.operatorDefaults,
    });
    const { started, lifted } = guardChanges(this.guards, guards);
    for (const guard of started) {
      this.deps.log('warn', guard.message, { reason: 'AutoscalerGuarded', guard: guard.id });
      this.sendEvent(deployment, 'Warning', 'AutoscalerGuarded', guard.message);
    }
    for (const guard of lifted) {
      this.deps.log('info', 'a guard no longer holds', { guard: guard.id });
    }
    this.guards = guards;
    this.deps.metrics.setGuards(
      GUARD_IDS,
      guards.map((g) => g.id),
    );
  }

  /** Runs `work` after whatever evaluation or recording is under way. */
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
    const deployment = this.deployment as FlinkDeployment;
    const end = this.deps.metrics.evaluationSeconds.startTimer();
    this.leadershipChanged();
    const leader = this.isLeader();
    try {
      // The job's policy (its annotations applied) bounds the share of unknown Beam splits in a trusted sample.
      const collected = await this.deps.collector.collect({
        maxUnknownSplitShare: this.config.maxUnknownSplitShare,
      });
      this.lastCollected = collected;
      if (collected.sample) this.runningWorkers = collected.sample.workers;
      this.sources.update(collected);
      this.deps.metrics.sources.set(this.sources.list());
      if (collected.dropped) {
        this.deps.metrics.droppedSamples.inc({ reason: collected.dropped.reason });
        this.deps.log('warn', 'sample dropped', { ...collected.dropped });
      }
      const topology = collected.topology;
      if (topology) this.topology = topology;
      this.updateGuards(deployment);
      const autoscaler = this.autoscaler as Autoscaler;
      // Slots per worker come from Flink (taskmanager.numberOfTaskSlots) unless an annotation sets them.
      if (topology && !this.slotsFromAnnotation && this.config.slotsPerWorker !== topology.slotsPerWorker) {
        this.config = { ...this.config, slotsPerWorker: topology.slotsPerWorker };
        autoscaler.setConfig(this.config);
      }
      const unstable = unstableBecause(deployment);
      let evaluation = autoscaler.observe({
        jobState: collected.jobState,
        deploymentStable: unstable === undefined,
        sample: collected.sample,
        maxParallelism:
          topology?.maxParallelism !== undefined ? Math.floor(topology.maxParallelism) : undefined,
      });
      const gates: SidecarGate[] = [];
      if (this.paused) gates.push('paused');
      const hold = autoscaler.state.hold;
      if (hold && evaluation.time < hold.until && !evaluation.gates.includes('manual-hold'))
        gates.push('manual-hold');
      if (!leader) gates.push('not-leader');
      if (this.gone) gates.push('flinkdeployment-gone');
      if (gates.length > 0 && evaluation.action !== 'none') {
        evaluation = {
          ...evaluation,
          action: 'none',
          targetWorkers: evaluation.signals?.workers ?? evaluation.targetWorkers,
        };
      }
      this.sidecarGates = gates;
      this.lastEvaluation = evaluation;
      // The workers the job runs: this cycle's sample's, else the last trusted one's (never the count the
      // evaluation wants: with the sample dropped, a scale-up's target would read as the job's size).
      const workers = collected.sample?.workers ?? this.runningWorkers;
      this.deps.metrics.setEvaluation(evaluation, workers, gates);
      const bounds = this.bounds();
      this.deps.metrics.setConfig(evaluation.config, bounds.max);
      this.decisionLog.record(this.deps.clock(), {
        mode: this.mode,
        advising: this.advising,
        evaluation,
        workers: workers ?? null,
        gates: [...evaluation.gates, ...gates],
      });
      if (this.advising) this.advise(evaluation, [...evaluation.gates, ...gates]);
      else {
        this.advice.reset();
        if (evaluation.action !== 'none') await this.act(evaluation);
      }
      // An advising sidecar (advisor mode, or guarded) writes nothing to the FlinkDeployment.
      if (this.isLeader() && !this.advising) {
        await this.persist().catch((error: Error) => {
          this.deps.metrics.errors.inc({ stage: 'kubernetes' });
          this.deps.log('warn', 'state not saved', { error: error.message });
        });
      }
      this.lastCycleAt = this.deps.clock();
      this.deps.metrics.setCycle(this.lastCycleAt);
      return evaluation;
    } catch (error) {
      this.deps.metrics.errors.inc({ stage: 'loop' });
      this.deps.log('error', 'evaluation failed', { error: (error as Error).message });
      return undefined;
    } finally {
      end();
      this.busy = false;
      this.refreshHealth();
    }
  }

  /** Saves the state when a durable part of it changed (a rescale settled, a hold, a block, history). */
  private async persist(): Promise<void> {
    const state = (this.autoscaler as Autoscaler).state;
    if (!this.saved.differs(state)) return;
    await this.writeState(state);
  }

  /**
   * Writes the state on the resourceVersion last seen (saved-state.ts): true when the FlinkDeployment stores
   * it, false when another writer's state was found there (and adopted) instead.
   */
  private writeState(state: AutoscalerState): Promise<boolean> {
    return this.saved.write(state, this.deployment?.metadata.resourceVersion, (d) =>
      this.updateDeployment(d),
    );
  }

  /** An advising sidecar: a ScalingAdvised Event when the advised direction changes (advice.ts), nothing else. */
  private advise(evaluation: Evaluation, gates: readonly string[]): void {
    const deployment = this.deployment as FlinkDeployment;
    const from = specReplicas(deployment) ?? evaluation.signals?.workers;
    const why =
      this.mode === 'advisor'
        ? 'advisor mode: label the FlinkDeployment flink-autoscaler.io/enabled=true to let it act'
        : `guarded (${this.guards.map((g) => g.id).join(', ')}): see the AutoscalerGuarded Events`;
    const advice = this.advice.next(evaluation, from, gates, why);
    if (advice) this.sendEvent(deployment, 'Normal', 'ScalingAdvised', advice.message);
  }

  private async act(evaluation: Evaluation): Promise<void> {
    const deployment = this.deployment as FlinkDeployment;
    const from = specReplicas(deployment) ?? evaluation.signals?.workers;
    const to = evaluation.targetWorkers;
    const reasons = evaluation.decision?.reasons ?? [];
    if (from === undefined) return;
    await this.rescale({ from, to, trigger: 'policy', reasons, evaluation });
  }

  /**
   * Records the rescale in the saved state first, then scales. A refused scale restores the state before; a
   * scale whose answer was lost is read back: done (kept, cooldown and all), not done (restored), or unknown
   * (kept: the rescale-in-progress gate holds until the job shows the count or the rescale times out).
   */
  private async rescale(request: RescaleRequest): Promise<void> {
    const autoscaler = this.autoscaler as Autoscaler;
    const before = autoscaler.state;
    const deployment = this.deployment as FlinkDeployment;
    autoscaler.recordRescale(request);
    let saved: boolean;
    try {
      saved = await this.writeState(autoscaler.state);
    } catch (error) {
      this.autoscaler = new Autoscaler(this.config, this.deps.clock, before);
      this.scaleFailed(
        deployment,
        request,
        `the state could not be saved first: ${(error as Error).message}`,
      );
      return;
    }
    if (!saved) {
      if (this.autoscaler === autoscaler)
        this.autoscaler = new Autoscaler(this.config, this.deps.clock, before);
      this.scaleFailed(
        deployment,
        request,
        'another writer saved the autoscaler state first; its state is kept',
      );
      return;
    }
    this.intent = { from: request.from, to: request.to };
    try {
      await this.deps.kube.scale(request.from, request.to);
    } catch (error) {
      const message = (error as Error).message;
      const outcome = mayHaveHappened(error) ? await this.readBack(request.to) : 'not-done';
      if (outcome === 'unknown') {
        this.deps.metrics.errors.inc({ stage: 'scale' });
        this.warn(
          deployment,
          'ScalingUnconfirmed',
          `the scale from ${request.from} to ${request.to} may have happened (${message}) and the FlinkDeployment could not be read back; the rescale stays recorded until the job shows its count`,
        );
        return;
      }
      if (outcome === 'not-done') {
        this.intent = undefined;
        this.autoscaler = new Autoscaler(this.config, this.deps.clock, before);
        await this.writeState(before).catch((e: Error) =>
          this.deps.log('warn', 'state not restored', { error: e.message }),
        );
        this.scaleFailed(deployment, request, message);
        return;
      }
      this.deps.log('warn', 'the answer to the scale was lost; the FlinkDeployment shows it happened', {
        from: request.from,
        to: request.to,
        error: message,
      });
    }
    const direction = request.to > request.from ? 'up' : 'down';
    this.deps.metrics.recordScaling(direction, request.trigger, this.deps.clock(), {
      from: request.from,
      to: request.to,
      reasons: request.reasons,
    });
    const message = `scaled ${direction} from ${request.from} to ${request.to} TaskManagers: ${request.reasons.join(', ')}`;
    this.deps.log('info', 'scaled', { from: request.from, to: request.to, trigger: request.trigger });
    this.sendEvent(deployment, 'Normal', direction === 'up' ? 'ScaledUp' : 'ScaledDown', message);
  }

  private scaleFailed(deployment: FlinkDeployment, request: RescaleRequest, why: string): void {
    this.deps.metrics.errors.inc({ stage: 'scale' });
    this.warn(deployment, 'ScalingFailed', `could not scale from ${request.from} to ${request.to}: ${why}`);
  }

  /** After a lost answer: does the FlinkDeployment ask for `to` now? */
  private async readBack(to: number): Promise<'done' | 'not-done' | 'unknown'> {
    try {
      const current = await this.deps.kube.get();
      const replicas = specReplicas(current);
      this.updateDeployment(current);
      return replicas === to ? 'done' : 'not-done';
    } catch (error) {
      this.deps.log('warn', 'cannot read the FlinkDeployment back', { error: (error as Error).message });
      return 'unknown';
    }
  }

  /** A replica change the sidecar did not make: history (trigger manual), hold, counter, Event, saved state. */
  private async recordManual(change: ManualChange): Promise<void> {
    const autoscaler = this.autoscaler;
    const deployment = this.deployment;
    if (!autoscaler || !deployment || !this.isLeader()) return;
    const { from, to, hold } = change;
    autoscaler.recordRescale({
      from,
      to,
      trigger: 'manual',
      reasons: ['manual'],
      ...(hold.by ? { user: hold.by } : {}),
      ...(hold.reason ? { note: hold.reason } : {}),
    });
    const now = this.deps.clock();
    if (hold.until > now) autoscaler.hold(hold.until, hold.by, hold.reason);
    const direction = to > from ? 'up' : 'down';
    // Who: only the user a hold annotation naming this count gives (the gateway writes the one it authorized).
    this.deps.metrics.recordScaling(direction, 'manual', now, {
      from,
      to,
      by: change.annotated ? hold.by : undefined,
      reasons: ['manual'],
    });
    const until = new Date(hold.until).toISOString();
    const who = change.annotated
      ? `by ${hold.by}${hold.reason ? `: ${hold.reason}` : ''}`
      : `by someone the FlinkDeployment does not name (kubectl scale, GitOps: no flink-autoscaler.io/hold annotation names ${to})`;
    const holds = hold.until > now ? `the policy holds until ${until}` : 'the policy does not hold';
    this.sendEvent(
      deployment,
      'Normal',
      'ManualScaleDetected',
      `scaled from ${from} to ${to} TaskManagers ${who}; ${holds}`,
    );
    // An advising sidecar keeps what it saw in memory and writes nothing to the FlinkDeployment.
    if (this.advising) return;
    await this.writeState(autoscaler.state).catch((error: Error) => {
      this.deps.metrics.errors.inc({ stage: 'kubernetes' });
      this.deps.log('warn', 'state not saved', { error: error.message });
    });
  }

  /** Sends an Event (the leader only: followers would repeat it). */
  private sendEvent(
    deployment: FlinkDeployment,
    type: 'Warning' | 'Normal',
    reason: string,
    message: string,
  ): void {
    if (!this.isLeader()) return;
    this.deps.kube
      .event(deployment, type, reason, message, new Date(this.deps.clock()))
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
    this.sendEvent(deployment, type, reason, message);
  }

  /** What the health rules (health.ts) read of this sidecar now. */
  private healthView(): HealthView {
    return {
      now: this.deps.clock(),
      createdAt: this.createdAt,
      lastCycleAt: this.lastCycleAt,
      livenessMs: this.livenessMs,
      startFailure: this.startFailure,
      deploymentRead: this.deployment !== undefined,
      gone: this.gone,
      flinkAsked: this.lastCollected !== undefined,
      flinkReached: this.lastCollected?.jobState !== undefined,
      flinkDropMessage: this.lastCollected?.dropped?.message,
    };
  }

  /** Whether a cycle completed within the liveness period (from the start until the first one). */
  live(): { live: boolean; reason: string } {
    return liveness(this.healthView());
  }

  /** The reason code for /metrics' not_ready series, undefined when ready. */
  private notReadyReason(): string | undefined {
    return notReadyReason(this.healthView());
  }

  private refreshHealth(): void {
    this.deps.metrics.setNotReady(this.notReadyReason());
    this.deps.metrics.setUp(this.autoscaler !== undefined && this.live().live);
  }

  // SidecarApi

  bounds(): { min: number; max: number } {
    const { min, max } = workerBounds(this.lastEvaluation?.config ?? this.config);
    return { min, max };
  }

  ready(): { ready: boolean; reason: string } {
    return readiness(this.healthView());
  }

  status(): unknown {
    const e = this.lastEvaluation;
    return statusReport({
      now: this.deps.clock(),
      namespace: this.deployment?.metadata.namespace,
      name: this.deployment?.metadata.name,
      up: this.autoscaler !== undefined && this.live().live,
      live: this.live(),
      ready: this.ready(),
      startFailure: this.startFailure,
      notReadyReason: this.notReadyReason(),
      lastCycleAt: this.lastCycleAt,
      leader: {
        leader: this.isLeader(),
        identity: this.deps.identity ?? null,
        holder: this.deps.leadership ? (this.deps.leadership.holder() ?? null) : (this.deps.identity ?? null),
      },
      watching: this.watching,
      mode: this.mode,
      paused: this.paused,
      jobState: this.lastCollected?.jobState,
      evaluation: e,
      config: e?.config ?? this.config,
      bounds: this.bounds(),
      sidecarGates: this.sidecarGates,
      guards: this.guards,
      state: this.autoscaler?.state,
      droppedSamples: this.deps.collector.drops,
      sources: this.sources.list(),
      warnings: this.warnings,
    });
  }

  metrics(): Promise<string> {
    this.refreshHealth();
    return this.deps.metrics.text();
  }
}
