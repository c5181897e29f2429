/** The status report (loop/status-report.ts): GET /api/v1/status from a snapshot of the loop. */
import { DEFAULT_CONFIG, initialState } from '@flink-autoscaler/shared';
import { describe, expect, it } from 'vitest';
import { statusReport, type StatusView } from '../src/loop/status-report.js';

const now = Date.parse('2026-12-06T12:00:00Z');

const view: StatusView = {
  now,
  namespace: 'streaming',
  name: 'clickstream',
  up: true,
  live: { live: true, reason: 'ok' },
  ready: { ready: true, reason: 'ok' },
  startFailure: undefined,
  notReadyReason: undefined,
  lastCycleAt: now - 15_000,
  leader: { leader: true, identity: 'jm-0', holder: 'jm-0' },
  watching: { watching: true },
  mode: 'active',
  paused: false,
  jobState: 'RUNNING',
  evaluation: undefined,
  config: DEFAULT_CONFIG,
  bounds: { min: 1, max: 100 },
  sidecarGates: [],
  guards: [],
  state: initialState(),
  droppedSamples: new Map([['stale', 2]]),
  sources: [],
  warnings: [],
};

describe('the status report', () => {
  it('says what a healthy sidecar saw, with times as ISO strings and nulls for what it has not', () => {
    const report = statusReport(view);
    expect(report.flinkdeployment).toEqual({ namespace: 'streaming', name: 'clickstream' });
    expect(report.notReady).toBeNull();
    expect(report.lastCycleAt).toBe('2026-12-06T11:59:45.000Z');
    expect(report.decision).toBeNull();
    expect(report.action).toBeNull();
    expect(report.hold).toBeNull();
    expect(report.droppedSamples).toEqual({ stale: 2 });
    expect(report.thresholds.bounds).toEqual({ min: 1, max: 100 });
  });

  it('gives a start failure in full, and otherwise the not-ready reason with the readiness text', () => {
    const failed = statusReport({
      ...view,
      startFailure: {
        reason: 'flinkdeployment-forbidden',
        message: 'no get',
        since: now - 60_000,
        attempts: 3,
      },
      notReadyReason: 'flinkdeployment-forbidden',
    });
    expect(failed.notReady).toEqual({
      reason: 'flinkdeployment-forbidden',
      message: 'no get',
      since: '2026-12-06T11:59:00.000Z',
      attempts: 3,
    });
    const unreachable = statusReport({
      ...view,
      notReadyReason: 'flink-unreachable',
      ready: { ready: false, reason: 'Flink did not answer' },
    });
    expect(unreachable.notReady).toEqual({ reason: 'flink-unreachable', message: 'Flink did not answer' });
  });

  it('shows a hold only until it ends, with who and why', () => {
    const state = { ...initialState(), hold: { until: now + 60_000, user: 'ana', note: '' } };
    expect(statusReport({ ...view, state }).hold).toEqual({
      until: '2026-12-06T12:01:00.000Z',
      by: 'ana',
      reason: null,
    });
    expect(statusReport({ ...view, state, now: now + 60_000 }).hold).toBeNull();
  });

  it("lists the evaluation's gates and then the sidecar's own", () => {
    const evaluation = {
      time: now,
      gates: ['cooldown' as const],
      action: 'none' as const,
      targetWorkers: 4,
      config: DEFAULT_CONFIG,
    };
    const report = statusReport({ ...view, evaluation, sidecarGates: ['paused'] });
    expect(report.gates).toEqual(['cooldown', 'paused']);
    expect(report.action).toEqual({ action: 'none', targetWorkers: 4 });
  });
});
