/**
 * The /scale subresource's real answers (apiextensions ScaleREST) when `spec.taskManager.replicas` is unset,
 * and the scale check every write of the custom resource runs (ValidateScaleSpec): a negative count is a 422
 * on `.spec.taskManager.replicas`, through /scale and through the FlinkDeployment itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type Answer, startAdminDouble } from './test-client.js';
import { flinkDeployment, runKubectl, type FlinkDeployment, type KubeDouble } from './index.js';

const ns = 'jobs';
const fd = (name = '', sub = '') =>
  `/apis/flink.apache.org/v1beta1/namespaces/${ns}/flinkdeployments${name === '' ? '' : `/${name}`}${sub}`;
const negative = '.spec.taskManager.replicas: Invalid value: -1: should be a non-negative integer';

let double: KubeDouble;

beforeAll(async () => {
  double = await startAdminDouble(ns);
}, 60_000);

afterAll(async () => {
  await double?.close();
});

function withoutReplicas(name: string): FlinkDeployment {
  const body = flinkDeployment({ name, namespace: ns });
  delete body.spec.taskManager?.replicas;
  return double.flinkDeployments.put(body);
}

const patch = (path: string, type: string, body: unknown): Promise<Answer> =>
  request(double.url, path, { method: 'PATCH', contentType: type, body });
const merge = 'application/merge-patch+json';
const json = 'application/json-patch+json';

describe('/scale when spec.taskManager.replicas is unset', () => {
  it('GET: 500 InternalError "the spec replicas field … does not exist"', async () => {
    withoutReplicas('unset-get');
    const answer = await request(double.url, fd('unset-get', '/scale'));
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Internal error occurred: the spec replicas field ".spec.taskManager.replicas" does not exist',
      reason: 'InternalError',
      details: {
        causes: [{ message: 'the spec replicas field ".spec.taskManager.replicas" does not exist' }],
      },
      code: 500,
    });
  });

  it('merge patch without replicas: 400 "cannot be empty"; with replicas: 200', async () => {
    const before = withoutReplicas('unset-merge');
    const empty = await patch(fd('unset-merge', '/scale'), merge, { metadata: { labels: { a: 'b' } } });
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({
      reason: 'BadRequest',
      message: 'the spec replicas field ".spec.taskManager.replicas" cannot be empty',
    });
    expect(double.flinkDeployments.get(ns, 'unset-merge')?.metadata.resourceVersion).toBe(
      before.metadata.resourceVersion,
    );
    const set = await patch(fd('unset-merge', '/scale'), merge, { spec: { replicas: 3 } });
    expect(set.status).toBe(200);
    expect(double.flinkDeployments.get(ns, 'unset-merge')?.spec.taskManager?.replicas).toBe(3);
  });

  it('JSON Patch replace /spec/replicas: 200 (the old Scale carries the smallest int32, so the path exists)', async () => {
    withoutReplicas('unset-json');
    const tested = await patch(fd('unset-json', '/scale'), json, [
      { op: 'test', path: '/spec/replicas', value: -2147483648 },
    ]);
    expect(tested.status).toBe(400); // the test passes; the result keeps the sentinel: "cannot be empty"
    const replaced = await patch(fd('unset-json', '/scale'), json, [
      { op: 'replace', path: '/spec/replicas', value: 4 },
    ]);
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ kind: 'Scale', spec: { replicas: 4 } });
  });

  it('kubectl scale on an unset count fails as it does against a cluster (it reads /scale first)', async () => {
    withoutReplicas('unset-kubectl');
    const { code, stderr } = await runKubectl(
      double.kubeconfig('admin'),
      ['scale', 'flinkdeployment', 'unset-kubectl', '--replicas=2', '--current-replicas=1'],
      { home: double.dir },
    );
    expect(code).not.toBe(0);
    expect(stderr).toContain('the spec replicas field ".spec.taskManager.replicas" does not exist');
  });
});

describe('negative replicas: 422 on every write of the custom resource', () => {
  it('through /scale (merge patch and PUT)', async () => {
    double.flinkDeployments.put(flinkDeployment({ name: 'neg-scale', namespace: ns, replicas: 2 }));
    const patched = await patch(fd('neg-scale', '/scale'), merge, { spec: { replicas: -1 } });
    expect(patched.status).toBe(422);
    expect(patched.body).toMatchObject({
      reason: 'Invalid',
      message: `FlinkDeployment.flink.apache.org "neg-scale" is invalid: ${negative}`,
      details: {
        name: 'neg-scale',
        group: 'flink.apache.org',
        kind: 'FlinkDeployment',
        causes: [{ reason: 'FieldValueInvalid', field: '.spec.taskManager.replicas' }],
      },
    });
    const put = await request(double.url, fd('neg-scale', '/scale'), {
      method: 'PUT',
      body: {
        apiVersion: 'autoscaling/v1',
        kind: 'Scale',
        metadata: { name: 'neg-scale' },
        spec: { replicas: -1 },
      },
    });
    expect(put.status).toBe(422);
    expect(double.flinkDeployments.get(ns, 'neg-scale')?.spec.taskManager?.replicas).toBe(2);
  });

  it('through the main resource (patch and create)', async () => {
    double.flinkDeployments.put(flinkDeployment({ name: 'neg-main', namespace: ns, replicas: 2 }));
    const patched = await patch(fd('neg-main'), merge, { spec: { taskManager: { replicas: -1 } } });
    expect(patched.status).toBe(422);
    expect(patched.body['message']).toBe(
      `FlinkDeployment.flink.apache.org "neg-main" is invalid: ${negative}`,
    );
    const created = await request(double.url, fd(), {
      method: 'POST',
      body: flinkDeployment({ name: 'neg-create', namespace: ns, replicas: -1 }),
    });
    expect(created.status).toBe(422);
    expect(created.body['message']).toBe(
      `FlinkDeployment.flink.apache.org "neg-create" is invalid: ${negative}`,
    );
  });
});
