/**
 * The gateway command as the chart runs it: `flink-autoscaler gateway` over HTTPS with the chart's flags
 * against the Kubernetes double; a client certificate signed by --client-ca-file authenticates the caller
 * (its CN is the user, its O the groups), one from another CA does not; the serving certificate is
 * reloaded when its files change; a scale's bounds come from its policy flags; without TLS files or
 * --insecure-http it refuses to start.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { connect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  flinkDeployment,
  selfSignedCertificate,
  startKubeDouble,
  type KubeDouble,
} from '../doubles/kube/index.js';
import { GATEWAY_SA, gatewayRules, personScaler, asserterRule } from '../fixtures/gateway.js';
import { startGrafanaSigner, type GrafanaSigner } from '../fixtures/grafana-id.js';
import { until } from '../fixtures/wait.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const main = join(root, 'sidecar/dist/cli/main.js');
const NS = 'streaming';

let kube: KubeDouble;
let signer: GrafanaSigner;
let dir: string;
let child: ChildProcess | undefined;
let url: string;
const logs: string[] = [];
let serving: { key: string; cert: string };

/** A CA and a client certificate it signs (openssl, as an operator would make one). */
function clientCertificate(name: string, cn: string, o: string): { ca: string; cert: string; key: string } {
  const at = (file: string) => join(dir, `${name}-${file}`);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      at('ca.key'),
      '-out',
      at('ca.crt'),
      '-days',
      '1',
      '-subj',
      `/CN=${name}-ca`,
    ],
    { stdio: 'ignore' },
  );
  execFileSync(
    'openssl',
    ['req', ...ec, '-keyout', at('client.key'), '-out', at('client.csr'), '-subj', `/O=${o}/CN=${cn}`],
    { stdio: 'ignore' },
  );
  execFileSync(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      at('client.csr'),
      '-CA',
      at('ca.crt'),
      '-CAkey',
      at('ca.key'),
      '-CAcreateserial',
      '-out',
      at('client.crt'),
      '-days',
      '1',
    ],
    { stdio: 'ignore' },
  );
  const read = (file: string) => readFileSync(at(file), 'utf8');
  return { ca: read('ca.crt'), cert: read('client.crt'), key: read('client.key') };
}

let trusted: ReturnType<typeof clientCertificate>;
let stranger: ReturnType<typeof clientCertificate>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gateway-tls-'));
  signer = await startGrafanaSigner();
  kube = await startKubeDouble({
    namespace: NS,
    users: [GATEWAY_SA],
    rules: [
      ...gatewayRules([NS]),
      asserterRule('grafana-client'),
      personScaler(NS, { users: ['grafana:alice'] }),
    ],
  });
  kube.flinkDeployments.put(flinkDeployment({ name: 'orders', namespace: NS, replicas: 3 }));
  trusted = clientCertificate('trusted', 'grafana-client', 'grafana-servers');
  stranger = clientCertificate('stranger', 'grafana-client', 'grafana-servers');
  serving = selfSignedCertificate(undefined, { commonName: 'gateway', ipAddresses: ['127.0.0.1'] });
  writeFileSync(join(dir, 'tls.crt'), serving.cert);
  writeFileSync(join(dir, 'tls.key'), serving.key);
  writeFileSync(join(dir, 'client-ca.crt'), trusted.ca);
  const kubeconfig = kube.kubeconfig({ token: GATEWAY_SA.token });
  child = spawn(
    process.execPath,
    [
      main,
      'gateway',
      '--listen=127.0.0.1:0',
      `--tls-cert-file=${join(dir, 'tls.crt')}`,
      `--tls-key-file=${join(dir, 'tls.key')}`,
      `--client-ca-file=${join(dir, 'client-ca.crt')}`,
      `--kubeconfig=${kubeconfig}`,
      `--namespaces=${NS}`,
      '--audience=flink-autoscaler-gateway',
      `--grafana-jwks-url=${signer.jwksUrl}`,
      `--grafana-issuer=${signer.issuer}`,
      '--user-prefix=grafana:',
      '--group=grafana-people',
      '--max-concurrent-reviews=16',
      '--requests-per-minute=60',
      '--max-hold-seconds=86400',
      // A policy flag, as the chart passes policy.maxWorkers to the injector (for the sidecars) and to the gateway.
      '--max-workers=200',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.on('data', (d: Buffer) => logs.push(d.toString()));
  url = await until('the gateway listens', 30, async () => {
    const line = logs
      .join('')
      .split('\n')
      .find((l) => l.includes('"listening"'));
    return line === undefined ? undefined : (JSON.parse(line) as { url: string }).url;
  });
}, 60_000);

afterAll(async () => {
  child?.kill('SIGTERM');
  await signer?.close();
  await kube?.close();
  rmSync(dir, { recursive: true, force: true });
});

function call(
  path: string,
  options: { cert?: string; key?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request(
      `${url}${path}`,
      {
        ca: serving.cert,
        ...(options.cert ? { cert: options.cert, key: options.key } : {}),
        method: options.body === undefined ? 'GET' : 'POST',
        headers: {
          ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...options.headers,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => done({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', fail);
    req.end(options.body === undefined ? undefined : JSON.stringify(options.body));
  });
}

function servedFingerprint(): Promise<string> {
  const { port } = new URL(url);
  return new Promise((done, fail) => {
    const socket = connect({ host: '127.0.0.1', port: Number(port), rejectUnauthorized: false }, () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      done(createHash('sha256').update(raw).digest('hex'));
    });
    socket.on('error', fail);
  });
}

const fingerprintOf = (pem: string) =>
  createHash('sha256')
    .update(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64'))
    .digest('hex');

describe('flink-autoscaler gateway (process)', () => {
  it('serves HTTPS; a client certificate from --client-ca-file is the caller, one from another CA is not', async () => {
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect((await call('/healthz')).body).toBe('ok\n');
    const path = `/api/v1/namespaces/${NS}/flinkdeployments/orders/scale/access`;
    const alice = { 'X-Grafana-Id': await signer.sign({ login: 'alice' }) };
    const byCertificate = await call(path, { cert: trusted.cert, key: trusted.key, headers: alice });
    expect(byCertificate.status).toBe(200);
    expect(JSON.parse(byCertificate.body)).toMatchObject({ allowed: true, user: 'grafana:alice' });
    const byStranger = await call(path, { cert: stranger.cert, key: stranger.key, headers: alice });
    expect(byStranger.status).toBe(401);
    expect((await call(path, { headers: alice })).status).toBe(401);
    // The gateway asked whether the certificate's CN may speak for alice.
    const asked = kube
      .requests()
      .filter((r) => r.resource === 'subjectaccessreviews')
      .map((r) => JSON.parse(r.body) as { spec: { user: string; groups: string[] } });
    expect(
      asked.some((r) => r.spec.user === 'grafana-client' && r.spec.groups.includes('grafana-servers')),
    ).toBe(true);
    expect(logs.join('')).not.toContain(GATEWAY_SA.token);
  });

  it('takes a scale’s bounds from its policy flags (--max-workers=200): 150 on a job without annotations', async () => {
    const path = `/api/v1/namespaces/${NS}/flinkdeployments/orders/scale`;
    const answer = await call(path, {
      cert: trusted.cert,
      key: trusted.key,
      headers: { 'X-Grafana-Id': await signer.sign({ login: 'alice' }) },
      body: { replicas: 150, reason: 'peak' },
    });
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ from: 3, to: 150, by: 'grafana:alice' });
    expect(kube.flinkDeployments.get(NS, 'orders')?.spec.taskManager?.replicas).toBe(150);
    const refused = spawnSync(process.execPath, [main, 'gateway', '--insecure-http', '--max-workers=0'], {
      encoding: 'utf8',
    });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('--max-workers: must be a whole number at least 1');
  });

  it('reloads its serving certificate when the files change', async () => {
    expect(await servedFingerprint()).toBe(fingerprintOf(serving.cert));
    const next = selfSignedCertificate(undefined, { commonName: 'gateway-2', ipAddresses: ['127.0.0.1'] });
    writeFileSync(join(dir, 'tls.key'), next.key);
    writeFileSync(join(dir, 'tls.crt'), next.cert);
    await until('the new certificate is served', 20, async () =>
      (await servedFingerprint()) === fingerprintOf(next.cert) ? true : undefined,
    );
    serving = next;
    expect((await call('/healthz')).status).toBe(200);
  }, 30_000);

  it('refuses a user prefix or group that could name real Kubernetes users or system groups', () => {
    for (const flag of ['--user-prefix=', '--user-prefix=system:', '--group=system:masters']) {
      const refused = spawnSync(process.execPath, [main, 'gateway', '--insecure-http', flag], {
        encoding: 'utf8',
      });
      expect(refused.status).toBe(2);
      expect(refused.stderr).toMatch(
        /--user-prefix must be a prefix no real Kubernetes user has|--group must name groups of your own/,
      );
    }
  });

  it('refuses the sidecar’s guard switches: a gateway scales by a person’s word, it has no guards to opt out of', () => {
    const refused = spawnSync(
      process.execPath,
      [main, 'gateway', '--insecure-http', '--listen=127.0.0.1:0', '--allow-native-mode'],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/unknown option '--allow-native-mode'/);
  });

  it('will not serve plain HTTP unless told to', () => {
    const refused = spawnSync(process.execPath, [main, 'gateway', '--listen=127.0.0.1:0'], {
      encoding: 'utf8',
    });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('--tls-cert-file and --tls-key-file (or --insecure-http');
  });
});
