/**
 * The rule for a default change (docs/policy.md): per run, never worse. Pairs two sets of result rows by
 * trace, seed and state size and says, run by run, where `after` has more worker-hours or less time within
 * 120 s than `before`, and the mean ratio of worker-hours.
 */
import type { ResultRow } from './bench.js';

type Run = Pick<ResultRow, 'trace' | 'seed' | 'stateGiB' | 'workerHours' | 'sloAttainment'>;

export interface RunChange {
  trace: string;
  seed: number;
  stateGiB: number;
  workerHours: { before: number; after: number };
  sloAttainment: { before: number; after: number };
}

export interface PerRunComparison {
  runs: number;
  /** Runs where `after` has more worker-hours. */
  moreWorkerHours: number;
  /** Runs where `after` keeps less time with backlog time within 120 s. */
  lessWithin120s: number;
  /** Mean over the runs of after ÷ before worker-hours. */
  meanWorkerHoursRatio: number;
  /** Every run worse in either, as both figures. */
  worse: RunChange[];
}

/** Worker-hours within this of each other are equal (the simulator's sums in floating point). */
const WORKER_HOURS_EPSILON = 1e-9;
/** Shares within this of each other are equal (one second in about 30 years). */
const SHARE_EPSILON = 1e-12;

const key = (r: Run) => `${r.trace}\u0000${r.seed}\u0000${r.stateGiB}`;

export function compareRuns(before: readonly Run[], after: readonly Run[]): PerRunComparison {
  const afterByKey = new Map(after.map((r) => [key(r), r]));
  if (afterByKey.size !== after.length) throw new Error('compareRuns: a run appears twice in `after`');
  if (before.length !== after.length || new Set(before.map(key)).size !== before.length)
    throw new Error('compareRuns: `before` and `after` must hold the same runs, once each');
  let ratio = 0;
  const worse: RunChange[] = [];
  let moreWorkerHours = 0;
  let lessWithin120s = 0;
  for (const b of before) {
    const a = afterByKey.get(key(b));
    if (!a)
      throw new Error(`compareRuns: no run of ${b.trace} at seed ${b.seed}, ${b.stateGiB} GiB in \`after\``);
    if (!(b.workerHours > 0)) throw new Error(`compareRuns: ${b.trace} seed ${b.seed} has no worker-hours`);
    ratio += a.workerHours / b.workerHours;
    const more = a.workerHours > b.workerHours + WORKER_HOURS_EPSILON;
    const less = a.sloAttainment < b.sloAttainment - SHARE_EPSILON;
    if (more) moreWorkerHours++;
    if (less) lessWithin120s++;
    if (more || less)
      worse.push({
        trace: b.trace,
        seed: b.seed,
        stateGiB: b.stateGiB,
        workerHours: { before: b.workerHours, after: a.workerHours },
        sloAttainment: { before: b.sloAttainment, after: a.sloAttainment },
      });
  }
  return {
    runs: before.length,
    moreWorkerHours,
    lessWithin120s,
    meanWorkerHoursRatio: before.length > 0 ? ratio / before.length : 1,
    worse,
  };
}
