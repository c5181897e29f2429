/** Kubernetes API failures, classified by what the caller should do about them. */

export type KubeFailure =
  'conflict' | 'not-found' | 'forbidden' | 'unauthorized' | 'throttled' | 'invalid' | 'unavailable';

export class KubeError extends Error {
  readonly failure: KubeFailure;
  readonly status: number | undefined;
  constructor(failure: KubeFailure, message: string, status?: number) {
    super(message);
    this.name = 'KubeError';
    this.failure = failure;
    this.status = status;
  }
}

const FAILURE_BY_STATUS: Record<number, KubeFailure> = {
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  422: 'invalid',
  429: 'throttled',
};

/** A KubeError from an HTTP status and the answer's body (a `Status` object's message when it is one). */
export function kubeErrorOf(status: number, body: string, what: string): KubeError {
  let message = body.trim();
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // not JSON: keep the text
  }
  if (message.length > 500) message = `${message.slice(0, 500)}…`;
  const failure = FAILURE_BY_STATUS[status] ?? 'unavailable';
  return new KubeError(failure, `${what}: HTTP ${status}${message ? `: ${message}` : ''}`, status);
}
