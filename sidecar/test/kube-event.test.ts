/**
 * Events within the API server's limits: a message of at most 1,024 UTF-8 bytes (with eventTime set),
 * reason, action and reportingInstance of at most 128, required fields never empty, and no character cut
 * in half.
 */
import { describe, expect, it } from 'vitest';
import type { KubeConnection, KubeRequest } from '../src/kube/connection.js';
import { createEvent, EVENT_LIMITS, truncateUtf8, type EventSpec } from '../src/kube/event.js';

const bytes = (text: string): number => Buffer.byteLength(text, 'utf8');

describe('truncateUtf8', () => {
  it('keeps a text that fits, byte for byte', () => {
    expect(truncateUtf8('scaled from 4 to 7', 1024)).toBe('scaled from 4 to 7');
    const exact = 'я'.repeat(512);
    expect(truncateUtf8(exact, 1024)).toBe(exact);
  });

  it.each([
    ['Cyrillic (2 bytes)', 'масштабирование '],
    ['CJK (3 bytes)', '手动扩容原因'],
    ['emoji (4 bytes, a surrogate pair)', '🚀🔥'],
    ['mixed', 'a-я-中-🚀'],
  ])('cuts %s at the byte limit, on a character boundary, with an ellipsis', (_what, unit) => {
    const text = unit.repeat(400);
    for (const limit of [1024, 1023, 1022, 1021, 128, 5]) {
      const cut = truncateUtf8(text, limit);
      expect(bytes(cut)).toBeLessThanOrEqual(limit);
      expect(cut.endsWith('…')).toBe(true);
      expect(cut).not.toContain('\uFFFD');
      // no lone surrogate: round-trips through UTF-8 unchanged
      expect(Buffer.from(cut, 'utf8').toString('utf8')).toBe(cut);
      expect(text.startsWith(cut.slice(0, -1))).toBe(true);
      // nothing more of the text would have fit
      const next = [...text.slice(cut.length - 1)][0] ?? '';
      expect(bytes(cut) + bytes(next)).toBeGreaterThan(limit);
    }
  });

  it('cuts without an ellipsis when asked', () => {
    expect(truncateUtf8('ÄÄÄ', 5, '')).toBe('ÄÄ');
  });
});

describe('createEvent', () => {
  function recorder() {
    const sent: KubeRequest[] = [];
    const connection = {
      json: async (request: KubeRequest) => {
        sent.push(request);
        return {};
      },
    } as unknown as KubeConnection;
    return { connection, sent };
  }
  const spec: EventSpec = {
    namespace: 'streaming',
    involvedObject: { apiVersion: 'flink.apache.org/v1beta1', kind: 'FlinkDeployment', name: 'clickstream' },
    type: 'Normal',
    reason: 'ManualScale',
    message: 'x',
    action: 'Scale',
    component: 'flink-autoscaler',
    instance: 'clickstream-sidecar',
  };

  it('sends a long Cyrillic/CJK message within 1,024 bytes and long fields within 128', async () => {
    const { connection, sent } = recorder();
    await createEvent(
      connection,
      {
        ...spec,
        message: 'Ручное масштабирование: 手动扩容 '.repeat(100),
        reason: 'Причина'.repeat(30),
        action: 'Действие'.repeat(30),
        instance: `${'экземпляр-'.repeat(30)}sidecar`,
      },
      new Date('2026-01-01T00:00:00Z'),
    );
    const body = sent[0]?.body as Record<string, string>;
    expect(bytes(body['message'] ?? '')).toBeLessThanOrEqual(EVENT_LIMITS.messageBytes);
    expect(bytes(body['message'] ?? '')).toBeGreaterThan(EVENT_LIMITS.messageBytes - 4);
    expect(body['message']?.startsWith('Ручное масштабирование: 手动扩容 ')).toBe(true);
    for (const field of ['reason', 'action', 'reportingInstance'])
      expect(bytes(body[field] ?? '')).toBeLessThanOrEqual(128);
  });

  it('keeps the required fields set', async () => {
    const { connection, sent } = recorder();
    await createEvent(connection, { ...spec, reason: '', action: '', instance: '' }, new Date(0));
    const body = sent[0]?.body as Record<string, string>;
    expect(body['reason']).not.toBe('');
    expect(body['action']).not.toBe('');
    expect(body['reportingInstance']).not.toBe('');
    expect(body['reportingComponent']).toBe('flink-autoscaler');
    expect(body['eventTime']).toBe('1970-01-01T00:00:00.000000Z');
  });
});
