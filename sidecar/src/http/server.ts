/**
 * The sidecar's HTTP server (express 5): /metrics, /healthz, /readyz, /api/v1/status, and the manual
 * scale POST /api/v1/scale, authorized the Kubernetes way (auth.ts). Every error leaves as JSON
 * `{"error": {"status", "reason", "message"}}`; every request is logged once as a JSON object (never with
 * its token) and counted.
 */
import { http } from './node-http.js';
import express, { type Express } from 'express';
import { Counter } from 'prom-client';
import type { SidecarMetrics } from '../metrics/exporter.js';
import type { Reviewer } from './auth.js';
import { jsonLine, observe, type RequestContext } from './context.js';
import type { SidecarApi } from './contract.js';
import { errorHandler, notFound } from './errors.js';
import { listen } from './listen.js';
import { DEFAULT_SCALES_PER_MINUTE, ScaleRateLimiter } from './rate-limit.js';
import { readRouter } from './read-routes.js';
import { scaleRouter } from './scale-route.js';

/** The sidecar's HTTP port. */
export const DEFAULT_SIDECAR_PORT = 9877;
/** How long a TokenReview or SubjectAccessReview may take before the request is refused (503). */
export const DEFAULT_REVIEW_TIMEOUT_MS = 5000;

export interface SidecarAppDeps {
  api: SidecarApi;
  kube: Reviewer;
  metrics?: SidecarMetrics;
  /** One structured object per request (default: a JSON line on stdout). */
  log?: (fields: Record<string, unknown>) => void;
  /** Unix ms (default Date.now): the rate limit's minute and the log's time. */
  clock?: () => number;
  rateLimit?: { perMinute: number };
  reviewTimeoutMs?: number;
}

const REQUESTS_METRIC = 'flink_autoscaler_manual_scale_requests_total';

/** Counts manual scale requests by outcome (`scaled`, `dry-run`, or the refusal's reason code). */
function requestsCounter(metrics: SidecarMetrics): Counter<'outcome'> {
  const existing = metrics.registry.getSingleMetric(REQUESTS_METRIC);
  if (existing instanceof Counter) return existing as Counter<'outcome'>;
  return new Counter({
    name: REQUESTS_METRIC,
    help: 'Manual scale requests by outcome: scaled, dry-run, or why they were refused.',
    labelNames: ['outcome'],
    registers: [metrics.registry],
  });
}

export function createSidecarApp(deps: SidecarAppDeps): Express {
  const clock = deps.clock ?? Date.now;
  const limiter = new ScaleRateLimiter(deps.rateLimit?.perMinute ?? DEFAULT_SCALES_PER_MINUTE, clock);
  const metrics = deps.metrics;
  const requests = metrics === undefined ? undefined : requestsCounter(metrics);

  const count = (context: RequestContext, status: number): void => {
    if (metrics === undefined || requests === undefined) return;
    if (status >= 400 && !context.notAnError) metrics.errors.inc({ stage: 'api' });
    if (context.route === 'scale') {
      requests.inc({ outcome: context.outcome ?? context.reason ?? (status < 400 ? 'ok' : String(status)) });
    }
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(observe({ log: deps.log ?? jsonLine, clock, count }));
  app.use(readRouter(deps.api));
  app.use(
    scaleRouter({
      api: deps.api,
      kube: deps.kube,
      limiter,
      reviewTimeoutMs: deps.reviewTimeoutMs ?? DEFAULT_REVIEW_TIMEOUT_MS,
    }),
  );
  app.use(notFound);
  app.use(errorHandler);
  return app;
}

export type { RunningServer as RunningSidecarServer } from './listen.js';

export function startSidecarServer(app: Express, host: string, port: number = DEFAULT_SIDECAR_PORT) {
  return listen(http.createServer(app), host, port);
}
