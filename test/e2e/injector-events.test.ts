/**
 * The injector's Events about pods it could not inject: written only in the namespaces it serves,
 * deduplicated (same object, reason and message within a window) and rate-limited (a token bucket); what
 * is not written is counted, by why. Anyone who may create pods where the webhook is called can make it
 * skip pods: without these bounds every such pod was an Event write at the API server.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { EventGate, type EventGateOptions } from '../../sidecar/src/injector/event-gate.js';
import type { SkipEvent } from '../../sidecar/src/injector/events.js';
import { InjectorMetrics } from '../../sidecar/src/injector/metrics.js';
import { createInjectorApp } from '../../sidecar/src/injector/server.js';
import type { SidecarSettings } from '../../sidecar/src/injector/settings.js';
import { admissionReview, jobManagerPod } from '../fixtures/admission.js';

const SETTINGS: SidecarSettings = {
  image: 'registry.example/flink-autoscaler:0.1.0',
  imagePullPolicy: 'IfNotPresent',
  resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '256Mi' } },
  port: 9877,
  nativeSidecar: false,
  logFormat: 'json',
  logHeartbeatSeconds: 300,
  policyArgs: [],
};

const servers: Server[] = [];
afterAll(() => {
  for (const server of servers) server.close();
});

/** An injector app on loopback with a settable clock; `events` are the Events it asked to write. */
async function injector(gate?: (clock: () => number) => EventGate) {
  let now = Date.parse('2026-12-04T12:00:00Z');
  const clock = () => now;
  const metrics = new InjectorMetrics();
  const events: SkipEvent[] = [];
  const logs: Record<string, unknown>[] = [];
  const app = createInjectorApp({
    settings: SETTINGS,
    metrics,
    clock,
    recordSkip: async (e) => void events.push(e),
    log: (level, msg, fields) => logs.push({ level, msg, ...fields }),
    ...(gate ? { eventGate: gate(clock) } : {}),
  });
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/mutate`;
  /** A JobManager pod of `deployment` with a bad inject annotation (a skip a person should see). */
  const skip = async (deployment: string, namespace = 'streaming', value = 'yes') => {
    const pod = jobManagerPod(deployment, { annotations: { 'flink-autoscaler.io/inject': value } });
    const res = await fetch(url, {
      method: 'POST',
      body: JSON.stringify(admissionReview(pod, { namespace })),
    });
    const body = (await res.json()) as { response: { allowed: boolean; warnings?: string[] } };
    expect(body.response.allowed).toBe(true);
    expect(body.response.warnings?.[0]).toMatch(/must be "true" or "false"/);
  };
  const suppressed = async (reason: string) =>
    Number(
      new RegExp(`flink_autoscaler_injector_events_suppressed_total\\{reason="${reason}"\\} (\\d+)`).exec(
        await metrics.text(),
      )?.[1] ?? 0,
    );
  const advance = (ms: number) => (now += ms);
  return { skip, events, suppressed, advance, logs };
}

describe('Events about skipped pods', () => {
  it('one Event for the same problem of the same object, however often it comes; another after the window', async () => {
    const inj = await injector();
    for (let i = 0; i < 50; i++) await inj.skip('orders');
    expect(inj.events).toHaveLength(1);
    expect(await inj.suppressed('duplicate')).toBe(49);
    inj.advance(9 * 60_000);
    await inj.skip('orders');
    expect(inj.events).toHaveLength(1);
    inj.advance(60_000 + 1);
    await inj.skip('orders');
    expect(inj.events).toHaveLength(2);
    // Another message (another bad value) or another object is another Event.
    await inj.skip('orders', 'streaming', 'maybe');
    await inj.skip('payments');
    expect(inj.events).toHaveLength(4);
  });

  it('rate-limited: a burst of 20, then 10 a minute; the rest counted, not written', async () => {
    const inj = await injector();
    for (let i = 0; i < 100; i++) await inj.skip(`job-${i}`);
    expect(inj.events).toHaveLength(20);
    expect(await inj.suppressed('rate-limited')).toBe(80);
    inj.advance(60_000);
    for (let i = 100; i < 200; i++) await inj.skip(`job-${i}`);
    expect(inj.events).toHaveLength(30);
    inj.advance(30_000);
    for (let i = 200; i < 300; i++) await inj.skip(`job-${i}`);
    expect(inj.events).toHaveLength(35);
    expect(await inj.suppressed('rate-limited')).toBe(300 - 35);
    // Every admission is still answered and logged, with what became of its Event.
    expect(inj.logs.filter((l) => l.msg === 'admission' && l.event === 'rate-limited')).toHaveLength(265);
  });

  it('only in the namespaces it serves: a pod elsewhere is answered, warned, counted, and no Event written', async () => {
    const inj = await injector((clock) => new EventGate({ namespaces: new Set(['streaming']), clock }));
    await inj.skip('orders', 'tenant-b');
    await inj.skip('orders', 'kube-system');
    expect(inj.events).toEqual([]);
    expect(await inj.suppressed('not-served')).toBe(2);
    await inj.skip('orders', 'streaming');
    expect(inj.events).toMatchObject([{ namespace: 'streaming', deployment: 'orders' }]);
  });

  it('serving no namespace writes no Event at all', async () => {
    const inj = await injector((clock) => new EventGate({ namespaces: new Set(), clock }));
    await inj.skip('orders');
    expect(inj.events).toEqual([]);
    expect(await inj.suppressed('not-served')).toBe(1);
  });
});

describe('EventGate', () => {
  const event = (deployment: string, message = 'm'): SkipEvent => ({
    namespace: 'streaming',
    deployment,
    reason: 'bad-annotation',
    message,
  });
  const gate = (options: Partial<EventGateOptions> = {}) => {
    let now = 0;
    const g = new EventGate({ clock: () => now, ...options });
    return { g, advance: (ms: number) => (now += ms) };
  };

  it('duplicates do not spend tokens; refused Events are not remembered as written', () => {
    const { g, advance } = gate({ perMinute: 1, burst: 1 });
    expect(g.admit(event('a'))).toBe('write');
    expect(g.admit(event('a'))).toBe('duplicate');
    expect(g.admit(event('b'))).toBe('rate-limited');
    advance(60_000);
    // b was never written, so it is not a duplicate: it gets the new token.
    expect(g.admit(event('b'))).toBe('write');
  });

  it('tells pods apart by name when no FlinkDeployment is named', () => {
    const { g } = gate();
    const pod = (podName: string): SkipEvent => ({
      namespace: 'streaming',
      podName,
      reason: 'x',
      message: 'm',
    });
    expect(g.admit(pod('a-'))).toBe('write');
    expect(g.admit(pod('a-'))).toBe('duplicate');
    expect(g.admit(pod('b-'))).toBe('write');
  });

  it('remembers a bounded number of Events however many distinct ones come', () => {
    const { g, advance } = gate();
    for (let i = 0; i < 20_000; i++) {
      g.admit(event(`job-${i}`, `message ${i}`));
      advance(500); // 20,000 distinct Events over about 3 hours, 120 a minute
    }
    // At most what the bucket lets through within one window: 20 + 10 × 10.
    expect(g.remembered()).toBeLessThanOrEqual(120);
  });

  it('refuses settings that would make it useless', () => {
    expect(() => new EventGate({ perMinute: 0 })).toThrow(/perMinute/);
    expect(() => new EventGate({ burst: 0 })).toThrow(/burst/);
    expect(() => new EventGate({ dedupeSeconds: -1 })).toThrow(/dedupeSeconds/);
  });
});
