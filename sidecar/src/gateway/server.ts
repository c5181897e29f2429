/**
 * The gateway: one address for every job's sidecar API. `GET …/namespaces/{ns}/flinkdeployments/{name}/status`
 * and `POST …/scale` go to that job's sidecar (`/api/v1/status`, `/api/v1/scale`) with the caller's
 * Authorization and X-Grafana-User headers: the sidecar alone decides who may scale. No sidecar → 503 saying why;
 * a namespace outside --namespaces → 404.
 */
import express, { type Express, type Request, type Response } from 'express';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import { contextOf, observe } from '../http/context.js';
import { errorHandler, HttpError, methodNotAllowed, notFound } from '../http/errors.js';
import { probeRoutes } from '../http/probe-routes.js';
import { KubeError } from '../kube/api-error.js';
import type { KubeConnection } from '../kube/connection.js';
import { locateSidecar, NAME } from './locate.js';

export interface GatewayDeps {
  connection: KubeConnection;
  sidecarPort: number;
  /** The only namespaces served (the gateway may read pods only there); undefined: every namespace. */
  namespaces?: ReadonlySet<string>;
  log?: (fields: Record<string, unknown>) => void;
  timeoutMs?: number;
  processMetrics?: boolean;
}

const FORWARDED = ['authorization', 'x-grafana-user', 'x-request-id', 'content-type'];
const ROUTES: Record<'status' | 'scale', { method: 'GET' | 'POST'; path: string }> = {
  status: { method: 'GET', path: '/api/v1/status' },
  scale: { method: 'POST', path: '/api/v1/scale' },
};

export function createGatewayApp(deps: GatewayDeps): Express {
  const registry = new Registry();
  if (deps.processMetrics) collectDefaultMetrics({ register: registry });
  const forwarded = new Counter({
    name: 'flink_autoscaler_gateway_requests_total',
    help: 'Requests the gateway answered, by route and status code.',
    labelNames: ['route', 'code'] as const,
    registers: [registry],
  });
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(
    observe({
      log: deps.log ?? (() => undefined),
      clock: Date.now,
      count: (context, status) => forwarded.inc({ route: context.route ?? 'other', code: String(status) }),
    }),
  );

  const forward = (route: 'status' | 'scale') => async (req: Request, res: Response) => {
    const context = contextOf(res);
    context.route = route;
    const namespace = String(req.params.namespace);
    const name = String(req.params.name);
    if (!NAME.test(namespace) || !NAME.test(name) || namespace.length > 63 || name.length > 63) {
      throw new HttpError(400, 'bad-name', `${namespace}/${name} is not a Kubernetes namespace and name`);
    }
    context.fields['flinkdeployment'] = `${namespace}/${name}`;
    if (deps.namespaces !== undefined && !deps.namespaces.has(namespace)) {
      const served = [...deps.namespaces].join(', ') || 'no namespace';
      throw new HttpError(
        404,
        'namespace-not-served',
        `this gateway serves FlinkDeployments in ${served} only (--namespaces), not in ${namespace}`,
      );
    }
    let located;
    try {
      located = await locateSidecar(deps.connection, namespace, name, deps.sidecarPort);
    } catch (error) {
      const detail = error instanceof KubeError ? error.message : String(error);
      throw new HttpError(
        503,
        'kubernetes-unavailable',
        'the gateway cannot look the job up in the Kubernetes API',
        {
          detail,
        },
      );
    }
    if (!located.ok) throw new HttpError(503, located.reason, located.message);
    const target = ROUTES[route];
    const headers: Record<string, string> = {};
    for (const header of FORWARDED) {
      const value = req.get(header);
      if (value !== undefined) headers[header] = value;
    }
    let answer: globalThis.Response;
    try {
      answer = await fetch(`${located.url}${target.path}`, {
        method: target.method,
        headers,
        ...(target.method === 'POST' ? { body: req.body as Buffer } : {}),
        signal: AbortSignal.timeout(deps.timeoutMs ?? 15_000),
      });
    } catch (error) {
      throw new HttpError(
        503,
        'sidecar-unreachable',
        `the sidecar of ${namespace}/${name} (pod ${located.pod}) does not answer`,
        {
          detail: (error as Error).message,
        },
      );
    }
    const body = Buffer.from(await answer.arrayBuffer());
    res.status(answer.status);
    for (const header of ['content-type', 'retry-after', 'www-authenticate', 'cache-control']) {
      const value = answer.headers.get(header);
      if (value !== null) res.setHeader(header, value);
    }
    res.send(body);
  };

  const base = '/api/v1/namespaces/:namespace/flinkdeployments/:name';
  app.get(`${base}/status`, forward('status'));
  app.all(`${base}/status`, methodNotAllowed('GET'));
  app.post(`${base}/scale`, express.raw({ type: () => true, limit: 64 * 1024 }), forward('scale'));
  app.all(`${base}/scale`, methodNotAllowed('POST'));
  app.use(probeRoutes(() => registry.metrics()));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
