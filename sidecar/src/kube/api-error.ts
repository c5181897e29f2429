/** Kubernetes API failures, classified by what the caller should do about them. */

/**
 * - `expired` (410): the resourceVersion or continue token is too old; list again.
 * - `conflict` (409), `not-found` (404), `forbidden` (403), `unauthorized` (401).
 * - `throttled` (429): API Priority and Fairness; wait `retryAfterSeconds`.
 * - `invalid` (400, 422 and other 4xx): the request is wrong; repeating it cannot help.
 * - `server-error` (5xx, or a 2xx answer that is not what was asked for).
 * - `unreachable`: no connection was made (refused, DNS, TLS); nothing was sent.
 * - `timeout`: the request was sent and no (complete) answer came: a client timeout, a reset, a silent watch.
 */
export type KubeFailure =
  | 'expired'
  | 'conflict'
  | 'not-found'
  | 'forbidden'
  | 'unauthorized'
  | 'throttled'
  | 'invalid'
  | 'server-error'
  | 'unreachable'
  | 'timeout';

export interface KubeErrorDetails {
  /** A write whose answer was lost (5xx, timeout, reset after sending): read back before assuming it failed. */
  mayHaveHappened?: boolean;
  /** How long the server asked to wait (Retry-After or the Status' `details.retryAfterSeconds`). */
  retryAfterSeconds?: number;
  /** A stream (a watch) the other side cut after it had been open: the server may have restarted. */
  dropped?: boolean;
}

export class KubeError extends Error {
  readonly failure: KubeFailure;
  readonly status: number | undefined;
  readonly mayHaveHappened: boolean;
  readonly retryAfterSeconds?: number;
  readonly dropped: boolean;
  constructor(failure: KubeFailure, message: string, status?: number, details: KubeErrorDetails = {}) {
    super(message);
    this.name = 'KubeError';
    this.failure = failure;
    this.status = status;
    this.mayHaveHappened = details.mayHaveHappened ?? false;
    this.dropped = details.dropped ?? false;
    if (details.retryAfterSeconds !== undefined) this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

const FAILURE_BY_STATUS: Record<number, KubeFailure> = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  410: 'expired',
  422: 'invalid',
  429: 'throttled',
};

/** What an HTTP status means; 5xx (and anything outside 4xx) is the server's failure. */
export function failureOfStatus(status: number): KubeFailure {
  const known = FAILURE_BY_STATUS[status];
  if (known !== undefined) return known;
  return status >= 400 && status < 500 ? 'invalid' : 'server-error';
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date), if it is one. */
export function retryAfterOf(header: string | undefined, now = Date.now()): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

export interface AnswerContext {
  /** A write (anything but GET): a 5xx may have been committed before it was answered. */
  write?: boolean;
  /** The Retry-After header, if any. */
  retryAfter?: string | undefined;
}

/** A KubeError from an HTTP status and the answer's body (a `Status` object's message when it is one). */
export function kubeErrorOf(
  status: number,
  body: string,
  what: string,
  context: AnswerContext = {},
): KubeError {
  let message = body.trim();
  let retryAfterSeconds = retryAfterOf(context.retryAfter);
  try {
    const parsed = JSON.parse(body) as { message?: unknown; details?: { retryAfterSeconds?: unknown } };
    if (typeof parsed.message === 'string') message = parsed.message;
    const inStatus = parsed.details?.retryAfterSeconds;
    if (retryAfterSeconds === undefined && typeof inStatus === 'number' && inStatus >= 0)
      retryAfterSeconds = inStatus;
  } catch {
    // not JSON: keep the text
  }
  if (message.length > 500) message = `${message.slice(0, 500)}…`;
  const failure = failureOfStatus(status);
  return new KubeError(failure, `${what}: HTTP ${status}${message ? `: ${message}` : ''}`, status, {
    mayHaveHappened: failure === 'server-error' && context.write === true,
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  });
}
