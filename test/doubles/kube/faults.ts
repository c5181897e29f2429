/** Injected failures: 409 conflicts, 429 with Retry-After, 500, and slow answers, each for the next N matching requests. */
import type { Response } from 'express';
import { sendError } from './http.js';
import type { RequestAttributes } from './rbac.js';
import { conflict, internalError, tooManyRequests } from './status.js';

/** Which requests a fault applies to; every given field must match. */
export interface FaultMatch {
  verbs?: string[];
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  user?: string;
}

/**
 * A fault for the next `times` matching requests (default 1; `Infinity` until cleared). Conflicts match
 * writes (create, update, patch, delete) of stored resources by default; the others any resource request.
 */
export type Fault =
  | { kind: 'conflict'; times?: number; match?: FaultMatch }
  | {
      kind: 'tooManyRequests';
      times?: number;
      retryAfterSeconds?: number;
      /** `text`: the apiserver's flow-control rejection (plain text); `status`: a TooManyRequests Status. */
      body?: 'text' | 'status';
      match?: FaultMatch;
    }
  | { kind: 'internalError'; times?: number; message?: string; match?: FaultMatch }
  | { kind: 'delay'; ms: number; times?: number; match?: FaultMatch };

interface Armed {
  fault: Fault;
  remaining: number;
}

const writeVerbs = ['create', 'update', 'patch', 'delete'];

function matches(fault: Fault, a: RequestAttributes): boolean {
  if (!a.resourceRequest) return false;
  const m = fault.match ?? {};
  if (fault.kind === 'conflict') {
    if (!(m.verbs ?? writeVerbs).includes(a.verb)) return false;
    if (m.resource === undefined && a.resource.endsWith('reviews')) return false;
  } else if (m.verbs !== undefined && !m.verbs.includes(a.verb)) {
    return false;
  }
  return (
    (m.apiGroup === undefined || m.apiGroup === a.apiGroup) &&
    (m.resource === undefined || m.resource === a.resource) &&
    (m.subresource === undefined || m.subresource === a.subresource) &&
    (m.namespace === undefined || m.namespace === a.namespace) &&
    (m.name === undefined || m.name === a.name) &&
    (m.user === undefined || m.user === a.user.username)
  );
}

export class Faults {
  #armed: Armed[] = [];

  add(fault: Fault): void {
    this.#armed.push({ fault, remaining: fault.times ?? 1 });
  }

  clear(): void {
    this.#armed = [];
  }

  /** Faults not yet used up. */
  pending(): Fault[] {
    return this.#armed.filter((a) => a.remaining > 0).map((a) => a.fault);
  }

  /**
   * Applies the faults matching a request: waits for every delay, then answers the first failing fault.
   * Returns true when the request was answered here.
   */
  async apply(attributes: RequestAttributes, res: Response): Promise<boolean> {
    for (const armed of this.#armed) {
      if (armed.remaining <= 0 || !matches(armed.fault, attributes)) continue;
      armed.remaining -= 1;
      const fault = armed.fault;
      switch (fault.kind) {
        case 'delay':
          await new Promise((resolve) => setTimeout(resolve, fault.ms));
          continue;
        case 'conflict':
          sendError(
            res,
            conflict({ group: attributes.apiGroup, resource: attributes.resource }, attributes.name),
          );
          return true;
        case 'internalError':
          sendError(res, internalError(fault.message ?? 'injected by the kube double'));
          return true;
        case 'tooManyRequests': {
          const seconds = fault.retryAfterSeconds ?? 1;
          if (fault.body === 'status') {
            sendError(res, tooManyRequests('injected by the kube double', seconds));
          } else {
            // What the apiserver's priority-and-fairness filter writes: http.Error, plain text.
            res.setHeader('Retry-After', String(seconds));
            res.setHeader('X-Content-Type-Options', 'nosniff');
            res
              .status(429)
              .type('text/plain; charset=utf-8')
              .send('Too many requests, please try again later.\n');
          }
          return true;
        }
      }
    }
    return false;
  }
}
