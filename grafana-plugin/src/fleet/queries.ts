/**
 * The fleet view's Prometheus queries. They read the recording rules the chart ships
 * (charts/flink-autoscaler/files/fleet-rules.yaml: one series per job) and pick jobs with `topk(…) @ end()`:
 * the pick is made once, at the end of the time range, so a range query returns the same jobs at every
 * step (a plain topk in a range query picks again at each step) and Prometheus evaluates it once (a
 * step-invariant expression). Everything a row needs besides its sparkline is read `@ end()` as well.
 * The decision is not queried: the policy's action is the sign of desired minus current workers
 * (shared/src/policy/decide.ts `actionFor`), which the lists already hold.
 * The dashboard flink-autoscaler-fleet uses exactly these (a test checks it); the panel tells them apart by
 * refId, and a list's two parts by the label `series`.
 */

/** The rule group's interval (fleet-rules.yaml `interval: 1m`): the worker-hours divide by samples per hour. */
export const RULE_INTERVAL_SECONDS = 60;

/** The recorded series (fleet-rules.yaml): one per job, but the workers per namespace. */
export const RULES = {
  workers: 'flinkdeployment:flink_autoscaler_workers:max',
  namespaceWorkers: 'namespace:flink_autoscaler_workers:sum',
  toDesired: 'flinkdeployment:flink_autoscaler_workers_to_desired:max',
  hold: 'flinkdeployment:flink_autoscaler_hold:max',
  guard: 'flinkdeployment:flink_autoscaler_guard:max',
} as const;

/** The three lists of jobs the view shows, in its order. */
export type ListKey = 'offSize' | 'held' | 'guarded';
export const LIST_KEYS: readonly ListKey[] = ['offSize', 'held', 'guarded'];

export type FleetRefId = ListKey | 'holds' | 'totals' | 'hours';

export interface FleetQuery {
  refId: FleetRefId;
  expr: string;
  /** Range (the lists: their sparklines) or instant (read at the end of the range). */
  range: boolean;
  /** What it answers, for the README and whoever reads the dashboard. */
  help: string;
}

/** Dashboard variables the queries use: the namespaces picked, how many jobs per list, Grafana's range. */
const NS = 'namespace=~"$namespace"';
const ON = 'on (namespace, flinkdeployment)';
const at = (rule: string) => `${rule}{${NS}} @ end()`;
const gap = `abs(${at(RULES.toDesired)})`;
const holds = `(${at(RULES.hold)} or ${at(RULES.guard)})`;

/** The jobs that belong in each list, at the end of the range: one series per job, valued |desired − workers|. */
export const CANDIDATES: Record<ListKey, string> = {
  offSize: `${gap} > 0`,
  held: `${gap} > 0 and ${ON} ${at(RULES.hold)}`,
  // A guarded job without a desired size yet (its window not full) is listed too, last.
  guarded: `(${gap} or 0 * ${at(RULES.workers)}) and ${ON} ${at(RULES.guard)}`,
};

/** The jobs each list shows: the furthest from their desired size among its candidates. */
export const PICKS: Record<ListKey, string> = {
  offSize: `topk($top, ${CANDIDATES.offSize})`,
  held: `topk($top, ${CANDIDATES.held})`,
  guarded: `topk($top, ${CANDIDATES.guarded})`,
};

const part = (series: string, expr: string) => `label_replace(${expr}, "series", "${series}", "", "")`;
const count = (total: string, expr: string) =>
  `label_replace(${expr} or vector(0), "total", "${total}", "", "")`;
const perHour = 3600 / RULE_INTERVAL_SECONDS;
const range = (fn: string, rule: string) => `${fn}(${rule}{${NS}}[$__range] @ end())`;

const LIST_HELP: Record<ListKey, string> = {
  offSize: 'the jobs furthest from their desired size',
  held: 'jobs held (manual hold), paused or in advisor mode that would scale',
  guarded: 'jobs a guard keeps to advice',
};

export const FLEET_QUERIES: readonly FleetQuery[] = [
  ...LIST_KEYS.map((key): FleetQuery => ({
    refId: key,
    expr:
      `${part('workers', `${RULES.workers}{${NS}} and ${ON} ${PICKS[key]}`)} or ` +
      part('toDesired', `${at(RULES.toDesired)} and ${ON} ${PICKS[key]}`),
    range: true,
    help:
      `${LIST_HELP[key]}: their workers over the range (series="workers", the sparklines) and desired minus ` +
      'current workers at its end (series="toDesired")',
  })),
  {
    refId: 'holds',
    expr: `${holds} and ${ON} (${LIST_KEYS.map((k) => PICKS[k]).join(' or ')})`,
    range: false,
    help: 'what holds each job listed (label hold: paused, manual-hold, advisor; label guard: its guards)',
  },
  {
    refId: 'totals',
    expr: [
      count('jobs', `count(${at(RULES.workers)})`),
      ...LIST_KEYS.map((key) => count(key, `count(${CANDIDATES[key]})`)),
    ].join(' or '),
    range: false,
    help: 'how many jobs in all, and in each list before topk (label total)',
  },
  {
    refId: 'hours',
    expr:
      `label_replace(sum(${range('max_over_time', RULES.workers)} * ` +
      `${range('count_over_time', RULES.workers)}) / ${perHour}, "hours", "fixed", "", "") or ` +
      `label_replace(sum(${range('sum_over_time', RULES.namespaceWorkers)}) / ${perHour}, ` +
      '"hours", "used", "", "")',
    range: false,
    help:
      'worker-hours over the range (label hours): used, and fixed = each job at its peak (its most workers ' +
      'in the range) for as long as it reported',
  },
];
