/**
 * POST /api/v1/scale: a person's manual scale. In order: the caller (bearer token → TokenReview →
 * SubjectAccessReview; 401, 403, 503), the body (400, 413), the bounds (422), the rate limit (429), then
 * the control loop's own checks and the scale itself (ScaleRefused's status, e.g. 409). A dry run goes
 * through every check and changes nothing. The user that counts is the one the TokenReview names.
 */
import express, { type Request, type Response, type Router } from 'express';
import { KubeError } from '../kube/client.js';
import { requireScaleRight, type Reviewer } from './auth.js';
import { contextOf } from './context.js';
import { ScaleRefused, type ManualScaleResult, type SidecarApi } from './contract.js';
import { HttpError, methodNotAllowed } from './errors.js';
import type { ScaleRateLimiter } from './rate-limit.js';
import { MAX_BODY_BYTES, parseScaleBody } from './scale-body.js';

export const SCALE_PATH = '/api/v1/scale';

/** The reason code of a ScaleRefused, by its status. */
const REFUSED: Record<ScaleRefused['status'], string> = {
  409: 'conflict',
  422: 'refused',
  429: 'rate-limited',
  503: 'unavailable',
};

/** What manualScale threw, as the answer to give. */
export function scaleFailure(error: unknown): unknown {
  if (error instanceof ScaleRefused) return new HttpError(error.status, REFUSED[error.status], error.message);
  if (error instanceof KubeError) {
    if (error.failure === 'conflict') return new HttpError(409, 'conflict', error.message);
    return new HttpError(
      503,
      'kubernetes-unavailable',
      `the scale could not be carried out: the Kubernetes API failed (${error.failure}); ` +
        'check the FlinkDeployment’s replica count before trying again',
      { detail: error.message },
    );
  }
  return error;
}

export interface ScaleRouteDeps {
  api: SidecarApi;
  kube: Reviewer;
  limiter: ScaleRateLimiter;
  reviewTimeoutMs: number;
}

export interface ScaleAnswer extends ManualScaleResult {
  user: string;
}

export function scaleRouter(deps: ScaleRouteDeps): Router {
  const { api, kube, limiter } = deps;
  const router = express.Router();

  const handle = async (req: Request, res: Response): Promise<void> => {
    const context = contextOf(res);
    const caller = context.caller;
    if (caller === undefined) throw new Error('the scale handler ran without an authorized caller');

    const body = parseScaleBody(req.body, Math.max(0, api.maxHoldSeconds()));
    Object.assign(context.fields, {
      replicas: body.replicas,
      holdSeconds: body.holdSeconds,
      dryRun: body.dryRun,
      note: body.reason,
    });

    const { min, max } = api.bounds();
    if (body.replicas < min || body.replicas > max) {
      throw new HttpError(
        422,
        'out-of-bounds',
        `replicas must be from ${min} to ${max} for this job (the policy's bounds, with max parallelism); ` +
          `${body.replicas} is outside`,
      );
    }

    // A dry run answers as the real scale would, without using up the budget.
    let release: () => void = () => undefined;
    if (body.dryRun) {
      const wait = limiter.wait();
      if (wait > 0) throw rateLimited(limiter.perMinute, wait);
    } else {
      const admission = limiter.admit();
      if (!admission.ok) throw rateLimited(limiter.perMinute, admission.retryAfterSeconds);
      release = admission.release;
    }

    let result: ManualScaleResult;
    try {
      result = await api.manualScale({
        replicas: body.replicas,
        reason: body.reason,
        holdSeconds: body.holdSeconds,
        user: caller.user,
        dryRun: body.dryRun,
      });
    } catch (error) {
      release();
      throw scaleFailure(error);
    }
    if (body.dryRun) release();

    context.outcome = body.dryRun ? 'dry-run' : 'scaled';
    Object.assign(context.fields, { from: result.from, to: result.to, holdUntil: result.holdUntil });
    const answer: ScaleAnswer = {
      from: result.from,
      to: result.to,
      holdUntil: result.holdUntil,
      dryRun: result.dryRun,
      user: caller.user,
    };
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).json(answer);
  };

  router.post(
    SCALE_PATH,
    (_req, res, next) => {
      contextOf(res).route = 'scale';
      next();
    },
    requireScaleRight(kube, deps.reviewTimeoutMs),
    // Any content type is read as JSON (the bytes must parse); compressed bodies are refused (415).
    express.raw({ type: () => true, limit: MAX_BODY_BYTES, inflate: false }),
    handle,
  );
  router.all(SCALE_PATH, methodNotAllowed('POST'));
  return router;
}

function rateLimited(perMinute: number, retryAfterSeconds: number): HttpError {
  return new HttpError(
    429,
    'rate-limited',
    `at most ${perMinute} manual scales per minute: try again in ${retryAfterSeconds} s`,
    { headers: { 'Retry-After': String(retryAfterSeconds) } },
  );
}
