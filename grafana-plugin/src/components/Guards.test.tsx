/**
 * Issue 13: the panel says when a guard keeps the sidecar to advice (its flink_autoscaler_guard{guard} series),
 * and why, in words; a guard at 0 (lifted) shows nothing.
 */
import { render, screen } from '@testing-library/react';
import React from 'react';
import { beforeEach, describe, expect, it } from 'vitest';
import { BUSY, jobFrames, panelProps, seriesFrame } from '../../tests/fixtures';
import { mockGateway } from '../../tests/gateway-mock';
import { TEST_IDS } from '../testIds';
import { FlinkAutoscalerPanel } from './FlinkAutoscalerPanel';

beforeEach(() => {
  mockGateway({});
});

const ACTIVE = { ...BUSY, mode: 'active' as const };
const guard = (id: string, value: number) => seriesFrame('guards', [value, value], { guard: id });

describe('the panel and the guards', () => {
  it('shows each guard that holds in words, and the decision as advice only', () => {
    const frames = [
      ...jobFrames(ACTIVE),
      guard('operator-autoscaler', 1),
      guard('native-mode', 1),
      guard('not-reactive', 0),
    ];
    render(<FlinkAutoscalerPanel {...panelProps(frames)} />);
    const guards = screen.getByTestId(TEST_IDS.guards);
    expect(guards).toHaveTextContent('the Flink Kubernetes Operator’s own autoscaler is on for this job');
    expect(guards).toHaveTextContent('job.autoscaler.enabled');
    expect(guards).toHaveTextContent('runs in native mode');
    expect(guards).toHaveTextContent('--allow-native-mode');
    expect(guards).not.toHaveTextContent('Reactive Mode (scheduler-mode');
    expect(guards.querySelectorAll('li')).toHaveLength(2);
    expect(screen.getByTestId(TEST_IDS.mode)).toHaveTextContent('active');
    expect(screen.getByTestId(TEST_IDS.headline)).toHaveTextContent('Scale up: 4 → 6 workers');
    expect(screen.getByTestId(TEST_IDS.headline)).toHaveTextContent('advice only: guarded');
  });

  it('shows nothing when every guard is lifted (0) or the sidecar exports none', () => {
    const lifted = [...jobFrames(ACTIVE), guard('operator-autoscaler', 0), guard('native-mode', 0)];
    const { unmount } = render(<FlinkAutoscalerPanel {...panelProps(lifted)} />);
    expect(screen.queryByTestId(TEST_IDS.guards)).toBeNull();
    expect(screen.getByTestId(TEST_IDS.headline)).not.toHaveTextContent('advice only');
    unmount();
    render(<FlinkAutoscalerPanel {...panelProps(jobFrames(ACTIVE))} />);
    expect(screen.queryByTestId(TEST_IDS.guards)).toBeNull();
  });

  it('names a guard it does not know by its code', () => {
    render(<FlinkAutoscalerPanel {...panelProps([...jobFrames(ACTIVE), guard('new-guard', 1)])} />);
    expect(screen.getByTestId(TEST_IDS.guards)).toHaveTextContent('guard new-guard holds');
  });
});
