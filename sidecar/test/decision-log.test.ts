/**
 * The decision log (a line when the decision or its reasons change, a heartbeat otherwise) and the advice
 * Events (one per change of the advised direction), on evaluations as the autoscaler gives them.
 */
import { DEFAULT_CONFIG, type Evaluation } from '@flink-autoscaler/shared';
import { describe, expect, it } from 'vitest';
import { AdviceTracker } from '../src/loop/advice.js';
import { DecisionLog, type DecisionLogEntry } from '../src/loop/decision-log.js';

const T0 = Date.UTC(2026, 0, 1);

function evaluation(
  action: Evaluation['action'],
  target: number,
  reasons: string[],
  gates: Evaluation['gates'] = [],
  decided: Evaluation['action'] = action,
): Evaluation {
  return {
    time: T0,
    gates,
    action,
    targetWorkers: target,
    config: DEFAULT_CONFIG,
    signals: {
      time: T0,
      workers: 10,
      cpu: 0.9512345,
      source: {
        id: 'src',
        unit: 'records',
        throughput: 1000.04,
        backlog: 150_000.4,
        backlogGrowth: 12.34,
        backlogTime: 150.004,
        inputRate: 1012.3,
        samples: 8,
      },
      sources: [],
    },
    decision: {
      action: decided,
      desiredWorkers: target,
      reasons: reasons as never,
      backlogTime: 150,
      inputRate: 1012,
      cpuNeed: 12,
      unbounded: target,
    },
  };
}

function logger() {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  return {
    lines,
    log: (level: string, msg: string, fields: Record<string, unknown> = {}) =>
      lines.push({ level, msg, fields }),
  };
}

const entry = (e: Evaluation, mode: 'active' | 'advisor' = 'advisor'): DecisionLogEntry => ({
  mode,
  advising: mode === 'advisor',
  evaluation: e,
  workers: 10,
  gates: e.gates,
});

describe('the decision log', () => {
  it('logs when the decision or its reasons change, not when only the target moves, and a heartbeat', () => {
    const { lines, log } = logger();
    const decisions = new DecisionLog(log, 300);
    const up = (target: number, reasons = ['cpu-high']) => evaluation('scale-up', target, reasons);
    const at = (seconds: number) => T0 + seconds * 1000;
    expect(decisions.record(at(0), entry(up(20)))).toBe(true);
    expect(decisions.record(at(15), entry(up(21)))).toBe(false);
    expect(decisions.record(at(30), entry(up(23)))).toBe(false);
    // a new reason is a change
    expect(decisions.record(at(45), entry(up(23, ['backlog-time-high', 'cpu-high'])))).toBe(true);
    // nothing changes for 300 s: a heartbeat, then again 300 s later
    const quiet = [60, 120, 344, 345, 400, 644, 645].map((s) =>
      decisions.record(at(s), entry(up(24, ['backlog-time-high', 'cpu-high']))),
    );
    expect(quiet).toEqual([false, false, false, true, false, false, true]);
    // a gate is a change too (why it does not act)
    expect(
      decisions.record(at(660), entry(evaluation('none', 10, ['cpu-high'], ['cooldown'], 'scale-up'))),
    ).toBe(true);
    expect(lines.map((l) => [l.level, l.msg, l.fields['heartbeat'] ?? false])).toEqual([
      ['info', 'decision', false],
      ['info', 'decision', false],
      ['info', 'decision', true],
      ['info', 'decision', true],
      ['info', 'decision', false],
    ]);
    expect(lines[0]?.fields).toEqual({
      mode: 'advisor',
      advising: true,
      action: 'scale-up',
      workers: 10,
      targetWorkers: 20,
      decision: 'scale-up',
      desiredWorkers: 20,
      reasons: ['cpu-high'],
      gates: [],
      signals: {
        cpu: 0.951,
        source: 'src',
        unit: 'records',
        throughput: 1000,
        backlog: 150000,
        backlogGrowth: 12.3,
        backlogTimeSeconds: 150,
        inputRate: 1012.3,
        samples: 8,
      },
    });
    expect(lines[4]?.fields).toMatchObject({ action: 'none', gates: ['cooldown'] });
  });

  it('an evaluation without signals (no data) is logged with signals null', () => {
    const { lines, log } = logger();
    const decisions = new DecisionLog(log);
    const missing: Evaluation = {
      time: T0,
      gates: ['data-missing'],
      action: 'none',
      targetWorkers: 10,
      config: DEFAULT_CONFIG,
    };
    decisions.record(T0, entry(missing, 'active'));
    expect(lines[0]?.fields).toMatchObject({
      mode: 'active',
      decision: null,
      reasons: [],
      gates: ['data-missing'],
      signals: null,
    });
  });
});

describe('advice Events', () => {
  const WHY = 'advisor mode';
  it('one per change of the advised direction, not per target; none first says nothing', () => {
    const advice = new AdviceTracker();
    const said = [
      advice.next(evaluation('none', 10, ['within-bands']), 10, [], WHY),
      advice.next(evaluation('scale-up', 20, ['cpu-high']), 10, [], WHY),
      advice.next(evaluation('scale-up', 22, ['cpu-high']), 10, [], WHY),
      advice.next(evaluation('scale-up', 25, ['backlog-time-high']), 10, [], WHY),
      // a cycle without a decision (no data) changes nothing
      advice.next(
        { ...evaluation('none', 10, []), decision: undefined, gates: ['data-missing'] } as Evaluation,
        10,
        ['data-missing'],
        WHY,
      ),
      advice.next(evaluation('scale-up', 24, ['cpu-high']), 10, [], WHY),
      advice.next(
        evaluation('none', 10, ['cpu-low'], ['scale-down-stabilizing'], 'scale-down'),
        10,
        ['scale-down-stabilizing'],
        WHY,
      ),
      advice.next(evaluation('scale-down', 6, ['cpu-low']), 10, [], WHY),
      advice.next(evaluation('scale-down', 5, ['cpu-low']), 10, [], WHY),
    ].map((a) => a?.message);
    expect(said).toEqual([
      undefined,
      'would scale up from 10 to 20 TaskManagers (cpu-high); advisor mode',
      undefined,
      undefined,
      undefined,
      undefined,
      'advises no scaling now: the scale-down waits (scale-down-stabilizing); advisor mode',
      'would scale down from 10 to 6 TaskManagers (cpu-low); advisor mode',
      undefined,
    ]);
  });

  it('after reset (the sidecar acted meanwhile) the same direction is announced again', () => {
    const advice = new AdviceTracker();
    expect(advice.next(evaluation('scale-up', 20, ['cpu-high']), 10, [], WHY)).toBeDefined();
    advice.reset();
    expect(advice.next(evaluation('scale-up', 20, ['cpu-high']), 10, [], WHY)?.direction).toBe('up');
    expect(advice.next(evaluation('none', 10, ['within-bands']), 10, [], WHY)?.message).toBe(
      'advises no scaling now: 10 TaskManagers fit (within-bands); advisor mode',
    );
  });
});
