/**
 * One acting sidecar per FlinkDeployment: leader election on a `coordination.k8s.io/v1` Lease, as client-go's
 * leaderelection does it. Create the Lease when absent; renew it with a PUT carrying the last seen
 * `resourceVersion`; a follower takes over only when the Lease's record has not changed for its
 * `leaseDurationSeconds`, judged by the follower's OWN clock from when it last saw the record change (clocks of
 * different nodes are never compared); a conflict means someone else wrote: re-read before deciding; the leader
 * steps down when it has not renewed within `renewDeadlineSeconds` of sending its last successful renew; on stop
 * it releases the Lease by clearing `holderIdentity`.
 *
 * Cost at steady state: the leader PUTs its cached Lease once per retry period (no GET: a conflict sends it to a
 * re-read), a follower GETs once per retry period (slightly jittered). With the default 60 s that is at most one
 * request a minute per sidecar.
 */
import type { Log } from '../loop/sidecar.js';
import { KubeError } from './api-error.js';
import type { KubeConnection } from './connection.js';

const PREFIX = 'flink-autoscaler-';
const MAX_NAME = 253;

/** FNV-1a, 32 bits: a short stable suffix for names that must be cut (no crypto import in the sidecar). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** The Lease of a FlinkDeployment: `flink-autoscaler-<name>`, cut with a hash suffix past 253 characters. */
export function leaseNameFor(flinkDeployment: string): string {
  const name = PREFIX + flinkDeployment;
  if (name.length <= MAX_NAME) return name;
  const suffix = `-${fnv1a(flinkDeployment)}`;
  const head = name.slice(0, MAX_NAME - suffix.length).replace(/[-.]+$/, '');
  return head + suffix;
}

export interface LeaderElectorOptions {
  connection: Pick<KubeConnection, 'json'>;
  namespace: string;
  /** The Lease's name (see leaseNameFor). */
  name: string;
  /** Who we are: the pod's name (env POD_NAME) or the host name. */
  identity: string;
  /** How long a follower waits for a record that does not change before taking over, s (default 120). */
  leaseDurationSeconds?: number;
  /** The leader steps down when it has not renewed for this long, s (default 90; below leaseDuration). */
  renewDeadlineSeconds?: number;
  /** Renew (leader) / try to acquire (follower) this often, s (default 60). */
  retryPeriodSeconds?: number;
  /** Milliseconds, monotonic enough for durations; Date.now by default. */
  clock?: () => number;
  random?: () => number;
  log: Log;
}

/** The fields of a Lease we read and write. */
interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number | null;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number | null;
}

interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; resourceVersion?: string; [key: string]: unknown };
  spec?: LeaseSpec;
}

/** A follower's poll is stretched by up to this fraction so sidecars started together spread out. */
const FOLLOWER_JITTER = 0.1;
/** How long stop() waits for an attempt under way before it releases. */
const STOP_WAIT_MS = 2000;
/** After a failed renew the leader tries again this much sooner than a retry period (within its deadline). */
const RENEW_RETRY_FRACTION = 0.25;

/** Kubernetes MicroTime: RFC 3339 with six fractional digits. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function recordKey(spec: LeaseSpec | undefined): string {
  const s = spec ?? {};
  return JSON.stringify([
    s.holderIdentity ?? '',
    s.leaseDurationSeconds ?? null,
    s.acquireTime ?? null,
    s.renewTime ?? null,
    s.leaseTransitions ?? null,
  ]);
}

function positive(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${what} must be a positive number, got ${value}`);
  return value;
}

type Outcome = 'leader' | 'follower' | 'failed';

export class LeaderElector {
  private readonly connection: Pick<KubeConnection, 'json'>;
  private readonly namespace: string;
  private readonly name: string;
  private readonly identity: string;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly log: Log;
  private readonly listeners = new Set<(leader: boolean) => void>();

  /** The Lease as last read or written (its resourceVersion is the precondition of the next write). */
  private lease: Lease | undefined;
  /** The record last seen and when (own clock) it was first seen like that. */
  private observedKey: string | undefined;
  private observedAt = -Infinity;
  /** When the last successful renew (or acquire) was SENT, own clock; -Infinity when not leader. */
  private renewedAt = -Infinity;
  private leading = false;
  private running = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(options: LeaderElectorOptions) {
    this.connection = options.connection;
    this.namespace = options.namespace;
    this.name = options.name;
    this.identity = options.identity;
    if (this.identity === '') throw new Error('the leader election identity must not be empty');
    this.leaseDurationMs = positive(options.leaseDurationSeconds, 120, 'leaseDurationSeconds') * 1000;
    this.renewDeadlineMs = positive(options.renewDeadlineSeconds, 90, 'renewDeadlineSeconds') * 1000;
    this.retryPeriodMs = positive(options.retryPeriodSeconds, 60, 'retryPeriodSeconds') * 1000;
    if (this.renewDeadlineMs >= this.leaseDurationMs) {
      throw new Error('renewDeadlineSeconds must be shorter than leaseDurationSeconds');
    }
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
    this.log = options.log;
  }

  /** Acquire/renew in the background: the first try at once, then every retry period. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Stops trying; steps down at once (listeners hear `false` first) and releases the Lease if held. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    // Wait for an attempt under way, but not for a hanging one (the pod's grace period is short): every write
    // carries a precondition, so a renew landing after the release meets a conflict, and a release meeting
    // a renew's new version re-reads.
    let waited: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.inFlight,
      new Promise<void>((resolve) => (waited = setTimeout(resolve, STOP_WAIT_MS))),
    ]);
    clearTimeout(waited);
    this.setLeader(false);
    // Release whenever the Lease as we last saw it names us (also after a missed deadline: nobody has taken
    // it yet, and a precondition guards the write), so a follower need not wait out the lease duration.
    if (this.holder() === this.identity) await this.release();
  }

  /** True only within renewDeadline of sending the last successful renew, by our own clock. */
  isLeader(): boolean {
    return this.leading && this.clock() - this.renewedAt < this.renewDeadlineMs;
  }

  /** The holder last seen on the Lease (undefined when none was seen or the Lease is free). */
  holder(): string | undefined {
    const holder = this.lease?.spec?.holderIdentity;
    return holder === null || holder === undefined || holder === '' ? undefined : holder;
  }

  onChange(listener: (leader: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.namespace)}/leases/${encodeURIComponent(this.name)}`;
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.inFlight = this.attempt();
    }, delayMs);
    this.timer.unref?.();
  }

  private async attempt(): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = await this.tryAcquireOrRenew();
    } catch (error) {
      // tryAcquireOrRenew handles KubeErrors; anything else is a bug worth seeing, not a reason to stop.
      this.log('error', 'leader election attempt failed', { lease: this.name, error: String(error) });
      outcome = 'failed';
    }
    if (!this.running) return;
    if (outcome === 'follower') this.setLeader(false);
    this.schedule(this.nextDelay(outcome));
  }

  private nextDelay(outcome: Outcome): number {
    if (outcome === 'leader') return this.retryPeriodMs;
    // A renew failed: try again sooner (with the defaults, 15 s apart: twice more before the 90 s deadline).
    if (this.isLeader()) return this.retryPeriodMs * RENEW_RETRY_FRACTION;
    const poll = this.retryPeriodMs * (1 + FOLLOWER_JITTER * this.random());
    // A holder that has gone quiet: look again when its lease runs out, if that comes first.
    if (outcome === 'follower' && this.holder() !== undefined && this.holder() !== this.identity) {
      const expiresIn = this.observedAt + this.observedDurationMs() - this.clock();
      if (expiresIn > 0 && expiresIn < poll) return expiresIn + 1;
    }
    return poll;
  }

  /** The lease duration the holder wrote (client-go judges expiry by the record's), ours when absent. */
  private observedDurationMs(): number {
    const seconds = this.lease?.spec?.leaseDurationSeconds;
    return typeof seconds === 'number' && seconds > 0 ? seconds * 1000 : this.leaseDurationMs;
  }

  /** Remembers a Lease read or written; a changed record restarts the follower's expiry clock. */
  private observe(lease: Lease, at: number): void {
    this.lease = lease;
    const key = recordKey(lease.spec);
    if (key !== this.observedKey) {
      this.observedKey = key;
      this.observedAt = at;
    }
  }

  private async tryAcquireOrRenew(): Promise<Outcome> {
    const sentAt = this.clock();
    // Fast path: the leader renews its cached Lease without reading it first.
    if (this.isLeader() && this.lease !== undefined) {
      const result = await this.write(this.lease, sentAt);
      if (result !== 'conflict') return result;
      // Someone else wrote (or our own earlier write whose answer was lost), or deleted the Lease: read and
      // decide again.
    }

    let current: Lease | undefined;
    try {
      current = await this.read();
    } catch (error) {
      this.warn('cannot read the lease', error);
      return 'failed';
    }
    if (current === undefined) {
      // Deleted (by a person: sidecars never delete it). If another holder was seen on it lately, it may still
      // act until its lease runs out: create it only then, or two would lead.
      const holder = this.holder();
      if (holder !== undefined && holder !== this.identity) {
        if (this.clock() < this.observedAt + this.observedDurationMs()) return 'follower';
      }
      return this.create();
    }
    const readAt = this.clock();

    const holder = this.holder();
    if (holder !== undefined && holder !== this.identity) {
      if (readAt < this.observedAt + this.observedDurationMs()) {
        if (this.leading) {
          this.log('warn', 'another sidecar holds the lease: stepping down', { lease: this.name, holder });
        }
        return 'follower';
      }
      this.log('info', 'the lease expired: taking over', {
        lease: this.name,
        previousHolder: holder,
        unchangedForSeconds: Math.round((readAt - this.observedAt) / 1000),
      });
    }
    const result = await this.write(current, this.clock());
    // Someone wrote between our read and our write. A leader keeps its deadline and tries again soon (the next
    // attempt reads); a follower waits for the next poll.
    if (result === 'conflict') return this.leading ? 'failed' : 'follower';
    return result;
  }

  /** GETs the Lease and remembers it; undefined when it is absent. Other failures throw. */
  private async read(): Promise<Lease | undefined> {
    try {
      const lease = await this.connection.json<Lease>({
        method: 'GET',
        path: this.path,
        what: `read lease ${this.namespace}/${this.name}`,
      });
      this.observe(lease, this.clock());
      return lease;
    } catch (error) {
      if (error instanceof KubeError && error.failure === 'not-found') return undefined;
      throw error;
    }
  }

  /** PUT our record onto `base` with its resourceVersion as precondition. */
  private async write(base: Lease, sentAt: number): Promise<Outcome | 'conflict'> {
    if (!this.running) return 'follower'; // stopped while this attempt was under way: write nothing more
    const spec = base.spec ?? {};
    const ours = spec.holderIdentity === this.identity;
    const now = microTime(sentAt);
    const lease: Lease = {
      ...base,
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      spec: {
        ...spec,
        holderIdentity: this.identity,
        leaseDurationSeconds: this.leaseDurationMs / 1000,
        acquireTime: ours && spec.acquireTime ? spec.acquireTime : now,
        renewTime: now,
        leaseTransitions: (spec.leaseTransitions ?? 0) + (ours ? 0 : 1),
      },
    };
    try {
      const written = await this.connection.json<Lease>({
        method: 'PUT',
        path: this.path,
        body: lease,
        what: `${ours ? 'renew' : 'acquire'} lease ${this.namespace}/${this.name}`,
      });
      return this.won(written, sentAt, ours);
    } catch (error) {
      if (error instanceof KubeError && error.failure === 'conflict') return 'conflict';
      if (error instanceof KubeError && error.failure === 'not-found') return 'conflict';
      this.warn(ours ? 'cannot renew the lease' : 'cannot acquire the lease', error);
      return 'failed';
    }
  }

  private async create(): Promise<Outcome> {
    if (!this.running) return 'follower';
    const sentAt = this.clock();
    const now = microTime(sentAt);
    try {
      const created = await this.connection.json<Lease>({
        method: 'POST',
        path: `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.namespace)}/leases`,
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.name, namespace: this.namespace },
          spec: {
            holderIdentity: this.identity,
            leaseDurationSeconds: this.leaseDurationMs / 1000,
            acquireTime: now,
            renewTime: now,
            leaseTransitions: 0,
          },
        },
        what: `create lease ${this.namespace}/${this.name}`,
      });
      return this.won(created, sentAt, false);
    } catch (error) {
      if (error instanceof KubeError && error.failure === 'conflict') {
        // 409 AlreadyExists: another sidecar created it first. Read it now: its holder, and the moment from
        // which our own clock counts its lease duration.
        await this.read().catch((readError: unknown) => this.warn('cannot read the lease', readError));
        return 'follower';
      }
      this.warn('cannot create the lease', error);
      return 'failed';
    }
  }

  private won(lease: Lease, sentAt: number, renewed: boolean): Outcome {
    this.observe(lease, this.clock());
    if (!this.running) return 'follower'; // stopped meanwhile: stop() releases what this wrote
    this.renewedAt = sentAt;
    if (!renewed || !this.leading) {
      this.log('info', 'acquired the lease: this sidecar acts', {
        lease: this.name,
        identity: this.identity,
      });
    }
    this.setLeader(true);
    return 'leader';
  }

  private async release(): Promise<void> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const lease = this.lease;
      if (lease === undefined || this.holder() !== this.identity) return;
      const outcome = await this.releaseOnce(lease);
      if (outcome !== 'conflict') return;
      // Our cached version is stale (an earlier write whose answer was lost, or someone else wrote): re-read
      // and release only if the Lease still names us.
      try {
        await this.read();
      } catch (error) {
        this.warn('cannot release the lease (it expires on its own)', error);
        return;
      }
    }
  }

  private async releaseOnce(lease: Lease): Promise<'done' | 'conflict'> {
    const released: Lease = {
      ...lease,
      spec: {
        ...lease.spec,
        holderIdentity: '',
        leaseDurationSeconds: 1,
        renewTime: microTime(this.clock()),
      },
    };
    try {
      const written = await this.connection.json<Lease>({
        method: 'PUT',
        path: this.path,
        body: released,
        what: `release lease ${this.namespace}/${this.name}`,
      });
      this.observe(written, this.clock());
      this.log('info', 'released the lease', { lease: this.name });
    } catch (error) {
      if (error instanceof KubeError && error.failure === 'conflict') return 'conflict';
      this.warn('cannot release the lease (it expires on its own)', error);
    }
    return 'done';
  }

  private setLeader(leader: boolean): void {
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    if (leader) {
      // Step down on our own when the deadline passes without a renew, even if an attempt is still hanging.
      const left = this.renewedAt + this.renewDeadlineMs - this.clock();
      this.deadlineTimer = setTimeout(() => this.checkDeadline(), Math.max(0, left));
      this.deadlineTimer.unref?.();
    }
    if (leader === this.leading) return;
    this.leading = leader;
    if (!leader) this.log('info', 'not the leader: this sidecar only observes', { lease: this.name });
    for (const listener of this.listeners) {
      try {
        listener(leader);
      } catch (error) {
        this.log('error', 'a leadership listener failed', { error: String(error) });
      }
    }
  }

  private checkDeadline(): void {
    this.deadlineTimer = undefined;
    if (this.leading && !this.isLeader()) {
      this.log('warn', 'lease not renewed within the renew deadline: stepping down', {
        lease: this.name,
        renewDeadlineSeconds: this.renewDeadlineMs / 1000,
      });
      this.setLeader(false);
    } else if (this.leading) {
      this.setLeader(true);
    }
  }

  private warn(msg: string, error: unknown): void {
    this.log('warn', msg, {
      lease: this.name,
      error: error instanceof Error ? error.message : String(error),
      ...(error instanceof KubeError ? { failure: error.failure } : {}),
    });
  }
}
