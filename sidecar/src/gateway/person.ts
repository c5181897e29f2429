/**
 * The person behind Grafana's call, and the Kubernetes user and groups they stand for.
 *
 * - `X-Grafana-Id`: Grafana's signed ID token (feature `idForwarding`): ES256, verified against Grafana's
 *   JWKS (`--grafana-jwks-url`, Grafana serves it at `/api/signing-keys/keys`), unexpired, from
 *   `--grafana-issuer` when given (Grafana's root URL), for a user (`type: user`); the login is its
 *   `username` claim.
 * - `X-Grafana-User`: Grafana's `[dataproxy] send_user_header`, an unsigned assertion: believed only with
 *   `--trust-grafana-user-header` (and, like the ID token, only from a caller allowed to speak for people).
 * - Neither: no person; the caller acts as itself.
 *
 * The mapping: user = `--user-prefix` (default `grafana:`) + login; groups = the `--group` values. No group
 * is derived from Grafana (its ID token carries no teams or roles), so a person gets exactly what is bound
 * to their mapped user and to the configured groups.
 */
import type { Request } from 'express';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { HttpError } from '../http/errors.js';
import type { UserInfo } from './reviews.js';

export const DEFAULT_USER_PREFIX = 'grafana:';
/** Longest login taken (Grafana's own limit is 190 characters). */
const MAX_LOGIN = 190;

export interface PersonOptions {
  /** Grafana's signing keys; without them an X-Grafana-Id is refused. */
  grafanaKeys?: JWTVerifyGetKey;
  grafanaIssuer?: string;
  trustGrafanaUserHeader: boolean;
  userPrefix: string;
  groups: readonly string[];
  clock: () => number;
}

export interface Person extends UserInfo {
  login: string;
  source: 'id-token' | 'user-header';
}

/** Grafana's JWKS, fetched when first needed and kept 10 minutes (refetched at once for an unknown kid). */
export function grafanaKeys(url: string): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(url), {
    timeoutDuration: 5000,
    cacheMaxAge: 600_000,
    cooldownDuration: 30_000,
  });
}

/** Grafana's issuer is its root URL with a trailing slash; take the flag with or without one. */
function issuerVariants(issuer: string): string[] {
  const bare = issuer.replace(/\/+$/, '');
  return [bare, `${bare}/`];
}

function unauthenticated(message: string): HttpError {
  return new HttpError(401, 'unauthenticated', message);
}

function checkedLogin(login: string, where: string): string {
  const trimmed = login.trim();
  // eslint-disable-next-line no-control-regex
  if (trimmed === '' || trimmed.length > MAX_LOGIN || /[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw unauthenticated(`${where} does not name a Grafana login (1 to ${MAX_LOGIN} printable characters)`);
  }
  return trimmed;
}

async function loginFromIdToken(token: string, options: PersonOptions): Promise<string> {
  if (options.grafanaKeys === undefined) {
    throw unauthenticated(
      'X-Grafana-Id came, but this gateway has no --grafana-jwks-url to check Grafana’s signature with',
    );
  }
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, options.grafanaKeys, {
      algorithms: ['ES256'],
      requiredClaims: ['exp', 'sub'],
      clockTolerance: 30,
      currentDate: new Date(options.clock()),
      ...(options.grafanaIssuer === undefined ? {} : { issuer: issuerVariants(options.grafanaIssuer) }),
    }));
  } catch (error) {
    const why =
      error instanceof joseErrors.JWTExpired
        ? 'it has expired'
        : error instanceof joseErrors.JWTClaimValidationFailed
          ? `its ${error.claim} claim is not as expected`
          : error instanceof joseErrors.JWKSNoMatchingKey ||
              error instanceof joseErrors.JWSSignatureVerificationFailed
            ? 'Grafana’s signing keys do not verify it'
            : error instanceof joseErrors.JOSEError
              ? `it is not a valid token (${error.code})`
              : 'Grafana’s signing keys could not be read';
    throw unauthenticated(`X-Grafana-Id was refused: ${why}`);
  }
  if (payload['type'] !== undefined && payload['type'] !== 'user') {
    throw new HttpError(
      403,
      'forbidden',
      `X-Grafana-Id names a Grafana ${String(payload['type'])}, not a person: only people may scale from Grafana`,
    );
  }
  const login = payload['username'];
  if (typeof login !== 'string') throw unauthenticated('X-Grafana-Id has no username claim');
  return checkedLogin(login, 'X-Grafana-Id');
}

/** The person Grafana names for this request, mapped; undefined when it names none. */
export async function personOf(req: Request, options: PersonOptions): Promise<Person | undefined> {
  const idToken = req.get('x-grafana-id');
  const userHeader = req.get('x-grafana-user');
  let login: string;
  let source: Person['source'];
  // Grafana sends its ID token whenever idForwarding is on; a gateway told to trust X-Grafana-User and given
  // no keys to check the token with goes by the header alone.
  const checkable = options.grafanaKeys !== undefined || !options.trustGrafanaUserHeader || !userHeader;
  if (idToken !== undefined && idToken !== '' && checkable) {
    login = await loginFromIdToken(idToken, options);
    source = 'id-token';
    if (userHeader !== undefined && userHeader !== '' && userHeader.trim() !== login) {
      throw unauthenticated('X-Grafana-User and X-Grafana-Id name different people');
    }
  } else if (userHeader !== undefined && userHeader !== '') {
    if (!options.trustGrafanaUserHeader) {
      throw unauthenticated(
        'X-Grafana-User alone is not believed by this gateway: turn on Grafana’s ID forwarding ' +
          '(feature toggle idForwarding) so it sends a signed X-Grafana-Id, or start the gateway with --trust-grafana-user-header',
      );
    }
    login = checkedLogin(userHeader, 'X-Grafana-User');
    source = 'user-header';
  } else {
    return undefined;
  }
  return { username: `${options.userPrefix}${login}`, groups: [...options.groups], login, source };
}
