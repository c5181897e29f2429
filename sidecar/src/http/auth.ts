/**
 * Who may scale (architecture.md, "Who may scale"): the caller's bearer token goes to a TokenReview, and
 * the user it names to a SubjectAccessReview for `update` on `flinkdeployments/scale` of this sidecar's own
 * FlinkDeployment (KubeClient.mayScale; the namespace and name are the sidecar's, never the request's).
 * Fail closed: when a review cannot be made (API unreachable, 5xx, throttled, the sidecar itself
 * forbidden, no answer in time) the answer is 503 and nothing is done.
 */
import type { NextFunction, Request, Response } from 'express';
import { KubeError, type KubeClient } from '../kube/client.js';
import { contextOf } from './context.js';
import { HttpError } from './errors.js';

export type Reviewer = Pick<KubeClient, 'reviewToken' | 'mayScale'>;

export interface Caller {
  user: string;
  groups: string[];
}

/** The permission a caller needs, as a person would grant it. */
export const SCALE_PERMISSION = 'update on flinkdeployments/scale (API group flink.apache.org)';

const CHALLENGE = 'Bearer realm="flink-autoscaler"';

/** The token of an `Authorization: Bearer <token>` header; 401 when it is missing or malformed. */
export function bearerToken(header: string | undefined): string {
  if (header === undefined || header.trim() === '') {
    throw new HttpError(
      401,
      'unauthenticated',
      'send "Authorization: Bearer <token>" with a Kubernetes token of a user or service account ' +
        `allowed ${SCALE_PERMISSION} on this FlinkDeployment`,
      { headers: { 'WWW-Authenticate': CHALLENGE } },
    );
  }
  const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(header);
  const token = match?.[1];
  if (token === undefined) {
    throw new HttpError(
      401,
      'unauthenticated',
      'the Authorization header must be "Bearer <token>" (one token, no other scheme)',
      { headers: { 'WWW-Authenticate': `${CHALLENGE}, error="invalid_request"` } },
    );
  }
  return token;
}

/** Takes the token out of a text that may echo it (an error body), before it reaches a log or a caller. */
function redact(text: string, token: string | undefined): string {
  return token === undefined || token === '' ? text : text.split(token).join('[token]');
}

class ReviewTimeout extends Error {
  constructor(what: string, ms: number) {
    super(`${what}: no answer within ${ms} ms`);
    this.name = 'ReviewTimeout';
  }
}

/** Runs a review with a deadline; a synchronous throw counts as a failed review too. */
async function within<T>(what: string, ms: number, review: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new ReviewTimeout(what, ms)), ms);
  });
  try {
    return await Promise.race([Promise.resolve().then(review), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Why a review could not be made, as a 503 a person can act on; the client's own message goes to the log. */
export function reviewUnavailable(
  what: 'TokenReview' | 'SubjectAccessReview',
  error: unknown,
  token?: string,
): HttpError {
  const detail = redact(error instanceof Error ? error.message : String(error), token);
  const nothingDone = 'The request was refused and nothing was changed.';
  let message: string;
  if (error instanceof ReviewTimeout) {
    message = `The Kubernetes API did not answer the sidecar's ${what} in time, so the caller could not be checked. ${nothingDone} Try again later.`;
  } else if (error instanceof KubeError) {
    const status = error.status === undefined ? '' : ` (HTTP ${error.status})`;
    switch (error.failure) {
      case 'forbidden':
        message = `The sidecar's service account may not create a ${what}${status}: grant it create on tokenreviews and subjectaccessreviews (for example the ClusterRole system:auth-delegator). ${nothingDone}`;
        break;
      case 'unauthorized':
        message = `The Kubernetes API did not accept the sidecar's own credentials for the ${what}${status}: check its service account token. ${nothingDone}`;
        break;
      case 'throttled':
        message = `The Kubernetes API is throttling the sidecar's ${what}${status}. ${nothingDone} Try again shortly.`;
        break;
      default:
        message = `The sidecar could not make a ${what}: the Kubernetes API is unreachable or failing${status}. ${nothingDone} Try again later.`;
    }
  } else {
    message = `The sidecar could not make a ${what}. ${nothingDone} Try again later.`;
  }
  return new HttpError(503, 'authorization-unavailable', message, { detail });
}

/** TokenReview then SubjectAccessReview: the caller, or the HttpError to refuse with. */
export async function authorizeScale(
  kube: Reviewer,
  authorization: string | undefined,
  timeoutMs: number,
  /** Told who the caller is as soon as the TokenReview says (so a refusal is logged with the user). */
  authenticated: (caller: Caller) => void = () => undefined,
): Promise<Caller> {
  const token = bearerToken(authorization);
  let review: Awaited<ReturnType<Reviewer['reviewToken']>>;
  try {
    review = await within('TokenReview', timeoutMs, () => kube.reviewToken(token));
  } catch (error) {
    throw reviewUnavailable('TokenReview', error, token);
  }
  const user = review.user ?? '';
  if (!review.authenticated || user === '') {
    const why = review.error ? `: ${redact(review.error, token)}` : '';
    throw new HttpError(
      401,
      'invalid-token',
      `the Kubernetes API did not accept the bearer token (TokenReview)${why}; send a valid, unexpired token`,
      { headers: { 'WWW-Authenticate': `${CHALLENGE}, error="invalid_token"` } },
    );
  }
  const caller: Caller = { user, groups: [...(review.groups ?? [])] };
  authenticated(caller);
  let access: Awaited<ReturnType<Reviewer['mayScale']>>;
  try {
    access = await within('SubjectAccessReview', timeoutMs, () => kube.mayScale(caller.user, caller.groups));
  } catch (error) {
    throw reviewUnavailable('SubjectAccessReview', error, token);
  }
  if (access.allowed !== true) {
    const why = access.reason ? ` (${access.reason})` : '';
    throw new HttpError(
      403,
      'forbidden',
      `user "${caller.user}" may not scale this FlinkDeployment: that needs ${SCALE_PERMISSION} on it, ` +
        `granted by a Role or ClusterRole binding${why}`,
      { detail: access.reason || undefined },
    );
  }
  return caller;
}

/** Middleware: lets the request on only for a caller who may scale; the caller is in the request's context. */
export function requireScaleRight(kube: Reviewer, timeoutMs: number) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const context = contextOf(res);
    try {
      context.caller = await authorizeScale(kube, req.get('authorization'), timeoutMs, (caller) => {
        context.fields['user'] = caller.user;
        context.fields['groups'] = caller.groups;
      });
    } catch (error) {
      next(error);
      return;
    }
    next();
  };
}
