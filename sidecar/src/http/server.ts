/**
 * The sidecar's HTTP server (express 5), read-only: /metrics, /healthz, /readyz and /api/v1/status. It carries
 * no authority: manual scaling goes through the FlinkDeployment (the gateway, kubectl scale), never into a
 * pod, so the server takes no credential and needs no review. Every error leaves as JSON
 * `{"error": {"status", "reason", "message"}}`; every request is counted, and logged once at its level
 * (context.ts: debug, a refusal warn, a failure error; probes and scrapes not at all).
 */
import { http } from './node-http.js';
import express, { type Express } from 'express';
import type { SidecarMetrics } from '../metrics/exporter.js';
import { jsonLine, observe, type RequestContext, type RequestLog } from './context.js';
import type { SidecarApi } from './contract.js';
import { errorHandler, notFound } from './errors.js';
import { listen } from './listen.js';
import { readRouter } from './read-routes.js';

/** The sidecar's HTTP port. */
export const DEFAULT_SIDECAR_PORT = 9877;

export interface SidecarAppDeps {
  api: SidecarApi;
  metrics?: SidecarMetrics;
  /** The line of a finished request (default: a JSON line on stdout). */
  log?: RequestLog;
}

export function createSidecarApp(deps: SidecarAppDeps): Express {
  const metrics = deps.metrics;
  const count = (context: RequestContext, status: number): void => {
    if (metrics !== undefined && status >= 400 && !context.notAnError) metrics.errors.inc({ stage: 'api' });
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(observe({ log: deps.log ?? jsonLine, count }));
  app.use(readRouter(deps.api));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}

export type { RunningServer as RunningSidecarServer } from './listen.js';

export function startSidecarServer(app: Express, host: string, port: number = DEFAULT_SIDECAR_PORT) {
  return listen(http.createServer(app), host, port);
}
