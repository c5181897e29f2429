/**
 * One request's record: an id, what the handlers learned (who called, what they asked, the outcome), and
 * when it ends, one structured log line and the counters. Nothing here ever holds the bearer token.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface RequestContext {
  id: string;
  startedAt: number;
  /** Which route counted it (`scale`, `status`, …); unset for unknown paths. */
  route?: string;
  /** The short code of the refusal, when there was one. */
  reason?: string;
  /** The outcome of a manual scale (`scaled`, `dry-run`), when it went through. */
  outcome?: string;
  /** Who the TokenReview says the caller is, once it has. */
  caller?: { user: string; groups: string[] };
  /** A 503 from /readyz reports a state, not a failure of the API. */
  notAnError?: boolean;
  /** Everything else worth logging: user, groups, Grafana user, replicas, from, to, … */
  fields: Record<string, unknown>;
}

const contexts = new WeakMap<Response, RequestContext>();

/** The context of a request (made on first use, so handlers outside the app's middleware still get one). */
export function contextOf(res: Response): RequestContext {
  let context = contexts.get(res);
  if (context === undefined) {
    context = { id: randomUUID(), startedAt: performance.now(), fields: {} };
    contexts.set(res, context);
  }
  return context;
}

/** Takes the caller's X-Request-Id when it is a plain token, otherwise makes one. */
function requestIdOf(req: Request): string {
  const given = req.get('x-request-id');
  return given !== undefined && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

export interface Observer {
  log: (fields: Record<string, unknown>) => void;
  clock: () => number;
  /** Called once per finished request with its status. */
  count: (context: RequestContext, status: number) => void;
}

/** Paths a prober or a scraper calls every few seconds: logged at debug level when they succeed. */
const QUIET = new Set(['/metrics', '/healthz', '/readyz']);

/**
 * The first middleware: gives the request its id (echoed as X-Request-Id) and, when the response is done
 * (or the caller went away), logs one JSON object and counts the outcome.
 */
export function observe(observer: Observer) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const context = contextOf(res);
    context.id = requestIdOf(req);
    context.startedAt = performance.now();
    res.setHeader('X-Request-Id', context.id);
    // Grafana's assertion of its logged-in user: logged beside the authenticated caller, never trusted.
    const grafanaUser = req.get('x-grafana-user');
    if (grafanaUser !== undefined && grafanaUser !== '')
      context.fields['grafanaUser'] = grafanaUser.slice(0, 256);
    res.once('close', () => {
      const status = res.statusCode;
      const finished = res.writableFinished;
      observer.count(context, status);
      const level: LogLevel = !finished
        ? 'warn'
        : status >= 500 && !context.notAnError
          ? 'error'
          : status >= 400
            ? 'warn'
            : QUIET.has(req.path)
              ? 'debug'
              : 'info';
      const entry: Record<string, unknown> = {
        time: new Date(observer.clock()).toISOString(),
        level,
        msg: 'http request',
        requestId: context.id,
        method: req.method,
        path: req.path,
        status,
        remote: req.socket.remoteAddress,
        ...(context.reason === undefined ? {} : { reason: context.reason }),
        ...(context.outcome === undefined ? {} : { outcome: context.outcome }),
        ...context.fields,
        durationMs: Math.round((performance.now() - context.startedAt) * 10) / 10,
        ...(finished ? {} : { aborted: true }),
      };
      try {
        observer.log(entry);
      } catch {
        // A failing logger must not take the server down.
      }
    });
    next();
  };
}

/** The default log: one JSON line on stdout. */
export function jsonLine(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(fields)}\n`);
}
