/**
 * The Grafana stand-in the browser test relies on: the app's built routes matched as Grafana's route tree
 * does, the role check, the browser's credentials and identity headers removed, the person set again (the
 * login, and an ID token the JWKS verifies), the gateway token from the secure settings.
 */
import { createPublicKey, verify } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appPluginProxy, matchRoute, type SignedInUser } from './harness/grafana-proxy';
import { idTokenSigner } from './harness/id-token';
import { APP_DIST } from './harness/paths';

let upstream: Server;
let grafana: Server;
let upstreamUrl = '';
let grafanaUrl = '';
const received: { method: string; url: string; headers: IncomingHttpHeaders }[] = [];
let user: SignedInUser | undefined = { login: 'alice', role: 'Editor' };
const signer = idTokenSigner(() => `${grafanaUrl}/`);

async function listen(server: Server): Promise<string> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Set-Cookie': 'x=1' }).end('{"ok":true}');
  });
  upstreamUrl = await listen(upstream);
  const proxy = appPluginProxy({
    appDist: APP_DIST,
    settings: {
      jsonData: { gatewayUrl: `${upstreamUrl}/base` },
      secureJsonData: { gatewayToken: 'gw-token' },
    },
    user: () => user,
    sendUserHeader: true,
    idTokens: signer,
  });
  grafana = createServer((req, res) => {
    void (async () => {
      if (await signer.handler(req, res)) return;
      if (!(await proxy(req, res))) res.writeHead(404).end();
    })();
  });
  grafanaUrl = await listen(grafana);
});

afterAll(() => {
  upstream.close();
  grafana.close();
});

const PATH =
  '/api/plugin-proxy/fas-flinkautoscaler-app/gateway/api/v1/namespaces/ns/flinkdeployments/job/scale';

describe('the Grafana app proxy stand-in', () => {
  it('matches route paths as Grafana’s tree does', () => {
    expect(matchRoute('gateway/*', 'gateway/api/v1/x')).toBe('api/v1/x');
    expect(matchRoute('gateway/*', 'gateway')).toBe('');
    expect(matchRoute('gateway/*', 'gatewayx/api')).toBeUndefined();
    expect(matchRoute('gateway', 'gateway/api/v1/x')).toBeUndefined();
    expect(matchRoute('gateway', '/gateway/')).toBe('');
  });

  it('replaces the browser’s identity and credentials with Grafana’s, and adds the gateway token', async () => {
    user = { login: 'bob', role: 'Editor' };
    const answer = await fetch(`${grafanaUrl}${PATH}?x=1`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: 'Bearer browser-session',
        Cookie: 'grafana_session=abc',
        'X-Grafana-User': 'alice',
        'X-Grafana-Id': 'forged.by.bob',
        Origin: 'http://evil.example',
      },
      body: '{"replicas":2}',
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('set-cookie')).toBeNull();
    expect(answer.headers.get('content-security-policy')).toBe('sandbox');
    const got = received.at(-1);
    expect(got?.url).toBe('/base/api/v1/namespaces/ns/flinkdeployments/job/scale?x=1');
    expect(got?.headers['authorization']).toBe('Bearer gw-token');
    expect(got?.headers['cookie']).toBeUndefined();
    expect(got?.headers['origin']).toBeUndefined();
    expect(got?.headers['x-grafana-user']).toBe('bob');
    const token = String(got?.headers['x-grafana-id']);
    const [header, payload, signature] = token.split('.');
    expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).toMatchObject({
      alg: 'ES256',
      typ: 'jwt',
    });
    expect(JSON.parse(Buffer.from(payload ?? '', 'base64url').toString())).toMatchObject({
      iss: `${grafanaUrl}/`,
      username: 'bob',
      type: 'user',
      aud: ['org:1'],
    });
    // The JWKS Grafana's stand-in serves verifies it.
    const jwks = (await (await fetch(`${grafanaUrl}/api/signing-keys/keys`)).json()) as { keys: object[] };
    const key = createPublicKey({ key: jwks.keys[0] as never, format: 'jwk' });
    const ok = verify(
      'sha256',
      Buffer.from(`${header}.${payload}`),
      { key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(signature ?? '', 'base64url'),
    );
    expect(ok).toBe(true);
  });

  it('lets a viewer GET, refuses a viewer’s POST, and nobody signed in', async () => {
    user = { login: 'carol', role: 'Viewer' };
    const count = received.length;
    expect((await fetch(`${grafanaUrl}${PATH}/access`)).status).toBe(200);
    const post = await fetch(`${grafanaUrl}${PATH}`, { method: 'POST', body: '{}' });
    expect([post.status, await post.json()]).toEqual([403, { message: 'plugin proxy route access denied' }]);
    expect(received.length).toBe(count + 1);
    user = undefined;
    expect((await fetch(`${grafanaUrl}${PATH}/access`)).status).toBe(401);
    const other = await fetch(`${grafanaUrl}/api/plugin-proxy/fas-flinkautoscaler-app/other`);
    expect(other.status).toBe(401);
    user = { login: 'alice', role: 'Admin' };
    const unknown = await fetch(`${grafanaUrl}/api/plugin-proxy/fas-flinkautoscaler-app/other`);
    expect([unknown.status, await unknown.json()]).toEqual([
      404,
      { message: 'plugin route match not found' },
    ]);
  });
});
