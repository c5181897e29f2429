/** Request and response plumbing shared by every handler: JSON bodies, Status errors, warnings, write options. */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { PacedWriter } from './paced-writer.js';
import { badRequest, internalError, StatusError, unsupportedMediaType } from './status.js';

/** How unknown fields are treated on a write (`fieldValidation`; the apiserver's default is Warn). */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteOptions {
  fieldValidation: FieldValidation;
  dryRun: boolean;
}

/** The query string of a request, as URLSearchParams (express's parsed `req.query` flattens repeats). */
export function queryOf(req: Request): URLSearchParams {
  const at = req.originalUrl.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : req.originalUrl.slice(at + 1));
}

/**
 * A boolean query parameter as the apiserver converts it (Convert_Slice_string_To_bool): absent is false,
 * `0` and `false` (any case) are false, anything else, even an empty value, is true.
 */
export function queryBool(query: URLSearchParams, name: string): boolean {
  const values = query.getAll(name);
  if (values.length === 0) return false;
  const first = values[0] ?? '';
  return !(first === '0' || first.toLowerCase() === 'false');
}

export function writeOptions(req: Request): WriteOptions {
  const query = queryOf(req);
  const requested = query.get('fieldValidation');
  const fieldValidation: FieldValidation =
    requested === 'Strict' || requested === 'Ignore' || requested === 'Warn' ? requested : 'Warn';
  return { fieldValidation, dryRun: query.getAll('dryRun').includes('All') };
}

/** The headers the apiserver puts on every answer. */
function commonHeaders(res: Response): void {
  res.setHeader('Audit-Id', randomUUID());
  res.setHeader('Cache-Control', 'no-cache, private');
}

/** Sends a JSON object, with the apiserver's `Warning: 299 - "..."` headers when there are warnings. */
export function sendObject(
  res: Response,
  code: number,
  body: unknown,
  warnings: readonly string[] = [],
): void {
  commonHeaders(res);
  if (warnings.length > 0)
    res.setHeader(
      'Warning',
      warnings.map((w) => `299 - ${JSON.stringify(w)}`),
    );
  // Not res.json/res.send: they add `; charset=utf-8`, which the apiserver does not.
  res.status(code).setHeader('Content-Type', 'application/json');
  const text = Buffer.from(JSON.stringify(body), 'utf8');
  const writer = PacedWriter.for(res);
  if (text.length <= writer.maxBytes) {
    res.end(text);
    return;
  }
  // Larger than one write: chunked, in pieces, as the Go server streams an answer past its buffer.
  writer.write(text);
  writer.end();
}

/** Sends any thrown error: a StatusError as its Status, anything else as 500 InternalError. */
export function sendError(res: Response, error: unknown): void {
  const statusError =
    error instanceof StatusError ? error : internalError((error as Error).message ?? String(error));
  for (const [name, value] of Object.entries(statusError.headers)) res.setHeader(name, value);
  sendObject(res, statusError.status.code, statusError.status);
}

/** The raw request body (every content type is read raw by the server); empty when there is none. */
export function bodyBytes(req: Request): Buffer {
  const body: unknown = req.body;
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}

/** The raw request body as text (every content type is read raw by the server). */
export function bodyText(req: Request): string {
  const body: unknown = req.body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  return typeof body === 'string' ? body : '';
}

/** The request body parsed as JSON: 415 for other encodings (protobuf, YAML, CBOR), 400 when it is not JSON. */
export function jsonBody(req: Request): unknown {
  const type = contentType(req);
  if (type !== '' && type !== 'application/json' && !type.endsWith('+json')) {
    throw unsupportedMediaType(['application/json']);
  }
  const text = bodyText(req);
  if (text.trim() === '') throw badRequest('the body of the request was empty');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(`error decoding the request body: ${(error as Error).message}`);
  }
}

/** The Content-Type of a request without parameters (`; charset=utf-8`). */
export function contentType(req: Request): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Does the client ask for server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`)? */
export function wantsTable(req: Request): boolean {
  return (req.headers.accept ?? '')
    .split(',')
    .some((type) => /;\s*as=Table/.test(type) && /g=meta\.k8s\.io/.test(type));
}

/** Wraps a handler so that whatever it throws becomes a Status answer. */
export function handle(fn: (req: Request, res: Response) => void): (req: Request, res: Response) => void {
  return (req, res) => {
    try {
      fn(req, res);
    } catch (error) {
      sendError(res, error);
    }
  };
}

/** `handle` for handlers that wait (admission webhooks): a rejected promise becomes a Status answer too. */
export function handleAsync(
  fn: (req: Request, res: Response) => Promise<void>,
): (req: Request, res: Response) => void {
  return (req, res) => {
    fn(req, res).catch((error: unknown) => sendError(res, error));
  };
}
