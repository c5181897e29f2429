/** The sidecar's health rules (loop/health.ts): live, ready and the not_ready reason from a snapshot. */
import { describe, expect, it } from 'vitest';
import {
  defaultLivenessSeconds,
  liveness,
  notReadyReason,
  readiness,
  type HealthView,
} from '../src/loop/health.js';

const healthy: HealthView = {
  now: 1_000_000,
  createdAt: 0,
  lastCycleAt: 990_000,
  livenessMs: 300_000,
  startFailure: undefined,
  deploymentRead: true,
  gone: false,
  flinkAsked: true,
  flinkReached: true,
};
const failure = { reason: 'flinkdeployment-forbidden', message: 'forbidden', since: 0, attempts: 4 };

describe('the liveness period', () => {
  it('is 10 intervals, at least 300 s', () => {
    expect(defaultLivenessSeconds(15)).toBe(300);
    expect(defaultLivenessSeconds(60)).toBe(600);
  });

  it('is live up to the period since the last cycle, not a millisecond past it', () => {
    expect(liveness({ ...healthy, lastCycleAt: 700_000 })).toEqual({ live: true, reason: 'ok' });
    expect(liveness({ ...healthy, lastCycleAt: 699_999 })).toEqual({
      live: false,
      reason: 'no evaluation cycle completed for 300 s (limit 300 s)',
    });
  });

  it('counts from the start until the first cycle, and says why the start failed', () => {
    const never = { ...healthy, lastCycleAt: undefined, createdAt: 600_000 };
    expect(liveness(never).live).toBe(false);
    expect(liveness({ ...never, startFailure: failure }).reason).toBe(
      'no evaluation cycle completed in 400 s since the start (limit 300 s): forbidden',
    );
    expect(liveness({ ...never, createdAt: 800_000 }).live).toBe(true);
  });
});

describe('readiness and the not_ready reason', () => {
  it('is ready with the FlinkDeployment read and Flink answering', () => {
    expect(readiness(healthy)).toEqual({ ready: true, reason: 'ok' });
    expect(notReadyReason(healthy)).toBeUndefined();
  });

  it('names the first thing missing, a failed start before all else', () => {
    const cases: [Partial<HealthView>, string, string][] = [
      [
        { startFailure: failure, gone: true },
        'flinkdeployment-forbidden',
        'cannot read the FlinkDeployment (4 attempts): forbidden',
      ],
      [{ deploymentRead: false, flinkAsked: false }, 'starting', 'the FlinkDeployment has not been read yet'],
      [{ gone: true, flinkReached: false }, 'flinkdeployment-gone', 'the FlinkDeployment was deleted'],
      [{ flinkAsked: false, flinkReached: false }, 'flink-not-asked', 'Flink has not been asked yet'],
      [
        { flinkReached: false, flinkDropMessage: 'connect ECONNREFUSED' },
        'flink-unreachable',
        'Flink not reachable: connect ECONNREFUSED',
      ],
      [{ flinkReached: false }, 'flink-unreachable', 'Flink not reachable: no answer'],
    ];
    for (const [change, reason, words] of cases) {
      const view = { ...healthy, ...change };
      expect(notReadyReason(view)).toBe(reason);
      expect(readiness(view)).toEqual({ ready: false, reason: words });
    }
  });
});
