/**
 * Small things the Go apiserver does that clients notice: no Keep-Alive header, a dry-run create that fills
 * uid and creationTimestamp but stores nothing, and a SelfSubjectAccessReview posted as protobuf
 * (`kubectl auth can-i`).
 */
import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from './test-client.js';
import { flinkDeployment, runKubectl, startKubeDouble, type KubeDouble } from './index.js';

const ns = 'jobs';
const fds = `/apis/flink.apache.org/v1beta1/namespaces/${ns}/flinkdeployments`;

let double: KubeDouble;

beforeAll(async () => {
  double = await startKubeDouble({
    namespace: ns,
    users: [
      { token: 'admin-token', username: 'admin', groups: ['system:masters'] },
      { token: 'viewer-token', username: 'viewer' },
    ],
    rules: [
      {
        name: 'viewer',
        users: ['viewer'],
        verbs: ['get', 'list'],
        apiGroups: ['flink.apache.org'],
        resources: ['flinkdeployments'],
        namespaces: [ns],
      },
    ],
  });
}, 60_000);

afterAll(async () => {
  await double?.close();
});

describe('the wire, as the Go server writes it', () => {
  it('answers carry no Keep-Alive header', async () => {
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      get(`${double.url}/version`, (res) => {
        res.resume();
        resolve(res.headers);
      }).on('error', reject);
    });
    expect(headers).not.toHaveProperty('keep-alive');
  });

  it('a dry-run create answers with uid and creationTimestamp, and stores nothing', async () => {
    const answer = await request(double.url, `${fds}?dryRun=All`, {
      method: 'POST',
      body: flinkDeployment({ name: 'dry', namespace: ns }),
    });
    expect(answer.status).toBe(201);
    expect(answer.body['metadata']).toMatchObject({
      name: 'dry',
      uid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      creationTimestamp: expect.any(String),
      generation: 1,
    });
    expect((await request(double.url, `${fds}/dry`)).status).toBe(404);
  });
});

describe('kubectl auth can-i (a SelfSubjectAccessReview sent as protobuf)', () => {
  const canI = (...args: string[]) =>
    runKubectl(double.kubeconfig({ token: 'viewer-token' }), ['auth', 'can-i', ...args], {
      home: double.dir,
    });

  it('yes for what the user may do, no (exit 1) for what it may not', async () => {
    const yes = await canI('get', 'flinkdeployments');
    expect(yes.stderr).toBe('');
    expect(yes.stdout.trim()).toBe('yes');
    expect(yes.code).toBe(0);
    const no = await canI('patch', 'flinkdeployments');
    expect(no.stdout.trim()).toBe('no');
    expect(no.code).toBe(1);
    const review = double.requests().find((r) => r.resource === 'selfsubjectaccessreviews');
    expect(review?.contentType).toBe('application/vnd.kubernetes.protobuf');
  });
});
