/**
 * Injected failures, each for the next N matching requests: 409 conflicts, 429 with Retry-After, 500, slow
 * answers, answers lost after the request was carried out (reset or 504), connections reset before anything
 * is done, and connections that go silent without closing.
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Response } from 'express';
import { sendError } from './http.js';
import type { RequestAttributes } from './rbac.js';
import { conflict, gatewayTimeout, internalError, tooManyRequests } from './status.js';

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
  | { kind: 'delay'; ms: number; times?: number; match?: FaultMatch }
  | {
      /**
       * The request is carried out (a write is committed, a watch is set up), then its answer is lost: the
       * connection is destroyed (`reset`, the default) or the client gets a 504 Timeout Status (`gatewayTimeout`).
       */
      kind: 'loseAnswer';
      how?: 'reset' | 'gatewayTimeout';
      times?: number;
      match?: FaultMatch;
    }
  /** The connection is destroyed before anything is done. */
  | { kind: 'reset'; times?: number; match?: FaultMatch }
  | {
      /**
       * The connection stays open and never sends anything again, nor closes (a dropped route, no FIN): a
       * request gets no answer and is not carried out; a watch sends its headers and its first `afterEvents`
       * lines (default 0), then nothing. A server restart does not end it; `close()` does.
       */
      kind: 'silence';
      afterEvents?: number;
      times?: number;
      match?: FaultMatch;
    };

const silenced = new WeakSet<Socket>();

/** Is this connection held silent by a `silence` fault? */
export function isSilenced(socket: Socket | null | undefined): boolean {
  return socket !== null && socket !== undefined && silenced.has(socket);
}

function silence(socket: Socket | null | undefined): void {
  if (socket) silenced.add(socket);
}

type Writer = (chunk: unknown, ...rest: unknown[]) => boolean;

/** Lets the request be carried out, then loses whatever it answers. */
function loseAnswerOf(res: Response, how: 'reset' | 'gatewayTimeout'): void {
  const originalWriteHead = res.writeHead.bind(res) as (
    code: number,
    headers: Record<string, unknown>,
  ) => void;
  const originalEnd = res.end.bind(res) as (body: string) => void;
  let lost = false;
  const lose = (): void => {
    if (lost) return;
    lost = true;
    if (how === 'reset') {
      res.socket?.destroy();
      return;
    }
    const body = JSON.stringify(gatewayTimeout().status);
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    originalWriteHead(504, {
      'Audit-Id': randomUUID(),
      'Cache-Control': 'no-cache, private',
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    });
    originalEnd(body);
  };
  Object.assign(res, {
    writeHead: () => (lose(), res),
    flushHeaders: () => lose(),
    write: () => (lose(), true),
    end: () => (lose(), res),
  });
}

/** Lets a watch send its headers and `events` lines, then nothing, ever (its end is swallowed too). */
function silenceWatchAfter(res: Response, events: number): void {
  const originalWrite = res.write.bind(res) as Writer;
  let lines = 0;
  let silent = events <= 0;
  if (silent) silence(res.socket);
  Object.assign(res, {
    write: (chunk: unknown): boolean => {
      if (silent) return true;
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      for (let i = 0; i < buffer.length; i += 1) {
        if (buffer[i] !== 0x0a) continue;
        lines += 1;
        if (lines >= events) {
          originalWrite(buffer.subarray(0, i + 1));
          silent = true;
          silence(res.socket);
          return true;
        }
      }
      return originalWrite(buffer);
    },
    end: () => {
      silent = true;
      silence(res.socket);
      return res;
    },
  });
}

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
   * Returns true when the request goes no further (answered, reset or silenced here).
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
        case 'loseAnswer':
          loseAnswerOf(res, fault.how ?? 'reset');
          return false;
        case 'reset':
          res.socket?.destroy();
          return true;
        case 'silence':
          if (attributes.verb === 'watch') {
            silenceWatchAfter(res, fault.afterEvents ?? 0);
            return false;
          }
          silence(res.socket);
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
