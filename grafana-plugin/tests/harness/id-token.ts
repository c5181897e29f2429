/**
 * Grafana's signed ID tokens (feature toggle `idForwarding`), played with a test ES256 key: the public half
 * as a JWKS at `/api/signing-keys/keys` of the Grafana stand-in (where Grafana serves it), and tokens with
 * the claims Grafana's ID service signs (pkg/services/auth/idimpl: `iss` = Grafana's root URL, `sub` =
 * `user:<uid>`, `aud` = `org:<orgId>`, 10 minutes of life; authlib's IDTokenClaims: `identifier`, `type`,
 * `namespace`, `email`, `email_verified`, `authenticatedBy`, `username` = the login, `name`, `role`; header
 * `typ: jwt`). node:crypto only: the plugin's workspace needs no JWT library.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface IdentityClaims {
  login: string;
  uid: string;
  email: string;
  name: string;
  role: string;
  orgId: number;
}

export interface IdTokenSigner {
  /** Grafana's root URL (the tokens' issuer), known once the stand-in listens. */
  issuer: () => string;
  sign(user: IdentityClaims): string;
  /** Serves the JWKS at /api/signing-keys/keys; false for any other path. */
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  /** How often the JWKS was read (the gateway caches it). */
  jwksRequests: () => number;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function idTokenSigner(issuer: () => string, kid = 'fas-test-es256'): IdTokenSigner {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = {
    ...(publicKey.export({ format: 'jwk' }) as Record<string, string>),
    kid,
    use: 'sig',
    alg: 'ES256',
  };
  let reads = 0;
  return {
    issuer,
    jwksRequests: () => reads,
    sign: (user) => signed(privateKey, kid, issuer(), user),
    handler: async (req, res) => {
      if (new URL(req.url ?? '/', 'http://host').pathname !== '/api/signing-keys/keys') return false;
      reads += 1;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
      return true;
    },
  };
}

function signed(key: KeyObject, kid: string, issuer: string, user: IdentityClaims): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64({ alg: 'ES256', kid, typ: 'jwt' });
  const payload = b64({
    iss: issuer,
    sub: `user:${user.uid}`,
    aud: [`org:${user.orgId}`],
    exp: now + 600,
    iat: now,
    identifier: user.uid,
    type: 'user',
    namespace: user.orgId === 1 ? 'default' : `org-${user.orgId}`,
    authenticatedBy: 'password',
    email: user.email,
    email_verified: true,
    username: user.login,
    name: user.name,
    role: user.role,
  });
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key, dsaEncoding: 'ieee-p1363' });
  return `${header}.${payload}.${signature.toString('base64url')}`;
}
