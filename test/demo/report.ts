/**
 * What `npm start` tells a person: one line per decision with its reasons, a progress line now and then,
 * and a closing summary, each stamped with the wall-clock time; or, with `--json`, one JSON object per
 * line for programs. The figures (worker-hours, the share of time within 120 s of backlog time) are those
 * of the simulator's benchmark, gathered here from the simulated job at every step.
 */
import type { Evaluation } from '@flink-autoscaler/shared';
import { backlogSeconds, SLO_BACKLOG_SECONDS } from '../../sidecar/src/simulation/figures.js';

/** What the demo sees of the simulated job at one step. */
export interface JobView {
  /** Virtual seconds since the start. */
  time: number;
  /** Workers asked for (and paid). */
  workers: number;
  inputRate: number;
  backlog: number;
  cpu: number;
}

/** `1:05:00` from 3900 virtual seconds. */
export function jobClock(seconds: number): string {
  const s = Math.floor(seconds);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${Math.floor(s / 3600)}:${mm}:${ss}`;
}

/** `14:03:27`, the local wall-clock time. */
export function wallClock(at: Date): string {
  return [at.getHours(), at.getMinutes(), at.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** `3 min 5 s`, `24 min`, `40 s`. */
export function duration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return [h > 0 ? `${h} h` : '', m > 0 ? `${m} min` : '', rest > 0 && h === 0 ? `${rest} s` : '']
    .filter(Boolean)
    .join(' ');
}

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function backlogText(view: JobView): string {
  const seconds = backlogSeconds(view.backlog, view.inputRate);
  const time = Number.isFinite(seconds) ? `${count.format(seconds)} s` : '∞';
  return `backlog ${count.format(view.backlog)} (${time})`;
}

/** The decision's key: a line is printed when it changes, or when the sidecar acts. */
export function decisionKey(e: Evaluation): string {
  return [e.action, e.decision?.action, e.decision?.desiredWorkers, e.decision?.reasons, e.gates]
    .map((part) => JSON.stringify(part ?? null))
    .join('|');
}

/** One readable line: what the sidecar decided, why, and what the job looked like. */
export function decisionLine(at: Date, view: JobView, e: Evaluation): string {
  const reasons = e.decision?.reasons ?? [];
  const gates = e.gates.map((g) => `[${g}]`);
  const why = [...reasons, ...gates].join(', ') || 'nothing to report';
  const what =
    e.action !== 'none'
      ? `${e.action} ${view.workers} → ${e.targetWorkers} workers`
      : e.decision && e.decision.action !== 'none'
        ? `would ${e.decision.action} to ${e.decision.desiredWorkers}, held`
        : 'no change';
  return (
    `${wallClock(at)}  job ${jobClock(view.time).padStart(8)}  ${String(view.workers).padStart(3)} workers  ` +
    `${what}: ${why}  (input ${count.format(view.inputRate)}/s, ${backlogText(view)}, CPU ${view.cpu.toFixed(2)})`
  );
}

export function decisionObject(at: Date, view: JobView, e: Evaluation): Record<string, unknown> {
  return {
    time: at.toISOString(),
    event: 'decision',
    jobTime: jobClock(view.time),
    workers: view.workers,
    inputRate: Math.round(view.inputRate),
    backlog: Math.round(view.backlog),
    cpu: Number(view.cpu.toFixed(3)),
    action: e.action,
    targetWorkers: e.targetWorkers,
    decision: e.decision
      ? { action: e.decision.action, desiredWorkers: e.decision.desiredWorkers, reasons: e.decision.reasons }
      : null,
    gates: e.gates,
  };
}

/** The figures of the run so far, gathered at every step of the simulated job. */
export class DemoFigures {
  private steps = 0;
  private within = 0;
  private workerSeconds = 0;
  private worst = 0;
  scalings = 0;
  manualScalings = 0;
  /** The worker counts the job went through, first the initial one. */
  readonly path: number[] = [];

  /** One step of `seconds` of virtual time that ended in `view`. */
  step(view: JobView, seconds: number): void {
    if (this.path.at(-1) !== view.workers) this.path.push(view.workers);
    const backlogTime = backlogSeconds(view.backlog, view.inputRate);
    this.steps++;
    if (backlogTime <= SLO_BACKLOG_SECONDS) this.within++;
    this.worst = Math.max(this.worst, backlogTime);
    this.workerSeconds += view.workers * seconds;
  }

  get workerHours(): number {
    return this.workerSeconds / 3600;
  }
  /** Share of steps with backlog time ≤ 120 s, 0..1. */
  get sloAttainment(): number {
    return this.steps === 0 ? 1 : this.within / this.steps;
  }
  get worstBacklogTimeSeconds(): number {
    return this.worst;
  }
}

export function progressLine(at: Date, view: JobView, total: number, leftSeconds: number): string {
  const share = Math.min(100, Math.round((100 * view.time) / total));
  return (
    `${wallClock(at)}  job ${jobClock(view.time).padStart(8)}  ${String(view.workers).padStart(3)} workers  ` +
    `${share} % of ${jobClock(total)} done, about ${duration(leftSeconds)} left  (input ${count.format(view.inputRate)}/s, ${backlogText(view)})`
  );
}

export function summaryLine(
  figures: DemoFigures,
  jobSeconds: number,
  wallSeconds: number,
  why: string,
): string {
  const scalings = `${figures.scalings} scaling${figures.scalings === 1 ? '' : 's'} by the autoscaler`;
  const manual = figures.manualScalings > 0 ? `, ${figures.manualScalings} by hand` : '';
  const worst = figures.worstBacklogTimeSeconds;
  return (
    `summary (${why}): ${jobClock(jobSeconds)} of job time in ${duration(wallSeconds)}: ${scalings}${manual} ` +
    `(workers ${figures.path.join(' → ')}), ${figures.workerHours.toFixed(1)} worker-hours, backlog time ≤ 120 s ` +
    `${(100 * figures.sloAttainment).toFixed(1)} % of the time (worst ${Number.isFinite(worst) ? `${count.format(worst)} s` : '∞'})`
  );
}

export function summaryObject(
  at: Date,
  figures: DemoFigures,
  jobSeconds: number,
  wallSeconds: number,
  why: string,
): Record<string, unknown> {
  const worst = figures.worstBacklogTimeSeconds;
  return {
    time: at.toISOString(),
    event: 'summary',
    why,
    jobSeconds,
    wallSeconds: Math.round(wallSeconds),
    scalings: figures.scalings,
    manualScalings: figures.manualScalings,
    workers: figures.path,
    workerHours: Number(figures.workerHours.toFixed(2)),
    sloAttainment: Number(figures.sloAttainment.toFixed(4)),
    worstBacklogTimeSeconds: Number.isFinite(worst) ? Math.round(worst) : null,
  };
}
