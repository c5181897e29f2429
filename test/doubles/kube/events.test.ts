/**
 * Event validation as the apiserver applies it: with `eventTime` set, the reporting fields, action and reason
 * are required; reason, action and reportingInstance at most 128 and the message at most 1,024 — counted in
 * UTF-8 bytes (Go's len), so 400 characters of Cyrillic or CJK are too long; events.k8s.io/v1 creates refuse
 * the deprecated fields. Answers worded as the apiserver words them (422 Invalid, causes naming the field).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type Answer, startAdminDouble } from './test-client.js';
import { runKubectl, type KubeDouble } from './index.js';

const ns = 'jobs';
const core = `/api/v1/namespaces/${ns}/events`;
const eventsV1 = `/apis/events.k8s.io/v1/namespaces/${ns}/events`;
const involvedObject = {
  apiVersion: 'flink.apache.org/v1beta1',
  kind: 'FlinkDeployment',
  name: 'wordcount',
  namespace: ns,
};

let double: KubeDouble;

beforeAll(async () => {
  double = await startAdminDouble(ns);
}, 60_000);

afterAll(async () => {
  await double?.close();
});

let serial = 0;

/** A core v1 Event as client-go's recorder writes one with eventTime (every field the apiserver wants). */
function coreEvent(overrides: Record<string, unknown> = {}) {
  serial += 1;
  const now = new Date().toISOString();
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `wordcount.${serial}` },
    involvedObject,
    reason: 'ScaledUp',
    message: 'scaled 2 -> 4',
    type: 'Normal',
    source: { component: 'flink-autoscaler' },
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
    eventTime: now.replace('Z', '000Z'),
    action: 'Scale',
    reportingComponent: 'flink-autoscaler',
    reportingInstance: 'wordcount-sidecar',
    ...overrides,
  };
}

const post = (path: string, body: unknown): Promise<Answer> =>
  request(double.url, path, { method: 'POST', body });

describe('core v1 Events', () => {
  it('with eventTime: reportingComponent, reportingInstance, action and reason are required', async () => {
    const answer = await post(
      core,
      coreEvent({
        metadata: { name: 'missing' },
        reportingComponent: '',
        reportingInstance: '',
        action: '',
        reason: '',
      }),
    );
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ reason: 'Invalid', details: { name: 'missing', kind: 'Event' } });
    const causes = (answer.body['details'] as { causes: { field: string; reason: string }[] }).causes;
    expect(causes.map((c) => `${c.field} ${c.reason}`)).toEqual([
      'reportingComponent FieldValueRequired',
      'reportingComponent FieldValueInvalid',
      'reportingComponent FieldValueInvalid',
      'reportingInstance FieldValueRequired',
      'action FieldValueRequired',
      'reason FieldValueRequired',
    ]);
  });

  it('without eventTime the old rules apply: none of them required, no length limits', async () => {
    const answer = await post(
      core,
      coreEvent({
        eventTime: null,
        action: '',
        reportingComponent: '',
        reportingInstance: '',
        message: 'x'.repeat(5000),
      }),
    );
    expect(answer.status).toBe(201);
  });

  it('message: at most 1,024 bytes, not characters', async () => {
    const fits = await post(core, coreEvent({ message: 'a'.repeat(1024) }));
    expect(fits.status).toBe(201);
    const cyrillic = 'масштабирование '.repeat(40).slice(0, 600); // 600 characters, over 1,024 bytes
    expect(Buffer.byteLength(cyrillic)).toBeGreaterThan(1024);
    const refused = await post(core, coreEvent({ metadata: { name: 'long-message' }, message: cyrillic }));
    expect(refused.status).toBe(422);
    expect(refused.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message:
        'Event "long-message" is invalid: message: Invalid value: "": can have at most 1024 characters',
      reason: 'Invalid',
      details: {
        name: 'long-message',
        kind: 'Event',
        causes: [
          {
            reason: 'FieldValueInvalid',
            message: 'Invalid value: "": can have at most 1024 characters',
            field: 'message',
          },
        ],
      },
      code: 422,
    });
  });

  it('reason, action and reportingInstance: at most 128 (bytes, as Go counts)', async () => {
    const cjk = '扩'.repeat(43); // 43 characters, 129 bytes
    const answer = await post(
      core,
      coreEvent({
        metadata: { name: 'long-fields' },
        reason: cjk,
        action: 'a'.repeat(129),
        reportingInstance: 'i'.repeat(129),
      }),
    );
    expect(answer.status).toBe(422);
    expect(answer.body['message']).toBe(
      'Event "long-fields" is invalid: [reportingInstance: Invalid value: "": can have at most 128 characters, action: Invalid value: "": can have at most 128 characters, reason: Invalid value: "": can have at most 128 characters]',
    );
    const atLimit = await post(
      core,
      coreEvent({ reason: 'r'.repeat(128), action: 'a'.repeat(128), reportingInstance: 'i'.repeat(128) }),
    );
    expect(atLimit.status).toBe(201);
  });

  it('eventTime is a MicroTime: exactly six fractional digits, or 400 as the decoder answers', async () => {
    const millis = await post(core, coreEvent({ eventTime: '2030-01-02T03:04:05.678Z' }));
    expect(millis.status).toBe(400);
    expect(millis.body).toMatchObject({
      reason: 'BadRequest',
      message:
        'Event in version "v1" cannot be handled as a Event: parsing time "2030-01-02T03:04:05.678Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ".678Z" as ".000000"',
    });
    const offset = await post(core, coreEvent({ eventTime: '2030-01-02T05:04:05.678901+02:00' }));
    expect(offset.status).toBe(201);
    expect(offset.body['eventTime']).toBe('2030-01-02T03:04:05.678901Z');
  });

  it('kubectl create shows the refusal in the apiserver’s words', async () => {
    const file = join(double.dir, 'event.json');
    writeFileSync(file, JSON.stringify(coreEvent({ metadata: { name: 'from-kubectl' }, action: '' })));
    const { code, stderr } = await runKubectl(double.kubeconfig('admin'), ['create', '-f', file], {
      home: double.dir,
    });
    expect(code).toBe(1);
    expect(stderr).toContain('The Event "from-kubectl" is invalid: action: Required value');
  });
});

describe('events.k8s.io/v1 Events', () => {
  const v1Event = (overrides: Record<string, unknown> = {}) => ({
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: `v1.${(serial += 1)}` },
    eventTime: new Date().toISOString().replace('Z', '000Z'),
    reportingController: 'flink-autoscaler.io/gateway',
    reportingInstance: 'gateway-0',
    action: 'Scale',
    reason: 'ManualScale',
    note: 'alice scaled 2 -> 6',
    type: 'Normal',
    regarding: involvedObject,
    ...overrides,
  });

  it('a create with deprecated* fields is 422, naming the core fields they map to', async () => {
    const answer = await post(
      eventsV1,
      v1Event({
        metadata: { name: 'deprecated' },
        deprecatedSource: { component: 'x' },
        deprecatedFirstTimestamp: '2030-01-01T00:00:00Z',
        deprecatedLastTimestamp: '2030-01-01T00:00:00Z',
        deprecatedCount: 3,
      }),
    );
    expect(answer.status).toBe(422);
    expect(answer.body['message']).toBe(
      'Event.events.k8s.io "deprecated" is invalid: [firstTimestamp: Invalid value: "": needs to be unset, lastTimestamp: Invalid value: "": needs to be unset, count: Invalid value: "": needs to be unset, source: Invalid value: "": needs to be unset]',
    );
  });

  it('note is limited to 1,024 bytes; type must be Normal or Warning; a series needs a count of 2 and a time', async () => {
    const answer = await post(
      eventsV1,
      v1Event({ metadata: { name: 'strict' }, note: '说'.repeat(342), type: 'Info', series: { count: 1 } }),
    );
    expect(answer.status).toBe(422);
    expect(answer.body['message']).toBe(
      'Event.events.k8s.io "strict" is invalid: [message: Invalid value: "": can have at most 1024 characters, series.count: Invalid value: "": should be at least 2, series.lastObservedTime: Required value, type: Invalid value: "": has invalid value: Info]',
    );
    expect((await post(eventsV1, v1Event())).status).toBe(201);
  });
});
