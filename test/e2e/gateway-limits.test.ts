/**
 * The gateway's limits on their own, on a test clock: a token bucket per caller IP (a minute's worth,
 * refilled continuously), one for the whole gateway (ten times as much), and the cap on reviews in flight.
 */
import { describe, expect, it } from 'vitest';
import { ConcurrencyGate, GLOBAL_BUDGET_FACTOR, RateLimiter } from '../../sidecar/src/gateway/limits.js';

describe('RateLimiter', () => {
  it('gives each IP a minute’s budget at once, then one request per 60/n seconds, with the wait', () => {
    let now = 0;
    const limiter = new RateLimiter(6, () => now);
    const taken = Array.from({ length: 7 }, () => limiter.take('10.0.0.1').ok);
    expect(taken).toEqual([true, true, true, true, true, true, false]);
    expect(limiter.take('10.0.0.1')).toEqual({ ok: false, scope: 'caller', retryAfterSeconds: 10 });
    expect(limiter.take('10.0.0.2').ok).toBe(true);
    now += 10_000;
    expect(limiter.take('10.0.0.1').ok).toBe(true);
    expect(limiter.take('10.0.0.1').ok).toBe(false);
  });

  it('stops everyone when the gateway’s budget is spent, whatever the IPs', () => {
    let now = 0;
    const limiter = new RateLimiter(2, () => now);
    expect(limiter.globalPerMinute).toBe(2 * GLOBAL_BUDGET_FACTOR);
    let admitted = 0;
    for (let ip = 0; ip < 50; ip += 1) {
      for (let i = 0; i < 2; i += 1) if (limiter.take(`10.0.1.${ip}`).ok) admitted += 1;
    }
    expect(admitted).toBe(20);
    expect(limiter.take('10.0.9.9')).toMatchObject({ ok: false, scope: 'gateway' });
    now += 3_000;
    expect(limiter.take('10.0.9.9').ok).toBe(true);
  });
});

describe('ConcurrencyGate', () => {
  it('lets `limit` in, refuses the next at once, and takes a release once', () => {
    const gate = new ConcurrencyGate(2);
    const first = gate.enter();
    const second = gate.enter();
    expect(gate.enter()).toBeUndefined();
    first?.();
    first?.();
    expect(gate.inFlight).toBe(1);
    expect(gate.enter()).toBeDefined();
    second?.();
  });
});
