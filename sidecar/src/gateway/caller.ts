/**
 * Who calls the gateway (Grafana's server, or a script): a client certificate verified against
 * `--client-ca-file` (its CN the user, its O values the groups, as Kubernetes reads one), or else a bearer
 * token that a TokenReview accepts for the gateway's audience. Nothing else gets past: 401.
 */
import type { TLSSocket } from 'node:tls';
import type { Request } from 'express';
import { HttpError } from '../http/errors.js';
import type { Reviews, UserInfo } from './reviews.js';

export interface Caller extends UserInfo {
  via: 'certificate' | 'token';
}

const CHALLENGE = 'Bearer realm="flink-autoscaler-gateway"';

function unauthenticated(message: string, error?: string): HttpError {
  return new HttpError(401, 'unauthenticated', message, {
    headers: { 'WWW-Authenticate': error ? `${CHALLENGE}, error="${error}"` : CHALLENGE },
  });
}

/** The caller named by a verified client certificate, if the connection has one. */
function certificateCaller(req: Request): Caller | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function' || socket.authorized !== true) return undefined;
  const peer = socket.getPeerCertificate();
  const subject = peer?.subject as Record<string, string | string[] | undefined> | undefined;
  const cn = subject?.['CN'];
  const user = Array.isArray(cn) ? cn[0] : cn;
  if (user === undefined || user === '') return undefined;
  const o = subject?.['O'];
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { username: user, groups: [...groups, 'system:authenticated'], via: 'certificate' };
}

export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const match = /^Bearer +([\x21-\x7e]{1,8192}) *$/i.exec(header);
  if (match?.[1] === undefined) {
    throw unauthenticated('the Authorization header must be "Bearer <token>"', 'invalid_request');
  }
  return match[1];
}

export async function authenticateCaller(req: Request, reviews: Reviews): Promise<Caller> {
  const byCertificate = certificateCaller(req);
  if (byCertificate !== undefined) return byCertificate;
  const token = bearerToken(req.get('authorization'));
  if (token === undefined) {
    throw unauthenticated(
      'the gateway answers only Grafana’s server (or another client it can check): send ' +
        '"Authorization: Bearer <token>" with a Kubernetes token for the gateway’s audience, or a client certificate',
    );
  }
  const answer = await reviews.authenticate(token);
  if (!answer.authenticated) {
    throw unauthenticated(
      `the Kubernetes API did not accept the bearer token for this gateway (TokenReview: ${answer.error})`,
      'invalid_token',
    );
  }
  return { ...answer.user, via: 'token' };
}
