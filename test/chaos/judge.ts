/**
 * The chaos soak's judge: pure functions over the records (records.ts) that say which scales were wrong or
 * doubled, which state was lost, what the sidecars cost the API server, and how long each fault kind took
 * to recover from. Every rule reads ground truth the doubles kept, never what the sidecar says of itself.
 */
import type {
  FaultRecord,
  FlinkAnswerRecord,
  KubeRequestRecord,
  ReplicaChangeRecord,
  SoakRecords,
  StateSnapshot,
  TruthSample,
} from './records.js';

/** Flink answers a sidecar must not decide on: a body that is not the job's metrics, or a job not RUNNING. */
export const UNTRUSTED_FLINK = new Set(['garbage', 'empty', 'nan', 'restarting', 'taskmanagers-leaving']);
/** Untrusted answers that also end the window (the job is not RUNNING): none may lie in a decision's window. */
export const WINDOW_BREAKING_FLINK = new Set(['restarting', 'taskmanagers-leaving']);
/** How many rescales the saved history keeps (shared/src/autoscaler/state.ts HISTORY_LENGTH). */
export const HISTORY_LENGTH = 20;
/** A change made this close to a pause, a hold or the end of a run was under way already. */
const GRACE_MS = 5_000;

export interface Finding {
  at: number;
  rule: string;
  message: string;
}

const secondsOf = (ms: number) => Math.round(ms / 100) / 10;

function sidecarChanges(records: SoakRecords): ReplicaChangeRecord[] {
  return records.replicaChanges.filter((c) => typeof c.by === 'number');
}

function truthBetween(truth: readonly TruthSample[], from: number, to: number): TruthSample[] {
  return truth.filter((t) => t.at >= from && t.at <= to);
}

function backlogSeconds(t: TruthSample): number {
  return t.backlog / Math.max(t.processed, 1);
}

/** When the job ran at `to` TaskManagers after a change at `at` (truth), or undefined if never before `until`. */
export function settledAt(
  truth: readonly TruthSample[],
  at: number,
  to: number,
  until = Infinity,
): number | undefined {
  return truth.find((t) => t.at >= at && t.at <= until && t.status === 'RUNNING' && t.active === to)?.at;
}

/**
 * When a sidecar decided a scale: its last write of the FlinkDeployment (the rescale recorded in the state)
 * within the minute before the scale write that made the change; the change itself when there is none.
 */
export function decisionTime(records: SoakRecords, change: ReplicaChangeRecord): number {
  const requests = records.kubeRequests.filter((r) => r.sidecar === change.by && r.at <= change.at);
  const scale = requests.filter((r) => r.subresource === 'scale' && r.replicas === change.to).at(-1);
  const until = scale?.at ?? change.at;
  const state = requests
    .filter(
      (r) =>
        r.resource === 'flinkdeployments' &&
        r.subresource === '' &&
        (r.verb === 'patch' || r.verb === 'update') &&
        r.at <= until &&
        r.at >= until - 60_000,
    )
    .at(-1);
  return state?.at ?? change.at;
}

/** Wrong scales: each sidecar-made replica change checked against the bounds, Flink's trust, pauses, holds and the true load. */
export function wrongScales(records: SoakRecords): Finding[] {
  const { policy } = records;
  const findings: Finding[] = [];
  const intervalMs = policy.intervalSeconds * 1000;
  const windowMs = policy.windowSeconds * 1000;
  for (const change of sidecarChanges(records)) {
    const { at, from, to } = change;
    // What this sidecar was told (answers to the other sidecar are not what it decided on).
    const answers = records.flinkAnswers.filter((a) => a.sidecar === undefined || a.sidecar === change.by);
    const what = `sidecar ${String(change.by)} scaled ${from} → ${to}`;
    const add = (rule: string, message: string) =>
      findings.push({ at, rule, message: `${what}: ${message}` });
    if (to === undefined || to < policy.minWorkers || to > policy.maxWorkers) {
      add('out-of-bounds', `outside [${policy.minWorkers}, ${policy.maxWorkers}]`);
    }
    // Decided when it recorded the rescale in the saved state (written before the scale), else at the scale.
    const decided = decisionTime(records, change);
    const tick = answers.filter(
      (a) => a.at >= decided - intervalMs && a.at <= decided && UNTRUSTED_FLINK.has(a.fault),
    );
    if (tick.length > 0) {
      add(
        'untrusted-tick',
        `Flink answered ${[...new Set(tick.map((a) => a.fault))].join(', ')} in the cycle it was decided on`,
      );
    }
    const window = answers.filter((a) => a.at >= decided - windowMs && a.at <= decided);
    const breaking = window.filter((a) => WINDOW_BREAKING_FLINK.has(a.fault));
    const untrusted = window.filter((a) => UNTRUSTED_FLINK.has(a.fault));
    if (breaking.length > 0) {
      add(
        'untrusted-window',
        `the job showed ${breaking[0]?.fault} within the ${policy.windowSeconds} s window it was decided on`,
      );
    } else if (window.length > 0 && untrusted.length * 2 > window.length) {
      add(
        'untrusted-window',
        `${untrusted.length} of ${window.length} Flink answers in its window were untrusted`,
      );
    }
    for (const fault of records.faults) {
      if (fault.kind === 'person:pause' && at >= fault.start + GRACE_MS && at < fault.end) {
        add('while-paused', `the FlinkDeployment was paused since ${secondsOf(at - fault.start)} s`);
      }
      const holdUntil = Number(fault.detail?.['holdUntil']);
      if (
        fault.target === 'person' &&
        Number.isFinite(holdUntil) &&
        at >= fault.start + GRACE_MS &&
        at < holdUntil
      ) {
        add(
          'during-hold',
          `${fault.kind} ${secondsOf(at - fault.start)} s before holds until ${secondsOf(holdUntil - at)} s later`,
        );
      }
    }
    if (from !== undefined && to !== undefined) {
      const lastCycle = truthBetween(records.truth, at - intervalMs, at);
      if (
        to < from &&
        lastCycle.length > 0 &&
        lastCycle.every((t) => t.status === 'RUNNING' && backlogSeconds(t) > policy.scaleUpBacklogTimeSeconds)
      ) {
        add(
          'against-load',
          `scale-down while the true backlog time was ${Math.round(backlogSeconds(lastCycle.at(-1) as TruthSample))} s (scale-up above ${policy.scaleUpBacklogTimeSeconds} s)`,
        );
      }
      const inWindow = truthBetween(records.truth, at - windowMs, at);
      if (
        to > from &&
        inWindow.length > 0 &&
        inWindow.every(
          (t) =>
            t.status === 'RUNNING' &&
            t.cpu < policy.scaleDownCpu &&
            backlogSeconds(t) < policy.scaleDownBacklogTimeSeconds,
        )
      ) {
        add(
          'against-load',
          `scale-up while the job idled all window (CPU < ${policy.scaleDownCpu}, backlog time < ${policy.scaleDownBacklogTimeSeconds} s)`,
        );
      }
    }
  }
  return findings;
}

/** Double scales: a replica write that changed nothing (a second write for one decision), or a rescale within the cooldown of the one before. */
export function doubleScales(records: SoakRecords): Finding[] {
  const findings: Finding[] = [];
  const { policy } = records;
  const changes = records.replicaChanges;
  for (const write of records.kubeRequests) {
    if (write.sidecar < 0 || write.subresource !== 'scale' || write.replicas === undefined) continue;
    if (write.verb !== 'patch' && write.verb !== 'update') continue;
    if (write.status === undefined || write.status < 200 || write.status > 299) continue;
    // The change is noticed after the write arrived (later by the real time the double takes, accelerated).
    const changed = changes.some(
      (c) => c.to === write.replicas && c.at >= write.at - 1_000 && c.at <= write.at + 30_000,
    );
    if (!changed) {
      findings.push({
        at: write.at,
        rule: 'repeated-write',
        message: `sidecar ${write.sidecar} wrote replicas ${write.replicas} again (HTTP ${write.status}): the count did not change`,
      });
    }
  }
  const sidecarMade = sidecarChanges(records);
  for (const change of sidecarMade) {
    const previous = changes.filter((c) => c.at < change.at).at(-1);
    // After a person's change the hold decides (wrongScales); after a sidecar's, the cooldown.
    if (!previous || previous.to === undefined || typeof previous.by !== 'number') continue;
    const settled = settledAt(records.truth, previous.at, previous.to, change.at);
    if (settled === undefined) {
      findings.push({
        at: change.at,
        rule: 'within-rescale',
        message: `sidecar ${String(change.by)} scaled ${change.from} → ${change.to} ${secondsOf(change.at - previous.at)} s after the rescale to ${previous.to}, before the job ran at that size`,
      });
    } else if (change.at - settled < policy.cooldownSeconds * 1000) {
      findings.push({
        at: change.at,
        rule: 'within-cooldown',
        message: `sidecar ${String(change.by)} scaled ${change.from} → ${change.to} ${secondsOf(change.at - settled)} s after the job ran at ${previous.to} (cooldown ${policy.cooldownSeconds} s)`,
      });
    }
  }
  return findings;
}

/**
 * Where the saved history records a change. A person's change is matched by its count alone: a sidecar that
 * did not see the version before it (a relist shows only the latest) records it from the count it knew.
 */
function historyIndex(snapshot: StateSnapshot, change: ReplicaChangeRecord, notBefore: number): number {
  return (snapshot.state?.history ?? []).findIndex(
    (h) => (h.from === change.from || change.by === 'person') && h.to === change.to && h.time >= notBefore,
  );
}

/** Lost state: a rescale missing from (or dropped out of) the saved history, a cooldown that regressed, a hold that vanished. */
export function lostState(records: SoakRecords): Finding[] {
  const findings: Finding[] = [];
  const { states, replicaChanges: changes } = records;
  const recordWithin = 600_000;
  for (const [i, change] of changes.entries()) {
    // A history record is made when the sidecar decides (policy) or sees the change (manual).
    const notBefore = Math.max(changes[i - 1]?.at ?? 0, change.at - 120_000);
    const later = states.filter((s) => s.at >= change.at);
    const firstIndex = later.findIndex((s) => historyIndex(s, change, notBefore) >= 0);
    // A person's change replaced within minutes by another may never be seen by itself (only the latest is).
    const superseded = change.by === 'person' && (changes[i + 1]?.at ?? Infinity) - change.at < recordWithin;
    if (firstIndex < 0) {
      if (records.end - change.at > recordWithin && !superseded) {
        findings.push({
          at: change.at,
          rule: 'history-missing',
          message: `the rescale ${change.from} → ${change.to} by ${String(change.by)} never reached the saved history`,
        });
      }
      continue;
    }
    const first = later[firstIndex] as StateSnapshot;
    const record = first.state?.history[historyIndex(first, change, notBefore)];
    for (const snapshot of later.slice(firstIndex + 1)) {
      const history = snapshot.state?.history ?? [];
      const newer = history.filter((h) => record !== undefined && h.time > record.time).length;
      if (historyIndex(snapshot, change, notBefore) < 0 && newer < HISTORY_LENGTH) {
        findings.push({
          at: snapshot.at,
          rule: 'history-lost',
          message: `the rescale ${change.from} → ${change.to} by ${String(change.by)} vanished from the saved history (${history.length} entries)`,
        });
        break;
      }
    }
    // The cooldown: the saved rescale never goes back to before this change until the next one.
    if (typeof change.by === 'number') {
      const next = changes[i + 1]?.at ?? Infinity;
      const firstRescale = later.find((s) => s.state?.rescale?.to === change.to && s.at < next);
      const time = firstRescale?.state?.rescale?.time;
      if (time !== undefined) {
        const regressed = later.find(
          (s) =>
            s.at > (firstRescale as StateSnapshot).at && s.at < next && (s.state?.rescale?.time ?? -1) < time,
        );
        if (regressed) {
          findings.push({
            at: regressed.at,
            rule: 'cooldown-lost',
            message: `the saved rescale to ${change.to} (its cooldown) was replaced by ${JSON.stringify(regressed.state?.rescale ?? null)}`,
          });
        }
      }
    }
  }
  // Holds a person's scale started: once saved they stay until their end (or until the next person's scale).
  const people = records.faults.filter(
    (f) => f.target === 'person' && Number.isFinite(Number(f.detail?.['holdUntil'])),
  );
  for (const [i, person] of people.entries()) {
    const until = Math.min(Number(person.detail?.['holdUntil']), people[i + 1]?.start ?? Infinity);
    const wanted = Number(person.detail?.['holdUntil']) - 1_000;
    const during = states.filter((s) => s.at >= person.start && s.at < until - GRACE_MS);
    const first = during.findIndex((s) => (s.state?.hold?.until ?? 0) >= wanted);
    if (first < 0) {
      if (until - person.start > recordWithin && records.end > until) {
        findings.push({
          at: person.start,
          rule: 'hold-not-saved',
          message: `${person.kind} at ${new Date(person.start).toISOString()}: no saved hold until ${new Date(wanted + 1000).toISOString()}`,
        });
      }
      continue;
    }
    const vanished = during.slice(first + 1).find((s) => (s.state?.hold?.until ?? 0) < wanted);
    if (vanished) {
      findings.push({
        at: vanished.at,
        rule: 'hold-lost',
        message: `${person.kind}: the saved hold until ${new Date(wanted + 1000).toISOString()} vanished ${secondsOf(until - vanished.at)} s before its end`,
      });
    }
  }
  return findings;
}

/** Requests that count against the steady-state budget: all but Events and scale writes. */
function counted(r: KubeRequestRecord): boolean {
  return r.sidecar >= 0 && r.resource !== 'events' && r.subresource !== 'scale';
}

export interface RequestFigures {
  /** Mean requests per steady minute per sidecar, and per sidecar. */
  steadyPerMinutePerSidecar: number;
  steadyPerSidecar: number[];
  /** The busiest steady minute of any sidecar. */
  steadyMaxMinute: number;
  steadyMinutes: number;
  /** Per API server restart, the most requests one sidecar made in the minute after it. */
  firstMinuteAfterRestart: number[];
}

/**
 * Steady minutes: no injected fault in the 5 minutes before or during the minute, no replica change in the
 * 10 minutes before or during it, at least 10 minutes after the start.
 */
export function requestFigures(records: SoakRecords): RequestFigures {
  const minute = 60_000;
  const quietBefore = 300_000;
  const changeBefore = 600_000;
  const counts: number[][] = Array.from({ length: records.sidecars }, () => []);
  for (let t = records.start + changeBefore; t + minute <= records.end; t += minute) {
    const faulty = records.faults.some((f) => f.start < t + minute && f.end >= t - quietBefore);
    const changing = records.replicaChanges.some((c) => c.at < t + minute && c.at >= t - changeBefore);
    if (faulty || changing) continue;
    for (let i = 0; i < records.sidecars; i++) {
      counts[i]?.push(
        records.kubeRequests.filter((r) => r.sidecar === i && counted(r) && r.at >= t && r.at < t + minute)
          .length,
      );
    }
  }
  const mean = (xs: number[]) => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length);
  const perSidecar = counts.map(mean);
  const restarts = records.faults.filter((f) => f.kind === 'kube:restart');
  return {
    steadyPerMinutePerSidecar: mean(perSidecar),
    steadyPerSidecar: perSidecar,
    steadyMaxMinute: Math.max(0, ...counts.flat()),
    steadyMinutes: counts[0]?.length ?? 0,
    firstMinuteAfterRestart: restarts.map((f) =>
      Math.max(
        0,
        ...Array.from(
          { length: records.sidecars },
          (_, i) =>
            records.kubeRequests.filter(
              (r) => r.sidecar === i && counted(r) && r.at >= f.start && r.at < f.start + minute,
            ).length,
        ),
      ),
    ),
  };
}

export interface Recovery {
  kind: string;
  at: number;
  /** Seconds from the fault's end until every sidecar saw the probe (Kubernetes, sidecar faults) or one could decide again (Flink), or undefined if never. */
  seconds: number | undefined;
  /** The next fault on the same target began before it recovered (not measured). */
  interrupted?: boolean;
  /** Other faults active between the fault's end and the recovery (they may have slowed it). */
  overlapping?: string[];
}

/** Faults other than `self` active in [from, to]. */
function overlapping(
  records: SoakRecords,
  self: { kind: string; at: number },
  from: number,
  to: number,
): string[] {
  return records.faults
    .filter((f) => f.start <= to && f.end >= from && !(f.kind === self.kind && f.end === self.at))
    .map((f) => f.kind);
}

/** Recovery after each fault: watching again (a change made after it seen by every sidecar) or deciding again (Flink). */
export function recoveries(records: SoakRecords): Recovery[] {
  const result: Recovery[] = [];
  for (const probe of records.probes) {
    const seen = Array.from(
      { length: records.sidecars },
      (_, i) =>
        records.observations.find(
          (o) => o.sidecar === i && o.at >= probe.at && (o.probe ?? 0) >= probe.value - 1e-9,
        )?.at,
    );
    const all = seen.every((s) => s !== undefined);
    result.push({
      kind: probe.fault,
      at: probe.at,
      seconds: all ? secondsOf(Math.max(...(seen as number[])) - probe.at) : undefined,
    });
  }
  const flink = records.faults.filter((f: FaultRecord) => f.target === 'flink');
  for (const [i, fault] of flink.entries()) {
    // Until the next Flink fault begins: a recovery it cuts short is not measured (interrupted).
    const next = flink[i + 1]?.start ?? Infinity;
    const back = records.observations.find(
      (o) =>
        o.at >= fault.end &&
        o.at < next &&
        o.signals &&
        o.lastCycleAt !== undefined &&
        o.lastCycleAt >= fault.end,
    );
    result.push({
      kind: fault.kind,
      at: fault.end,
      seconds: back ? secondsOf(back.at - fault.end) : undefined,
      ...(back === undefined && next < records.end ? { interrupted: true } : {}),
    });
  }
  for (const r of result) {
    if (r.seconds !== undefined) {
      const others = overlapping(records, r, r.at, r.at + r.seconds * 1000);
      if (others.length > 0) r.overlapping = others;
    }
  }
  return result.sort((a, b) => a.at - b.at);
}

export interface RecoverySummary {
  count: number;
  medianSeconds: number | null;
  maxSeconds: number | null;
  /** Faults after which the sidecars never recovered before the run ended. */
  unrecovered: number;
  /** Faults whose recovery the next fault cut short (not measured). */
  interrupted: number;
  /** The slowest recovery's overlapping faults, if any. */
  slowestOverlapping?: string[];
}

export function summarizeRecoveries(list: readonly Recovery[]): Record<string, RecoverySummary> {
  const byKind = new Map<string, Recovery[]>();
  for (const r of list) byKind.set(r.kind, [...(byKind.get(r.kind) ?? []), r]);
  const summary: Record<string, RecoverySummary> = {};
  for (const [kind, items] of [...byKind.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const seconds = items.flatMap((r) => (r.seconds === undefined ? [] : [r.seconds])).sort((a, b) => a - b);
    summary[kind] = {
      count: items.length,
      medianSeconds: seconds.length === 0 ? null : (seconds[Math.floor((seconds.length - 1) / 2)] as number),
      maxSeconds: seconds.length === 0 ? null : (seconds.at(-1) as number),
      unrecovered: items.filter((r) => r.seconds === undefined && r.interrupted !== true).length,
      interrupted: items.filter((r) => r.interrupted === true).length,
    };
    const slowest = items
      .filter((r) => r.seconds !== undefined)
      .sort((a, b) => (b.seconds as number) - (a.seconds as number))[0];
    if (slowest?.overlapping) (summary[kind] as RecoverySummary).slowestOverlapping = slowest.overlapping;
  }
  return summary;
}

export interface Verdict {
  /** Scales with at least one wrong finding, scales doubled, state items lost. */
  counts: { wrongScales: number; doubleScales: number; lostState: number };
  wrong: Finding[];
  double: Finding[];
  lost: Finding[];
  requests: RequestFigures;
  recoveries: Record<string, RecoverySummary>;
  scales: { bySidecars: number; byPeople: number };
  faults: number;
  flinkAnswers: { total: number; untrusted: number };
  crashes: SoakRecords['crashes'];
}

export function judge(records: SoakRecords): Verdict {
  const answers: FlinkAnswerRecord[] = records.flinkAnswers;
  const wrong = wrongScales(records);
  const double = doubleScales(records);
  const lost = lostState(records);
  const distinct = (findings: Finding[]) => new Set(findings.map((f) => f.at)).size;
  return {
    counts: { wrongScales: distinct(wrong), doubleScales: distinct(double), lostState: lost.length },
    wrong,
    double,
    lost,
    requests: requestFigures(records),
    recoveries: summarizeRecoveries(recoveries(records)),
    scales: {
      bySidecars: sidecarChanges(records).length,
      byPeople: records.replicaChanges.filter((c) => c.by === 'person').length,
    },
    faults: records.faults.length,
    flinkAnswers: {
      total: answers.length,
      untrusted: answers.filter((a) => UNTRUSTED_FLINK.has(a.fault)).length,
    },
    crashes: records.crashes,
  };
}
