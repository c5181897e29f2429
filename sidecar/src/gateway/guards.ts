/**
 * What every API route checks first, before any review: the path names a Kubernetes namespace and name in
 * a served namespace (400, 404), and the caller's IP and the gateway are within their request budgets (429).
 */
import type { NextFunction, Request, Response } from 'express';
import { contextOf } from '../http/context.js';
import { HttpError } from '../http/errors.js';
import type { RateLimiter } from './limits.js';
import { NAME } from './names.js';

export type Route = 'scale' | 'access' | 'status';

/** The job of the path, checked; the route named for logs and metrics. */
export function jobTarget(route: Route, namespaces: ReadonlySet<string> | undefined) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const context = contextOf(res);
    context.route = route;
    const namespace = String(req.params['namespace']);
    const name = String(req.params['name']);
    if (!NAME.test(namespace) || !NAME.test(name) || namespace.length > 63 || name.length > 253) {
      throw new HttpError(400, 'bad-name', `${namespace}/${name} is not a Kubernetes namespace and name`);
    }
    context.fields['flinkdeployment'] = `${namespace}/${name}`;
    if (namespaces !== undefined && !namespaces.has(namespace)) {
      const served = [...namespaces].join(', ') || 'no namespace';
      throw new HttpError(
        404,
        'namespace-not-served',
        `this gateway serves FlinkDeployments in ${served} only (--namespaces), not in ${namespace}`,
      );
    }
    next();
  };
}

/** One request from the caller's IP's budget and the gateway's, or 429 with Retry-After. */
export function withinBudget(limiter: RateLimiter) {
  return (req: Request, _res: Response, next: NextFunction): void => {
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
}
