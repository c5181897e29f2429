/**
 * The gateway: where Grafana's server asks, for a person, to scale a job, whether they may, and the job's
 * status. Base `/api/v1/namespaces/{ns}/flinkdeployments/{name}`:
 *
 * - `POST …/scale` `{replicas, reason, holdSeconds?, dryRun?}` → `{from, to, holdUntil, by, dryRun, paused}`
 * - `GET …/scale/access` → `{allowed, user, reason, permission}`
 * - `GET …/status` → the job's status, read-only from its FlinkDeployment
 *
 * In order, cheapest first: the path (400, 404 outside --namespaces), the rate limits per caller IP and for
 * the gateway (429), the body (413, 422), the caller (client certificate or TokenReview for our audience:
 * 401), the person (Grafana's signed ID token, or X-Grafana-User when trusted: 401), whether the caller may
 * speak for people (SubjectAccessReview `assert` `people`: 403), whether the person may `update`
 * `flinkdeployments/scale` on that job (403 naming the permission), then the FlinkDeployment itself:
 * the bounds (422: its annotations on the policy flags, as the sidecar has them), a rescale in progress (409), ONE merge patch with the resourceVersion, the replicas and
 * the hold (a conflict is re-read and retried once), and an Event naming the person. The gateway never
 * contacts a pod and never forwards a credential.
 */
import { hostname } from 'node:os';
import express, { type Express, type Request, type Response } from 'express';
import { DEFAULT_CONFIG, type PolicyConfig } from '@flink-autoscaler/shared';
import type { JWTVerifyGetKey } from 'jose';
import { contextOf, observe, type RequestLog } from '../http/context.js';
import { methodNotAllowed, notFound } from '../http/errors.js';
import { probeRoutes } from '../http/probe-routes.js';
import type { KubeConnection } from '../kube/connection.js';
import { Authorizer, scalePermission } from './authorize.js';
import { authenticateCaller } from './caller.js';
import { gatewayErrorHandler, kubeFailure } from './errors.js';
import { readDeployment, statusOf } from './flink-deployment.js';
import { jobTarget, withinBudget } from './guards.js';
import { ConcurrencyGate, RateLimiter } from './limits.js';
import { carryOut, recordScale } from './manual-scale.js';
import { GatewayMetrics } from './metrics.js';
import { DEFAULT_USER_PREFIX, grafanaKeys } from './person.js';
import { Reviews } from './reviews.js';
import { DEFAULT_MAX_HOLD_SECONDS, MAX_BODY_BYTES, parseScaleBody } from './scale-body.js';

export { scalePermission };

export const DEFAULT_AUDIENCE = 'flink-autoscaler-gateway';
export const DEFAULT_MAX_CONCURRENT_REVIEWS = 16;
/** Per caller IP: Grafana's server is one IP for all its people, and review answers are cached. */
export const DEFAULT_REQUESTS_PER_MINUTE = 600;

export interface GatewayDeps {
  connection: KubeConnection;
  /** Tokens must be for this audience (TokenReview spec.audiences / status.audiences). */
  audience?: string;
  /** The only namespaces served; undefined: every namespace. */
  namespaces?: ReadonlySet<string>;
  /** Grafana's JWKS (`https://grafana…/api/signing-keys/keys`), to verify X-Grafana-Id. */
  grafanaJwksUrl?: string;
  /** Grafana's keys given directly (instead of a URL). */
  grafanaKeys?: JWTVerifyGetKey;
  /** The ID tokens' issuer (Grafana's root URL), checked when given. */
  grafanaIssuer?: string;
  trustGrafanaUserHeader?: boolean;
  userPrefix?: string;
  groups?: readonly string[];
  maxConcurrentReviews?: number;
  requestsPerMinute?: number;
  maxHoldSeconds?: number;
  /**
   * The base policy a scale's bounds come from (under the job's annotations): the sidecar's, from the same
   * policy flags (the chart passes its policy values to both). Default: the policy's defaults.
   */
  policy?: PolicyConfig;
  clock?: () => number;
  /** The line of a finished request (a manual scale carried out at info, a refusal warn, others debug). */
  log?: RequestLog;
  /** Other structured lines (an Event not written). */
  warn?: (message: string, fields: Record<string, unknown>) => void;
  processMetrics?: boolean;
  /** This replica's name in Events (default: the host name). */
  instance?: string;
}

const BASE = '/api/v1/namespaces/:namespace/flinkdeployments/:name';

function jobOf(req: Request): { namespace: string; name: string } {
  return { namespace: String(req.params['namespace']), name: String(req.params['name']) };
}

export function createGatewayApp(deps: GatewayDeps): Express {
  const clock = deps.clock ?? Date.now;
  const connection = deps.connection;
  const metrics = new GatewayMetrics(deps.processMetrics ?? false);
  const maxHoldSeconds = deps.maxHoldSeconds ?? DEFAULT_MAX_HOLD_SECONDS;
  const policy = deps.policy ?? DEFAULT_CONFIG;
  const limiter = new RateLimiter(deps.requestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE, clock);
  const reviews = new Reviews({
    connection,
    audience: deps.audience ?? DEFAULT_AUDIENCE,
    gate: new ConcurrencyGate(deps.maxConcurrentReviews ?? DEFAULT_MAX_CONCURRENT_REVIEWS),
    clock,
    record: (kind, outcome, cached) => metrics.reviews.inc({ kind, outcome, cached: String(cached) }),
  });
  const keys = deps.grafanaKeys ?? (deps.grafanaJwksUrl ? grafanaKeys(deps.grafanaJwksUrl) : undefined);
  const authorizer = new Authorizer(reviews, {
    ...(keys === undefined ? {} : { grafanaKeys: keys }),
    ...(deps.grafanaIssuer === undefined ? {} : { grafanaIssuer: deps.grafanaIssuer }),
    trustGrafanaUserHeader: deps.trustGrafanaUserHeader ?? false,
    userPrefix: deps.userPrefix ?? DEFAULT_USER_PREFIX,
    groups: deps.groups ?? [],
    clock,
  });
  const instance = deps.instance ?? hostname();
  const warn = deps.warn ?? (() => undefined);
  const budget = withinBudget(limiter);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(
    observe({
      log: deps.log ?? (() => undefined),
      count: (context, status) =>
        metrics.requests.inc({ route: context.route ?? 'other', code: String(status) }),
    }),
  );

  app.get(`${BASE}/status`, jobTarget('status', deps.namespaces), budget, async (req, res) => {
    const { namespace, name } = jobOf(req);
    const caller = await authenticateCaller(req, reviews);
    contextOf(res).fields['caller'] = caller.username;
    let deployment;
    try {
      deployment = await readDeployment(connection, namespace, name);
    } catch (error) {
      throw kubeFailure(error, namespace, name);
    }
    res.setHeader('Cache-Control', 'no-store');
    res.json(statusOf(deployment));
  });
  app.all(`${BASE}/status`, methodNotAllowed('GET'));

  app.get(`${BASE}/scale/access`, jobTarget('access', deps.namespaces), budget, async (req, res) => {
    const { namespace, name } = jobOf(req);
    const subject = await authorizer.identify(req, res);
    const decision = await authorizer.mayScale(subject, namespace, name);
    const permission = scalePermission(namespace, name);
    contextOf(res).outcome = decision.allowed ? 'allowed' : 'denied';
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      allowed: decision.allowed,
      user: subject.username,
      reason: decision.allowed
        ? `${subject.username} may ${permission}`
        : `${subject.username} may not scale this job: that needs ${permission}` +
          (decision.reason ? ` (${decision.reason})` : ''),
      permission,
    });
  });
  app.all(`${BASE}/scale/access`, methodNotAllowed('GET'));

  app.post(
    `${BASE}/scale`,
    jobTarget('scale', deps.namespaces),
    budget,
    // Any content type is read as JSON; compressed bodies are refused (415), larger ones too (413).
    express.raw({ type: () => true, limit: MAX_BODY_BYTES, inflate: false }),
    async (req: Request, res: Response) => {
      const context = contextOf(res);
      const { namespace, name } = jobOf(req);
      const body = parseScaleBody(req.body, maxHoldSeconds);
      Object.assign(context.fields, {
        replicas: body.replicas,
        holdSeconds: body.holdSeconds,
        dryRun: body.dryRun,
      });
      let done;
      try {
        const subject = await authorizer.identify(req, res);
        await authorizer.requireScale(subject, namespace, name);
        done = await carryOut({ connection, namespace, name, body, policy, by: subject.username, clock });
      } catch (error) {
        metrics.scales.inc({ outcome: 'refused' });
        throw error;
      }
      const { hold, paused } = done;
      context.outcome = body.dryRun ? 'dry-run' : 'scaled';
      metrics.scales.inc({ outcome: context.outcome });
      Object.assign(context.fields, { from: hold.from, to: hold.replicas, holdUntil: hold.until, paused });
      if (!body.dryRun) {
        await recordScale(connection, done, body.reason, instance).catch((error: Error) =>
          warn('scale event not written', { flinkdeployment: `${namespace}/${name}`, error: error.message }),
        );
      }
      res.setHeader('Cache-Control', 'no-store');
      res.json({
        from: hold.from ?? null,
        to: hold.replicas,
        holdUntil: hold.until,
        by: hold.by,
        dryRun: body.dryRun,
        paused,
      });
    },
  );
  app.all(`${BASE}/scale`, methodNotAllowed('POST'));

  app.use(probeRoutes(() => metrics.text()));
  app.use(notFound);
  app.use(gatewayErrorHandler);
  return app;
}
