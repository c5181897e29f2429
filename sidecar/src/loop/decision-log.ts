/**
 * The decision log: each cycle's decision (or advice) at info with its reasons and signals, when the decision
 * or its reasons change, and as a heartbeat every `--log-heartbeat-seconds` (default 300) while nothing
 * changes. An acting and an advising sidecar log at the same rate; the target alone (which moves with the
 * backlog from cycle to cycle) is not a change.
 */
import type { Evaluation } from '@flink-autoscaler/shared';
import type { Log } from './sidecar.js';

export const DEFAULT_LOG_HEARTBEAT_SECONDS = 300;

export interface DecisionLogEntry {
  mode: 'active' | 'advisor';
  /** Whether the sidecar only advises (advisor mode or a guard). */
  advising: boolean;
  evaluation: Evaluation;
  /** Workers now (this cycle's sample's, else the last trusted sample's; null before any). */
  workers: number | null;
  /** Every gate: the autoscaler's and the sidecar's. */
  gates: readonly string[];
}

/** The figures a person reads a decision by (rounded: a log line, not a data set). */
function signalsOf(evaluation: Evaluation): Record<string, unknown> | null {
  const s = evaluation.signals;
  if (!s) return null;
  const round = (x: number, digits = 3) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);
  return {
    cpu: round(s.cpu),
    source: s.source.id,
    unit: s.source.unit,
    throughput: round(s.source.throughput, 1),
    backlog: round(s.source.backlog, 0),
    backlogGrowth: round(s.source.backlogGrowth, 1),
    backlogTimeSeconds: round(s.source.backlogTime, 1),
    inputRate: round(s.source.inputRate, 1),
    samples: s.source.samples,
  };
}

export class DecisionLog {
  private readonly log: Log;
  private readonly heartbeatMs: number;
  private lastKey: string | undefined;
  private lastAt: number | undefined;

  constructor(log: Log, heartbeatSeconds = DEFAULT_LOG_HEARTBEAT_SECONDS) {
    this.log = log;
    this.heartbeatMs = heartbeatSeconds * 1000;
  }

  /** Logs the cycle's decision when it changed or the heartbeat is due; returns whether it logged. */
  record(now: number, entry: DecisionLogEntry): boolean {
    const { evaluation, gates } = entry;
    const decision = evaluation.decision;
    const reasons = decision?.reasons ?? [];
    const key = JSON.stringify([
      entry.mode,
      entry.advising,
      evaluation.action,
      decision?.action ?? null,
      reasons,
      gates,
    ]);
    const changed = key !== this.lastKey;
    if (!changed && this.lastAt !== undefined && now - this.lastAt < this.heartbeatMs) return false;
    this.lastKey = key;
    this.lastAt = now;
    this.log('info', 'decision', {
      mode: entry.mode,
      advising: entry.advising,
      action: evaluation.action,
      workers: entry.workers,
      targetWorkers: evaluation.targetWorkers,
      decision: decision?.action ?? null,
      desiredWorkers: decision?.desiredWorkers ?? null,
      reasons,
      gates,
      signals: signalsOf(evaluation),
      ...(changed ? {} : { heartbeat: true }),
    });
    return true;
  }
}
