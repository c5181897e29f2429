/**
 * What the fleet view shows, from the answers to its queries (queries.ts): three lists of jobs (furthest
 * from their desired size; held, paused or in advisor mode that would scale; guarded), each row with its
 * workers over the range, desired minus current workers (whose sign is the decision), what holds it and its
 * guards; the totals; and the worker-hours used against a fixed size.
 */
import type { Series, SeriesMap } from '../data/frames';
import { snapshot, type Snapshot } from '../data/snapshot';
import { LIST_KEYS, type ListKey } from './queries';

/** One series of an answer: its query's refId, its labels, its samples. */
export interface FleetSeries extends Series {
  refId: string | undefined;
}

export interface FleetRow {
  namespace: string;
  flinkdeployment: string;
  /** Workers over the range (the sparkline). */
  workers: Series | undefined;
  /** Desired minus current workers at the end of the range; undefined when the job has no desired size yet. */
  toDesired: number | undefined;
  /** paused, manual-hold, advisor. */
  holds: string[];
  /** Guards that keep the sidecar to advice. */
  guards: string[];
  /** The job as panel's words read it (workers, desired, action, gates, mode, guards). */
  snapshot: Snapshot;
}

export type Totals = Record<'jobs' | ListKey, number | undefined>;

export interface WorkerHours {
  /** Each namespace at its peak (its most workers in the range) for as long as it reported. */
  fixed: number;
  /** What the jobs had. */
  used: number;
  saved: number;
}

export interface FleetModel {
  lists: Record<ListKey, FleetRow[]>;
  totals: Totals;
  hours: WorkerHours | undefined;
  /** Unix ms of the newest sample of any answer; undefined when the answers hold nothing. */
  time: number | undefined;
}

const keyOf = (labels: Readonly<Record<string, string>>) =>
  labels['namespace'] !== undefined && labels['flinkdeployment'] !== undefined
    ? `${labels['namespace']}/${labels['flinkdeployment']}`
    : undefined;

function last(series: Series): { time: number; value: number } | undefined {
  for (let i = series.values.length - 1; i >= 0; i--) {
    const value = series.values[i];
    const time = series.times[i];
    if (typeof value === 'number' && !Number.isNaN(value) && time !== undefined) return { time, value };
  }
  return undefined;
}

/** The series of one refId, by job. */
function byJob(all: readonly FleetSeries[], refId: string): Map<string, FleetSeries[]> {
  const out = new Map<string, FleetSeries[]>();
  for (const s of all) {
    if (s.refId !== refId) continue;
    const key = keyOf(s.labels);
    if (key === undefined) continue;
    const list = out.get(key) ?? [];
    list.push(s);
    out.set(key, list);
  }
  return out;
}

function point(time: number, value: number, labels: Record<string, string>): Series {
  return { times: [time], values: [value], labels };
}

/** The policy's action: the sign of desired minus current workers (shared/src/policy/decide.ts `actionFor`). */
export function actionOf(toDesired: number): 'scale-up' | 'scale-down' | 'none' {
  return toDesired > 0 ? 'scale-up' : toDesired < 0 ? 'scale-down' : 'none';
}

function row(
  key: string,
  workers: Series | undefined,
  toDesired: number | undefined,
  at: number,
  holdSeries: readonly Series[],
): FleetRow {
  const [namespace = '', flinkdeployment = ''] = key.split('/');
  const active = (label: string) =>
    [
      ...new Set(
        holdSeries
          .filter((s) => last(s)?.value === 1 && s.labels[label] !== undefined)
          .map((s) => s.labels[label]),
      ),
    ]
      .filter((v): v is string => v !== undefined && v !== '')
      .sort();
  const holds = active('hold');
  const guards = active('guard');
  const current = workers ? last(workers)?.value : undefined;
  // The words of the job panel, from the same kinds of series it reads (policy/words.ts).
  const map: SeriesMap = {
    workers: workers ? [workers] : [],
    desired:
      current !== undefined && toDesired !== undefined ? [point(at, current + toDesired, {})] : undefined,
    decision: toDesired !== undefined ? [point(at, 1, { action: actionOf(toDesired) })] : undefined,
    gates: holds.filter((h) => h !== 'advisor').map((gate) => point(at, 1, { gate })),
    mode: holds.includes('advisor') ? [point(at, 1, { mode: 'advisor' })] : undefined,
    guards: guards.map((guard) => point(at, 1, { guard })),
  };
  return { namespace, flinkdeployment, workers, toDesired, holds, guards, snapshot: snapshot(map) };
}

/** Furthest from the desired size first (a job without one last), then by name. */
function order(a: FleetRow, b: FleetRow): number {
  const d = Math.abs(b.toDesired ?? -1) - Math.abs(a.toDesired ?? -1);
  if (d !== 0) return d;
  return `${a.namespace}/${a.flinkdeployment}`.localeCompare(`${b.namespace}/${b.flinkdeployment}`);
}

function labelled(all: readonly FleetSeries[], refId: string, label: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of all) {
    const name = s.labels[label];
    const v = last(s)?.value;
    if (s.refId === refId && name !== undefined && v !== undefined) out.set(name, v);
  }
  return out;
}

export function fleetModel(all: readonly FleetSeries[]): FleetModel {
  const times = all.map((s) => last(s)?.time).filter((t): t is number => t !== undefined);
  const time = times.length > 0 ? Math.max(...times) : undefined;
  const at = time ?? 0;
  const holds = byJob(all, 'holds');
  const lists = {} as Record<ListKey, FleetRow[]>;
  for (const list of LIST_KEYS) {
    const parts = byJob(all, list);
    lists[list] = [...parts.entries()]
      .map(([key, series]) => {
        const workers = series.find((s) => s.labels['series'] === 'workers');
        const gap = series.find((s) => s.labels['series'] === 'toDesired');
        return row(key, workers, gap ? last(gap)?.value : undefined, at, holds.get(key) ?? []);
      })
      .sort(order);
  }
  const t = labelled(all, 'totals', 'total');
  const h = labelled(all, 'hours', 'hours');
  const fixed = h.get('fixed');
  const used = h.get('used');
  return {
    lists,
    totals: {
      jobs: t.get('jobs'),
      offSize: t.get('offSize'),
      held: t.get('held'),
      guarded: t.get('guarded'),
    },
    hours: fixed !== undefined && used !== undefined ? { fixed, used, saved: fixed - used } : undefined,
    time,
  };
}
