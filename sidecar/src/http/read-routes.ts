/**
 * The read-only endpoints: /metrics for Prometheus, /healthz (liveness) and /readyz for the kubelet, and
 * /api/v1/status for people and tools. They carry no authority and need no token (architecture.md: Prometheus
 * scrapes the pod; the kubelet probes it).
 */
import express, { type Router } from 'express';
import { contextOf } from './context.js';
import type { SidecarApi } from './contract.js';
import { HttpError, errorBody, methodNotAllowed } from './errors.js';

/** The Prometheus text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function readRouter(api: SidecarApi): Router {
  const router = express.Router();

  router.get('/metrics', async (_req, res) => {
    contextOf(res).route = 'metrics';
    let text: string;
    try {
      text = await api.metrics();
    } catch (error) {
      throw new HttpError(
        500,
        'metrics-failed',
        'the sidecar could not render its metrics; its log has why',
        {
          detail: error instanceof Error ? error.message : String(error),
        },
      );
    }
    res.setHeader('Content-Type', PROMETHEUS_CONTENT_TYPE);
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).send(text);
  });

  // Liveness: fails when the control loop has not completed a cycle in time (the kubelet then restarts the
  // sidecar container alone, never the JobManager).
  router.get('/healthz', (_req, res) => {
    const context = contextOf(res);
    context.route = 'healthz';
    let live: { live: boolean; reason: string };
    try {
      live = api.live();
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      live = { live: false, reason: `the liveness check failed: ${why}` };
    }
    res.setHeader('Cache-Control', 'no-store');
    if (live.live) {
      res.status(200).json({ status: 'ok' });
      return;
    }
    context.notAnError = true;
    context.reason = 'not-live';
    res.status(503).json(errorBody(new HttpError(503, 'not-live', live.reason)));
  });

  router.get('/readyz', (_req, res) => {
    const context = contextOf(res);
    context.route = 'readyz';
    let ready: { ready: boolean; reason: string };
    try {
      ready = api.ready();
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      ready = { ready: false, reason: `the readiness check failed: ${why}` };
    }
    res.setHeader('Cache-Control', 'no-store');
    if (ready.ready) {
      res.status(200).json({ status: 'ready', reason: ready.reason });
      return;
    }
    // Not ready is a state the probe reports, not a failure of the API: no error counted.
    context.notAnError = true;
    context.reason = 'not-ready';
    res.status(503).json(errorBody(new HttpError(503, 'not-ready', ready.reason || 'not ready yet')));
  });

  router.get('/api/v1/status', async (_req, res) => {
    contextOf(res).route = 'status';
    const status: unknown = await api.status();
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).json(status ?? null);
  });

  for (const path of ['/metrics', '/healthz', '/readyz', '/api/v1/status']) {
    router.all(path, methodNotAllowed('GET', 'HEAD'));
  }
  return router;
}
