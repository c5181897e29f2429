/**
 * Grafana's server in front of the gateway, played as Grafana plays it (the app plugin route's role check,
 * the browser's X-Grafana-User and X-Grafana-Id removed and set again, the gateway token from
 * secureJsonData, an ID token signed by a test ES256 key whose JWKS Grafana serves): the person's own
 * Kubernetes rights decide, namespace by namespace, and the Event names the person. The ID token itself
 * is checked: signature, expiry, issuer, a person (not a service account), one person per request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flinkDeployment, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';
import {
  asserterRule,
  GATEWAY_SA,
  gatewayRules,
  GRAFANA_SA,
  personScaler,
  startGateway,
  type StartedGateway,
} from '../fixtures/gateway.js';
import { startGrafanaSigner, type GrafanaSigner } from '../fixtures/grafana-id.js';
import { startGrafanaStandIn, type GrafanaStandIn, type PluginRoute } from '../fixtures/grafana-stand-in.js';

const APP = 'fas-flinkautoscaler-app';
const STREAMING = 'streaming';
const ANALYTICS = 'analytics';

/** The app plugin's routes: scaling for Editors, reading for Viewers, the token from secureJsonData. */
const ROUTES: PluginRoute[] = ['POST', 'GET'].map((method) => ({
  path: 'gateway',
  method,
  reqRole: method === 'POST' ? 'Editor' : 'Viewer',
  url: '{{ .JsonData.gatewayUrl }}',
  headers: [{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.gatewayToken }}' }],
}));

let kube: KubeDouble;
let signer: GrafanaSigner;
let gateway: StartedGateway;
let grafana: GrafanaStandIn;

beforeAll(async () => {
  signer = await startGrafanaSigner();
  kube = await startKubeDouble({
    namespace: STREAMING,
    namespaces: [ANALYTICS],
    users: [GATEWAY_SA, GRAFANA_SA],
    rules: [
      ...gatewayRules([STREAMING, ANALYTICS]),
      asserterRule(),
      personScaler(STREAMING, { users: ['grafana:alice'] }),
      personScaler(ANALYTICS, { groups: ['grafana-analysts'] }),
    ],
  });
  for (const namespace of [STREAMING, ANALYTICS]) {
    kube.flinkDeployments.put(flinkDeployment({ name: 'orders', namespace, replicas: 4 }));
    kube.flinkDeployments.reconcile(namespace, 'orders');
  }
  // Grafana's issuer is its root URL with a trailing slash; the flag may omit it.
  gateway = await startGateway(kube, {
    grafanaJwksUrl: signer.jwksUrl,
    grafanaIssuer: signer.issuer.replace(/\/$/, ''),
  });
  grafana = await startGrafanaStandIn({
    appId: APP,
    routes: ROUTES,
    jsonData: { gatewayUrl: gateway.url },
    secureJsonData: { gatewayToken: GRAFANA_SA.token },
    sessions: {
      alice: { login: 'alice', role: 'Editor' },
      bob: { login: 'bob', role: 'Editor' },
      carol: { login: 'carol', role: 'Viewer' },
    },
    signer,
    sendUserHeader: true,
  });
}, 60_000);

afterAll(async () => {
  await grafana?.close();
  await gateway?.close();
  await signer?.close();
  await kube?.close();
});

const viaGrafana = (namespace: string, what: string) =>
  `${grafana.url}/api/plugin-proxy/${APP}/gateway/api/v1/namespaces/${namespace}/flinkdeployments/orders/${what}`;

function scaleAs(session: string, namespace: string, replicas: number, headers: Record<string, string> = {}) {
  return fetch(viaGrafana(namespace, 'scale'), {
    method: 'POST',
    headers: { Cookie: `grafana_session=${session}`, 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ replicas, reason: `asked by ${session}` }),
  });
}

const replicas = (namespace: string) =>
  kube.flinkDeployments.get(namespace, 'orders')?.spec.taskManager?.replicas;

describe('through Grafana’s plugin proxy', () => {
  it('alice may scale in streaming and not in analytics; the Event names her', async () => {
    const allowed = await scaleAs('alice', STREAMING, 6);
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toMatchObject({ from: 4, to: 6, by: 'grafana:alice' });
    expect(replicas(STREAMING)).toBe(6);
    const event = kube.events(STREAMING).find((e) => e.reason === 'ManualScale');
    expect(event?.message).toMatch(/^grafana:alice scaled the TaskManagers from 4 to 6/);
    expect(event?.message).toContain('asked by alice');

    const refused = await scaleAs('alice', ANALYTICS, 6);
    expect(refused.status).toBe(403);
    const error = ((await refused.json()) as { error: { message: string; permission: string } }).error;
    expect(error.permission).toBe(`update flinkdeployments/scale (flink.apache.org) on ${ANALYTICS}/orders`);
    expect(error.message).toContain('grafana:alice');
    expect(replicas(ANALYTICS)).toBe(4);

    const access = async (namespace: string) =>
      (
        (await (
          await fetch(viaGrafana(namespace, 'scale/access'), { headers: { Cookie: 'grafana_session=alice' } })
        ).json()) as { allowed: boolean }
      ).allowed;
    expect([await access(STREAMING), await access(ANALYTICS)]).toEqual([true, false]);
  });

  it('a Viewer is stopped by Grafana’s role check; the gateway never sees the call', async () => {
    const before = grafana.forwarded.length;
    const answer = await scaleAs('carol', STREAMING, 2);
    expect(answer.status).toBe(403);
    expect(await answer.json()).toEqual({ message: 'plugin proxy route access denied' });
    expect(grafana.forwarded.length).toBe(before);
    // Reading is a Viewer's: the status comes through.
    const status = await fetch(viaGrafana(STREAMING, 'status'), {
      headers: { Cookie: 'grafana_session=carol' },
    });
    expect(status.status).toBe(200);
  });

  it('what a browser sends as X-Grafana-User, X-Grafana-Id or Authorization is replaced by Grafana', async () => {
    const stolen = await signer.sign({ login: 'alice' });
    const answer = await scaleAs('bob', STREAMING, 9, {
      'X-Grafana-User': 'alice',
      'X-Grafana-Id': stolen,
      Authorization: 'Bearer something-else',
    });
    expect(answer.status).toBe(403);
    expect(((await answer.json()) as { error: { message: string } }).error.message).toContain('grafana:bob');
    const sent = grafana.forwarded.at(-1);
    expect(sent?.headers['X-Grafana-User']).toBe('bob');
    expect(sent?.headers['X-Grafana-Id']).not.toBe(stolen);
    expect(sent?.headers['Authorization']).toBe(`Bearer ${GRAFANA_SA.token}`);
    expect(replicas(STREAMING)).not.toBe(9);
  });

  it('--group puts every Grafana person in the groups the operator binds', async () => {
    const grouped = await startGateway(kube, {
      grafanaJwksUrl: signer.jwksUrl,
      groups: ['grafana-analysts', 'grafana-people'],
    });
    try {
      const res = await fetch(`${grouped.url}/api/v1/namespaces/${ANALYTICS}/flinkdeployments/orders/scale`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Authorization: `Bearer ${GRAFANA_SA.token}`,
          'X-Grafana-Id': await signer.sign({ login: 'dave' }),
        },
        body: JSON.stringify({ replicas: 5, reason: 'analysts may' }),
      });
      expect(res.status).toBe(200);
      expect(replicas(ANALYTICS)).toBe(5);
    } finally {
      await grouped.close();
    }
  });
});

describe('Grafana’s ID token, checked', () => {
  const direct = (headers: Record<string, string>) =>
    fetch(`${gateway.url}/api/v1/namespaces/${STREAMING}/flinkdeployments/orders/scale/access`, {
      headers: { Authorization: `Bearer ${GRAFANA_SA.token}`, ...headers },
    });

  it('refuses a token Grafana’s keys do not verify, an expired one, another issuer’s, a service account’s, two people', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: [Record<string, string>, number, RegExp][] = [
      [
        { 'X-Grafana-Id': await signer.sign({ login: 'alice' }, {}, signer.foreignKey) },
        401,
        /signing keys do not verify/,
      ],
      [
        { 'X-Grafana-Id': await signer.sign({ login: 'alice' }, { exp: now - 120, iat: now - 720 }) },
        401,
        /expired/,
      ],
      [
        { 'X-Grafana-Id': await signer.sign({ login: 'alice' }, { iss: 'https://other-grafana/' }) },
        401,
        /iss/,
      ],
      [
        { 'X-Grafana-Id': await signer.sign({ login: 'sa-1', type: 'service-account' }) },
        403,
        /not a person/,
      ],
      [
        { 'X-Grafana-Id': await signer.sign({ login: 'bob' }), 'X-Grafana-User': 'alice' },
        401,
        /different people/,
      ],
      [{ 'X-Grafana-Id': 'not.a.jwt' }, 401, /X-Grafana-Id was refused/],
      [{ 'X-Grafana-User': 'alice' }, 401, /--trust-grafana-user-header/],
    ];
    for (const [headers, status, message] of cases) {
      const res = await direct(headers);
      expect(res.status).toBe(status);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(message);
    }
    const good = await direct({ 'X-Grafana-Id': await signer.sign({ login: 'alice' }) });
    expect(await good.json()).toMatchObject({ allowed: true, user: 'grafana:alice' });
    // Grafana's keys were fetched once and kept, not once per request.
    expect(signer.jwksRequests()).toBeLessThanOrEqual(2);
  });

  it('with --trust-grafana-user-header and no keys, X-Grafana-User names the person (still only for an asserter)', async () => {
    const trusting = await startGateway(kube, { trustGrafanaUserHeader: true });
    try {
      const ask = (token: string) =>
        fetch(`${trusting.url}/api/v1/namespaces/${STREAMING}/flinkdeployments/orders/scale/access`, {
          headers: {
            Authorization: `Bearer ${token}`,
            'X-Grafana-User': 'alice',
            'X-Grafana-Id': 'unchecked',
          },
        });
      expect(await (await ask(GRAFANA_SA.token)).json()).toMatchObject({
        allowed: true,
        user: 'grafana:alice',
      });
    } finally {
      await trusting.close();
    }
  });
});
