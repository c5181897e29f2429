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

/** Where a request's line goes: the process's logger (the loop's `Log` has this shape). */
export type RequestLog = (level: LogLevel, msg: string, fields: Record<string, unknown>) => void;

export interface Observer {
  log: RequestLog;
  /** Called once per finished request with its status. */
  count: (context: RequestContext, status: number) => void;
}

/** Paths a prober or a scraper calls every few seconds: not logged unless they fail with a real error. */
const QUIET = new Set(['/metrics', '/healthz', '/readyz']);

/**
 * The level of a finished request's line, or undefined for none: a real failure (5xx) is an error, a
 * refusal (4xx) or a caller gone before the answer a warning, a manual scale carried out (an action of a
 * person) info, and every other request debug. A probe or a scrape that succeeds, or answers with a state
 * (503 not ready), is not logged at all.
 */
export function requestLevel(
  path: string,
  status: number,
  finished: boolean,
  context: Pick<RequestContext, 'notAnError' | 'outcome'>,
): LogLevel | undefined {
  const failed = status >= 500 && !context.notAnError;
  if (QUIET.has(path)) return failed ? 'error' : undefined;
  if (failed) return 'error';
  if (!finished || status >= 400) return 'warn';
  return context.outcome === undefined ? 'debug' : 'info';
}

/**
 * The first middleware: gives the request its id (echoed as X-Request-Id) and, when the response is done
 * (or the caller went away), counts the outcome and logs one line (`http request`) at its level.
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
      const level = requestLevel(req.path, status, finished, context);
      if (level === undefined) return;
      const fields: Record<string, unknown> = {
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
        observer.log(level, 'http request', fields);
      } catch {
        // A failing logger must not take the server down.
      }
    });
    next();
  };
}

/** A log for a server started without one (tests, embedding): one JSON line on stdout, pino's schema. */
export function jsonLine(level: LogLevel, msg: string, fields: Record<string, unknown>): void {
  const time = new Date().toISOString();
  process.stdout.write(`${JSON.stringify({ level, time, ...fields, msg })}\n`);
}
