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
  /** Each list's candidates picked per namespace (label list), valued |desired − workers|. */
  picks: 'flinkdeployment:flink_autoscaler_distance:topk',
  namespaceJobs: 'namespace:flink_autoscaler_jobs:count',
  /** Each list's candidates counted per namespace (label list). */
  namespaceCandidates: 'namespace:flink_autoscaler_candidates:count',
} as const;

/**
 * How many candidates of each list the rules keep per namespace (fleet-rules.yaml `topk by (namespace) (50,
 * …)`): the dashboard's `top` must not exceed it, so that topk among these is topk among all candidates.
 */
export const PICKS_PER_NAMESPACE = 50;

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
/** Only the jobs picked (the dashboard variable `listed`, LISTED_QUERY): a few series, not the fleet. */
const JOBS = `${NS}, flinkdeployment=~"$listed"`;
const ON = 'on (namespace, flinkdeployment)';
const at = (rule: string, list?: ListKey) => `${rule}{${list ? `list="${list}", ` : ''}${NS}} @ end()`;
const atListed = (rule: string) => `${rule}{${JOBS}} @ end()`;

/** The jobs each list shows, at the end of the range: the furthest from their desired size among its candidates. */
export const PICKS: Record<ListKey, string> = {
  offSize: `topk($top, ${at(RULES.picks, 'offSize')})`,
  held: `topk($top, ${at(RULES.picks, 'held')})`,
  guarded: `topk($top, ${at(RULES.picks, 'guarded')})`,
};

/**
 * The dashboard variable `listed` (a query variable, refreshed with the time range, All picked): the names of
 * the jobs the lists show, so that the lists' range queries read those jobs' series only, not the fleet's.
 * Grafana runs it at the end of the range, before the panel's queries; it is the lists' very picks, so both
 * pick the same jobs, ties included.
 */
export const LISTED_QUERY = `query_result(${LIST_KEYS.map((k) => PICKS[k]).join(' or ')})`;
export const LISTED_REGEX = '/flinkdeployment="([^"]+)"/';

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
      `${part('workers', `${RULES.workers}{${JOBS}} and ${ON} ${PICKS[key]}`)} or ` +
      part('toDesired', `${atListed(RULES.toDesired)} and ${ON} ${PICKS[key]}`),
    range: true,
    help:
      `${LIST_HELP[key]}: their workers over the range (series="workers", the sparklines) and desired minus ` +
      'current workers at its end (series="toDesired")',
  })),
  {
    refId: 'holds',
    expr:
      `(${atListed(RULES.hold)} or ${atListed(RULES.guard)}) and ${ON} ` +
      `(${LIST_KEYS.map((k) => PICKS[k]).join(' or ')})`,
    range: false,
    help: 'what holds each job listed (label hold: paused, manual-hold, advisor; label guard: its guards)',
  },
  {
    refId: 'totals',
    expr: [
      count('jobs', `sum(${at(RULES.namespaceJobs)})`),
      ...LIST_KEYS.map((key) => count(key, `sum(${at(RULES.namespaceCandidates, key)})`)),
    ].join(' or '),
    range: false,
    help: 'how many jobs in all, and in each list before topk (label total)',
  },
  {
    refId: 'hours',
    expr:
      `label_replace(sum(${range('max_over_time', RULES.namespaceWorkers)} * ` +
      `${range('count_over_time', RULES.namespaceWorkers)}) / ${perHour}, "hours", "fixed", "", "") or ` +
      `label_replace(sum(${range('sum_over_time', RULES.namespaceWorkers)}) / ${perHour}, ` +
      '"hours", "used", "", "")',
    range: false,
    help:
      'worker-hours over the range (label hours): used, and fixed = each namespace at its peak (its most ' +
      'workers in the range) for as long as it reported',
  },
];
