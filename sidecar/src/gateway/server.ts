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
 * the bounds (422), a rescale in progress (409), ONE merge patch with the resourceVersion, the replicas and
 * the hold (a conflict is re-read and retried once), and an Event naming the person. The gateway never
 * contacts a pod and never forwards a credential.
 */
import { hostname } from 'node:os';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { JWTVerifyGetKey } from 'jose';
import { contextOf, observe } from '../http/context.js';
import { HttpError, methodNotAllowed, notFound } from '../http/errors.js';
import { probeRoutes } from '../http/probe-routes.js';
import { KubeError } from '../kube/api-error.js';
import type { KubeConnection } from '../kube/connection.js';
import { specReplicas, type FlinkDeployment } from '../kube/deployment.js';
import { createEvent } from '../kube/event.js';
import { holdOf as holdOfDeployment, pausedOf, type Hold } from '../kube/manual-hold.js';
import { authenticateCaller } from './caller.js';
import { ForbiddenError, gatewayErrorHandler, kubeFailure } from './errors.js';
import { judgeScale, readDeployment, statusOf, writeScale } from './flink-deployment.js';
import { ConcurrencyGate, RateLimiter } from './limits.js';
import { GatewayMetrics } from './metrics.js';
import { NAME } from './names.js';
import { DEFAULT_USER_PREFIX, grafanaKeys, personOf, type PersonOptions } from './person.js';
import { Reviews, type UserInfo } from './reviews.js';
import { DEFAULT_MAX_HOLD_SECONDS, MAX_BODY_BYTES, parseScaleBody } from './scale-body.js';

export const DEFAULT_AUDIENCE = 'flink-autoscaler-gateway';
export const DEFAULT_MAX_CONCURRENT_REVIEWS = 16;
export const DEFAULT_REQUESTS_PER_MINUTE = 60;

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
  clock?: () => number;
  /** One structured line per request. */
  log?: (fields: Record<string, unknown>) => void;
  /** Other structured lines (an Event not written). */
  warn?: (message: string, fields: Record<string, unknown>) => void;
  processMetrics?: boolean;
  /** This replica's name in Events (default: the host name). */
  instance?: string;
}

type Route = 'scale' | 'access' | 'status';

/** A write whose answer was lost (5xx, timeout, reset after sending): it may have been applied. */
function writeMayHaveHappened(error: unknown): boolean {
  return error instanceof KubeError && (error as { mayHaveHappened?: boolean }).mayHaveHappened === true;
}

/** Whether the FlinkDeployment carries exactly this hold and its replicas (our write went through). */
function wrote(deployment: FlinkDeployment, hold: Hold): boolean {
  const now = holdOfDeployment(deployment);
  return (
    now.ok &&
    now.hold?.at === hold.at &&
    now.hold.by === hold.by &&
    now.hold.replicas === hold.replicas &&
    specReplicas(deployment) === hold.replicas
  );
}

const ASSERT_PERMISSION = (user: string) => `assert people (flink-autoscaler.io) named ${user}`;
export const scalePermission = (namespace: string, name: string) =>
  `update flinkdeployments/scale (flink.apache.org) on ${namespace}/${name}`;

export function createGatewayApp(deps: GatewayDeps): Express {
  const clock = deps.clock ?? Date.now;
  const connection = deps.connection;
  const metrics = new GatewayMetrics(deps.processMetrics ?? false);
  const maxHoldSeconds = deps.maxHoldSeconds ?? DEFAULT_MAX_HOLD_SECONDS;
  const limiter = new RateLimiter(deps.requestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE, clock);
  const reviews = new Reviews({
    connection,
    audience: deps.audience ?? DEFAULT_AUDIENCE,
    gate: new ConcurrencyGate(deps.maxConcurrentReviews ?? DEFAULT_MAX_CONCURRENT_REVIEWS),
    clock,
    record: (kind, outcome, cached) => metrics.reviews.inc({ kind, outcome, cached: String(cached) }),
  });
  const keys = deps.grafanaKeys ?? (deps.grafanaJwksUrl ? grafanaKeys(deps.grafanaJwksUrl) : undefined);
  const personOptions: PersonOptions = {
    ...(keys === undefined ? {} : { grafanaKeys: keys }),
    ...(deps.grafanaIssuer === undefined ? {} : { grafanaIssuer: deps.grafanaIssuer }),
    trustGrafanaUserHeader: deps.trustGrafanaUserHeader ?? false,
    userPrefix: deps.userPrefix ?? DEFAULT_USER_PREFIX,
    groups: deps.groups ?? [],
    clock,
  };
  const instance = deps.instance ?? hostname();
  const warn = deps.warn ?? (() => undefined);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(
    observe({
      log: deps.log ?? (() => undefined),
      clock,
      count: (context, status) =>
        metrics.requests.inc({ route: context.route ?? 'other', code: String(status) }),
    }),
  );

  /** The path's job, checked; the route named for logs and metrics. */
  const target = (route: Route) => (req: Request, res: Response, next: NextFunction) => {
    const context = contextOf(res);
    context.route = route;
    const namespace = String(req.params['namespace']);
    const name = String(req.params['name']);
    if (!NAME.test(namespace) || !NAME.test(name) || namespace.length > 63 || name.length > 253) {
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
    next();
  };

  const limit = (req: Request, _res: Response, next: NextFunction) => {
    const decision = limiter.take(req.socket.remoteAddress ?? 'unknown');
    if (!decision.ok) {
      const who = decision.scope === 'caller' ? 'from one address' : 'in all';
      const budget = decision.scope === 'caller' ? limiter.perMinute : limiter.globalPerMinute;
      throw new HttpError(
        429,
        'throttled',
        `at most ${budget} requests per minute ${who} (--requests-per-minute): try again in ${decision.retryAfterSeconds} s`,
        { headers: { 'Retry-After': String(decision.retryAfterSeconds) } },
      );
    }
    next();
  };

  /** The caller, the person it speaks for (checked), and who the scale is decided for. */
  const identify = async (req: Request, res: Response): Promise<UserInfo> => {
    const context = contextOf(res);
    const caller = await authenticateCaller(req, reviews);
    context.fields['caller'] = caller.username;
    context.fields['callerVia'] = caller.via;
    const person = await personOf(req, personOptions);
    if (person === undefined) return caller;
    context.fields['user'] = person.username;
    context.fields['userFrom'] = person.source;
    const speaks = await reviews.mayDo(caller, {
      verb: 'assert',
      group: 'flink-autoscaler.io',
      resource: 'people',
      name: person.username,
    });
    if (!speaks.allowed) {
      throw new ForbiddenError(
        `${caller.username} may not speak for people: naming ${person.username} needs ` +
          `${ASSERT_PERMISSION(person.username)} (a virtual permission the chart grants Grafana's service account)`,
        ASSERT_PERMISSION(person.username),
        speaks.reason || undefined,
      );
    }
    return person;
  };

  const mayScale = async (subject: UserInfo, namespace: string, name: string) =>
    reviews.mayDo(subject, {
      namespace,
      verb: 'update',
      group: 'flink.apache.org',
      resource: 'flinkdeployments',
      subresource: 'scale',
      name,
    });

  const read = async (namespace: string, name: string): Promise<FlinkDeployment> => {
    try {
      return await readDeployment(connection, namespace, name);
    } catch (error) {
      throw kubeFailure(error, namespace, name);
    }
  };

  app.get(
    '/api/v1/namespaces/:namespace/flinkdeployments/:name/status',
    target('status'),
    limit,
    async (req: Request, res: Response) => {
      const namespace = String(req.params['namespace']);
      const name = String(req.params['name']);
      const caller = await authenticateCaller(req, reviews);
      contextOf(res).fields['caller'] = caller.username;
      res.setHeader('Cache-Control', 'no-store');
      res.json(statusOf(await read(namespace, name)));
    },
  );
  app.all('/api/v1/namespaces/:namespace/flinkdeployments/:name/status', methodNotAllowed('GET'));

  app.get(
    '/api/v1/namespaces/:namespace/flinkdeployments/:name/scale/access',
    target('access'),
    limit,
    async (req: Request, res: Response) => {
      const namespace = String(req.params['namespace']);
      const name = String(req.params['name']);
      const subject = await identify(req, res);
      const decision = await mayScale(subject, namespace, name);
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
    },
  );
  app.all('/api/v1/namespaces/:namespace/flinkdeployments/:name/scale/access', methodNotAllowed('GET'));

  app.post(
    '/api/v1/namespaces/:namespace/flinkdeployments/:name/scale',
    target('scale'),
    limit,
    // Any content type is read as JSON; compressed bodies are refused (415), larger ones too (413).
    express.raw({ type: () => true, limit: MAX_BODY_BYTES, inflate: false }),
    async (req: Request, res: Response) => {
      const context = contextOf(res);
      const namespace = String(req.params['namespace']);
      const name = String(req.params['name']);
      const body = parseScaleBody(req.body, maxHoldSeconds);
      Object.assign(context.fields, {
        replicas: body.replicas,
        holdSeconds: body.holdSeconds,
        dryRun: body.dryRun,
      });
      const subject = await identify(req, res);
      const decision = await mayScale(subject, namespace, name);
      const permission = scalePermission(namespace, name);
      if (!decision.allowed) {
        metrics.scales.inc({ outcome: 'forbidden' });
        throw new ForbiddenError(
          `${subject.username} may not scale ${namespace}/${name}: that needs ${permission}, granted by a ` +
            'Role or ClusterRole binding to that user or one of its groups',
          permission,
          decision.reason || undefined,
        );
      }
      let deployment = await read(namespace, name);
      const now = clock();
      judgeScale(deployment, body.replicas, now);
      const at = new Date(now);
      const holdOf = (current: FlinkDeployment): Hold => {
        const from = specReplicas(current);
        return {
          replicas: body.replicas,
          ...(from === undefined ? {} : { from }),
          by: subject.username.slice(0, 256),
          reason: body.reason,
          at: at.toISOString(),
          until: new Date(now + body.holdSeconds * 1000).toISOString(),
        };
      };
      let hold = holdOf(deployment);
      /** Writes, or finds the write done when its answer was lost; throws the caller's answer otherwise. */
      const write = async (current: FlinkDeployment, wanted: Hold): Promise<FlinkDeployment> => {
        try {
          return await writeScale(connection, current, wanted);
        } catch (error) {
          if (!writeMayHaveHappened(error)) throw error;
          const now = await read(namespace, name);
          if (wrote(now, wanted)) return now;
          throw error;
        }
      };
      if (!body.dryRun) {
        try {
          deployment = await write(deployment, hold);
        } catch (error) {
          if (!(error instanceof KubeError) || error.failure !== 'conflict') {
            metrics.scales.inc({ outcome: 'failed' });
            throw kubeFailure(error, namespace, name);
          }
          // Someone wrote in between: judge the new version and write once more.
          deployment = await read(namespace, name);
          judgeScale(deployment, body.replicas, clock());
          hold = holdOf(deployment);
          try {
            deployment = await write(deployment, hold);
          } catch (again) {
            metrics.scales.inc({ outcome: 'failed' });
            throw kubeFailure(again, namespace, name);
          }
        }
      }
      const paused = pausedOf(deployment);
      context.outcome = body.dryRun ? 'dry-run' : 'scaled';
      metrics.scales.inc({ outcome: context.outcome });
      Object.assign(context.fields, { from: hold.from, to: hold.replicas, holdUntil: hold.until, paused });
      if (!body.dryRun) {
        await createEvent(
          connection,
          {
            namespace,
            involvedObject: {
              apiVersion: 'flink.apache.org/v1beta1',
              kind: 'FlinkDeployment',
              name,
              ...(deployment.metadata.uid === undefined ? {} : { uid: deployment.metadata.uid }),
              ...(deployment.metadata.resourceVersion === undefined
                ? {}
                : { resourceVersion: deployment.metadata.resourceVersion }),
            },
            type: 'Normal',
            reason: 'ManualScale',
            message:
              `${hold.by} scaled the TaskManagers from ${hold.from ?? 'unset'} to ${hold.replicas}; the autoscaler ` +
              `holds until ${hold.until}${paused ? ' (and stays paused: flink-autoscaler.io/paused)' : ''}. ` +
              `Reason: ${body.reason}`,
            action: 'Scale',
            component: 'flink-autoscaler-gateway',
            instance,
          },
          at,
        ).catch((error: Error) =>
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
  app.all('/api/v1/namespaces/:namespace/flinkdeployments/:name/scale', methodNotAllowed('POST'));

  app.use(probeRoutes(() => metrics.text()));
  app.use(notFound);
  app.use(gatewayErrorHandler);
  return app;
}
