/**
 * The gateway's error answers: `{"error": {"status", "reason", "message", "permission"?}}`. A refusal for a
 * missing right names the permission as a person would grant it; a Kubernetes failure becomes the answer a
 * caller can act on (404, 409, 503), its own message kept for the log.
 */
import type { NextFunction, Request, Response } from 'express';
import { KubeError } from '../kube/api-error.js';
import { contextOf } from '../http/context.js';
import { HttpError, toHttpError } from '../http/errors.js';

export class ForbiddenError extends HttpError {
  constructor(
    message: string,
    readonly permission: string,
    detail?: string,
  ) {
    super(403, 'forbidden', message, detail === undefined ? {} : { detail });
  }
}

/** A failed Kubernetes call of the gateway's own, as the answer to give. */
export function kubeFailure(error: unknown, namespace: string, name: string): unknown {
  if (!(error instanceof KubeError)) return error;
  switch (error.failure) {
    case 'not-found':
      return new HttpError(404, 'not-found', `there is no FlinkDeployment ${namespace}/${name}`, {
        detail: error.message,
      });
    case 'conflict':
      return new HttpError(
        409,
        'conflict',
        `FlinkDeployment ${namespace}/${name} changed while the gateway wrote it: read it again and retry`,
        { detail: error.message },
      );
    case 'forbidden':
      return new HttpError(
        503,
        'kubernetes-unavailable',
        `the gateway's service account may not read or patch FlinkDeployments (or create Events) in ${namespace}: ` +
          'grant it get and patch on flinkdeployments and create on events there (the chart does, per job namespace)',
        { detail: error.message },
      );
    case 'invalid':
      return new HttpError(422, 'invalid', `the Kubernetes API refused the change: ${error.message}`, {
        detail: error.message,
      });
    default:
      return new HttpError(
        503,
        'kubernetes-unavailable',
        'the Kubernetes API failed; nothing may have been written: read the FlinkDeployment before trying again',
        { detail: error.message },
      );
  }
}

export function gatewayErrorHandler(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) {
    next(error);
    return;
  }
  const known =
    error instanceof HttpError
      ? error
      : error instanceof Error && !('type' in error)
        ? new HttpError(500, 'internal', 'the gateway failed to answer; its log has the detail', {
            detail: `${error.name}: ${error.message}`,
          })
        : toHttpError(error);
  const context = contextOf(res);
  context.reason = known.reason;
  if (known.detail !== undefined) context.fields['detail'] = known.detail;
  for (const [header, value] of Object.entries(known.headers)) res.setHeader(header, value);
  res.setHeader('Cache-Control', 'no-store');
  res.status(known.status).json({
    error: {
      status: known.status,
      reason: known.reason,
      message: known.message,
      ...(known instanceof ForbiddenError ? { permission: known.permission } : {}),
    },
  });
}
