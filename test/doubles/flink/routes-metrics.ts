/**
 * The metric endpoints: bare arrays in list, value or aggregated mode, `200 []` for unknown components, from
 * the fetcher's store.
 */
import { Router, type Request, type Response } from 'express';
import { badHexIds, param, sendError } from './http.js';
import {
  BadRequest,
  aggregatedMode,
  listMode,
  requestedAggregations,
  requestedComponents,
  requestedIds,
  requestedSubtasks,
  valueMode,
  type Aggregation,
} from './query.js';
import type { MetricMap, MetricSnapshot } from './store.js';
import type { View } from './view.js';

type Stores = (snapshot: MetricSnapshot, req: Request) => MetricMap[];
type Store = (snapshot: MetricSnapshot, req: Request) => MetricMap | undefined;

/** One subtask-indexed store for /vertices/:vid/metrics: every id gets its `<i>.` prefix. */
function prefixed(subtasks: Map<number, MetricMap> | undefined): MetricMap | undefined {
  if (subtasks === undefined) return undefined;
  const result: MetricMap = new Map();
  for (const [i, metrics] of [...subtasks].sort(([a], [b]) => a - b)) {
    for (const [id, value] of metrics) result.set(`${i}.${id}`, value);
  }
  return result;
}

function vertexSubtasks(snapshot: MetricSnapshot, req: Request): Map<number, MetricMap> | undefined {
  return snapshot.tasks.get(param(req, 'jobid').toLowerCase())?.get(param(req, 'vertexid').toLowerCase());
}

export function metricRoutes(view: () => View, fault: () => string): Router {
  const router = Router();

  /** An unaggregated endpoint: list mode without `get`, else `[{id, value}]`. */
  const single = (hexIds: string[], store: Store) => (req: Request, res: Response) => {
    if (badHexIds(req, res, ...hexIds)) return;
    if (fault() === 'empty') return void res.json([]);
    const ids = requestedIds(req.query);
    const metrics = store(view().metrics(), req);
    res.json(
      ids === undefined
        ? listMode(metrics === undefined ? [] : [metrics])
        : valueMode(metrics, ids, fault() === 'nan'),
    );
  };

  /**
   * An aggregating endpoint: list mode (union) without `get`, else the aggregates of the selected components.
   */
  const aggregated = (hexIds: string[], stores: Stores) => (req: Request, res: Response) => {
    if (badHexIds(req, res, ...hexIds)) return;
    let aggregations: Aggregation[];
    try {
      aggregations = requestedAggregations(req.query);
    } catch (e) {
      if (e instanceof BadRequest) return sendError(res, 400, e.message);
      throw e;
    }
    if (fault() === 'empty') return void res.json([]);
    const ids = requestedIds(req.query);
    const selected = stores(view().metrics(), req);
    res.json(
      ids === undefined ? listMode(selected) : aggregatedMode(selected, ids, aggregations, fault() === 'nan'),
    );
  };

  router.get(
    '/jobmanager/metrics',
    single([], (s) => s.jobmanager),
  );
  router.get(
    '/taskmanagers/metrics',
    aggregated([], (s, req) => {
      const wanted = requestedComponents(req.query, 'taskmanagers');
      return [...s.taskmanagers].filter(([id]) => wanted?.has(id) ?? true).map(([, m]) => m);
    }),
  );
  router.get(
    '/taskmanagers/:tmid/metrics',
    single([], (s, req) => s.taskmanagers.get(param(req, 'tmid'))),
  );
  router.get(
    '/jobs/metrics',
    aggregated([], (s, req) => {
      const wanted = requestedComponents(req.query, 'jobs');
      return [...s.jobs].filter(([id]) => wanted?.has(id) ?? true).map(([, m]) => m);
    }),
  );
  router.get(
    '/jobs/:jobid/metrics',
    single(['jobid'], (s, req) => s.jobs.get(param(req, 'jobid').toLowerCase())),
  );
  router.get(
    '/jobs/:jobid/vertices/:vertexid/metrics',
    single(['jobid', 'vertexid'], (s, req) => prefixed(vertexSubtasks(s, req))),
  );
  router.get(
    '/jobs/:jobid/vertices/:vertexid/subtasks/metrics',
    aggregated(['jobid', 'vertexid'], (s, req) => {
      const wanted = requestedSubtasks(req.query);
      return [...(vertexSubtasks(s, req) ?? [])]
        .filter(([i]) => wanted?.has(i) ?? true)
        .sort(([a], [b]) => a - b)
        .map(([, m]) => m);
    }),
  );
  router.get('/jobs/:jobid/vertices/:vertexid/subtasks/:subtaskindex/metrics', (req, res) => {
    const index = param(req, 'subtaskindex');
    if (!/^\d+$/.test(index)) {
      return sendError(res, 400, `Cannot resolve path parameter (subtaskindex) from value "${index}".`);
    }
    single(['jobid', 'vertexid'], (s) => vertexSubtasks(s, req)?.get(Number(index)))(req, res);
  });
  return router;
}
