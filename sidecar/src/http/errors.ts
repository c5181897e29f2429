/**
 * Errors at the HTTP boundary: every refusal is an `HttpError` with a status, a short reason code and a
 * message a person can act on, and leaves as `{"error": {"status", "reason", "message"}}`. Anything else
 * thrown (a bug, a failing dependency) becomes a 500 whose detail goes to the log, not to the caller.
 */
import type { NextFunction, Request, Response } from 'express';
import { contextOf } from './context.js';

export class HttpError extends Error {
  readonly status: number;
  /** A short, stable code (`invalid-body`, `forbidden`, …): for programs, metrics and logs. */
  readonly reason: string;
  /** Extra response headers (Retry-After, WWW-Authenticate, Allow). */
  readonly headers: Readonly<Record<string, string>>;
  /** What only the log should see (a dependency's own message). */
  readonly detail: string | undefined;

  constructor(
    status: number,
    reason: string,
    message: string,
    options: { headers?: Record<string, string>; detail?: string } = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.reason = reason;
    this.headers = options.headers ?? {};
    this.detail = options.detail;
  }
}

export interface ErrorBody {
  error: { status: number; reason: string; message: string };
}

export function errorBody(error: HttpError): ErrorBody {
  return { error: { status: error.status, reason: error.reason, message: error.message } };
}

/** Writes an HttpError as the JSON error body, and notes its reason for the log and the metrics. */
export function sendError(res: Response, error: HttpError): void {
  const context = contextOf(res);
  context.reason = error.reason;
  if (error.detail !== undefined) context.fields['detail'] = error.detail;
  if (res.headersSent) {
    res.end();
    return;
  }
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.setHeader('Cache-Control', 'no-store');
  res.status(error.status).json(errorBody(error));
}

/** What body-parser and Node throw about a request body, as http-errors shapes them. */
interface ParserError {
  type?: unknown;
  status?: unknown;
  limit?: unknown;
}

const KIB = 1024;

/** Turns whatever was thrown into the HttpError to answer with. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const parser = (typeof error === 'object' && error !== null ? error : {}) as ParserError;
  switch (parser.type) {
    case 'entity.parse.failed':
      return new HttpError(400, 'invalid-json', 'the request body is not valid JSON');
    case 'entity.too.large': {
      const limit = typeof parser.limit === 'number' ? parser.limit : undefined;
      const size = limit === undefined ? '' : ` (at most ${Math.round(limit / KIB)} KiB)`;
      return new HttpError(413, 'body-too-large', `the request body is too large${size}`);
    }
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError(
        415,
        'unsupported-encoding',
        'send the body as uncompressed UTF-8 JSON (no Content-Encoding)',
      );
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return new HttpError(400, 'bad-request', 'the request body could not be read');
  }
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new HttpError(500, 'internal', 'the sidecar failed to answer; its log has the detail', { detail });
}

/** The last handlers of the app: JSON 404 for unknown paths, and every error as a JSON error body. */
export function notFound(req: Request, _res: Response, next: NextFunction): void {
  next(new HttpError(404, 'not-found', `no such endpoint: ${req.method} ${req.path}`));
}

export function errorHandler(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) {
    next(error);
    return;
  }
  sendError(res, toHttpError(error));
}

/** A handler for the methods a path does not take. */
export function methodNotAllowed(...allowed: string[]) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    next(
      new HttpError(405, 'method-not-allowed', `${req.path} takes ${allowed.join(', ')}, not ${req.method}`, {
        headers: { Allow: allowed.join(', ') },
      }),
    );
  };
}
