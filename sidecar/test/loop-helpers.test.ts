/**
 * The control loop's small pure helpers: the start-up backoff (capped, jittered, never zero), the retry that
 * does not give up until stopped, what counts as a manual replica change and its hold, and which failed
 * writes must be read back.
 */
import { describe, expect, it } from 'vitest';
import { KubeError } from '../src/kube/api-error.js';
import type { FlinkDeployment } from '../src/kube/deployment.js';
import { HOLD_ANNOTATION, serializeHold } from '../src/kube/manual-hold.js';
import { mayHaveHappened } from '../src/loop/lost-answer.js';
import { annotatedHold, manualChangeOf } from '../src/loop/manual-change.js';
import { backoffMs, retryUntilStarted } from '../src/loop/startup.js';

const T0 = Date.UTC(2026, 0, 1);

function deployment(replicas: number, annotations: Record<string, string> = {}): FlinkDeployment {
  return { metadata: { name: 'job', annotations }, spec: { taskManager: { replicas } } };
}

describe('start-up backoff', () => {
  it('doubles from the first wait up to the cap, with half of it random', () => {
    expect(backoffMs(1, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffMs(3, 1000, 60_000, () => 0.5)).toBe(3000);
    expect(backoffMs(10, 1000, 60_000, () => 1)).toBe(60_000);
    expect(backoffMs(1000, 1000, 60_000, () => 0)).toBe(30_000);
  });

  it('retries until the attempt succeeds, and stops trying when stopped', async () => {
    const waits: number[] = [];
    let calls = 0;
    const log: string[] = [];
    const ok = await retryUntilStarted(
      async () => {
        calls++;
        if (calls < 4) throw new Error(`not yet ${calls}`);
      },
      { log: (_l, msg) => log.push(msg), random: () => 0, sleep: async (ms) => void waits.push(ms) },
    );
    expect(ok).toBe(true);
    expect(calls).toBe(4);
    expect(waits).toEqual([500, 1000, 2000]);
    expect(log.filter((m) => m.includes('trying again'))).toHaveLength(3);

    let stopped = false;
    const gaveUp = await retryUntilStarted(
      async () => {
        throw new Error('never');
      },
      { log: () => undefined, sleep: async () => void (stopped = true), stopped: () => stopped },
    );
    expect(gaveUp).toBe(false);
  });
});

describe('manual replica changes', () => {
  it('is a change from the known count to one the sidecar did not ask for, held for manualHoldSeconds', () => {
    expect(manualChangeOf(10, deployment(14), [], T0, 600)).toEqual({
      from: 10,
      to: 14,
      hold: { until: T0 + 600_000, by: '', reason: '' },
      annotated: false,
    });
    expect(manualChangeOf(10, deployment(10), [], T0, 600)).toBeUndefined();
    expect(manualChangeOf(10, deployment(14), [14], T0, 600)).toBeUndefined();
    expect(manualChangeOf(undefined, deployment(14), [], T0, 600)).toBeUndefined();
  });

  it('takes who, why and until when from a hold annotation that names the new count', () => {
    const hold = {
      replicas: 14,
      by: 'grafana:alice',
      reason: 'incident 7',
      at: new Date(T0).toISOString(),
      until: new Date(T0 + 1800_000).toISOString(),
    };
    const named = deployment(14, { [HOLD_ANNOTATION]: serializeHold(hold) });
    expect(manualChangeOf(10, named, [], T0, 600)).toMatchObject({
      hold: { until: T0 + 1800_000, by: 'grafana:alice', reason: 'incident 7' },
      annotated: true,
    });
    // a hold for another count, an ended hold, or a bad one: not this change's
    expect(annotatedHold(deployment(13, { [HOLD_ANNOTATION]: serializeHold(hold) }), T0)).toBeUndefined();
    expect(annotatedHold(named, T0 + 1800_000)).toBeUndefined();
    expect(annotatedHold(deployment(14, { [HOLD_ANNOTATION]: '{"replicas":14}' }), T0)).toBeUndefined();
  });
});

describe('writes to read back', () => {
  it('follows the error’s own word, else reads back all but a 4xx refusal', () => {
    expect(mayHaveHappened(new KubeError('timeout', 'x', undefined, { mayHaveHappened: true }))).toBe(true);
    expect(mayHaveHappened(new KubeError('conflict', 'x', 409))).toBe(false);
    expect(mayHaveHappened({ mayHaveHappened: false, status: 504 })).toBe(false);
    expect(mayHaveHappened(new Error('socket hang up'))).toBe(true);
  });
});
