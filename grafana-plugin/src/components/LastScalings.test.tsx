import { render, screen } from '@testing-library/react';
import React from 'react';
import { describe, expect, it } from 'vitest';
import { END, STEP, seriesFrame } from '../../tests/fixtures';
import { readFrames } from '../data/frames';
import { lastScalings } from '../data/scalings';
import { TEST_IDS } from '../testIds';
import { LastScalings } from './LastScalings';

/** n samples, one STEP apart, ending at END. */
const n = 20;
const sampleTime = (i: number) => END - (n - 1 - i) * STEP;

function frames() {
  const seconds = (i: number) => (sampleTime(i) + 4000) / 1000;
  return [
    seriesFrame(
      'workers',
      Array.from({ length: n }, (_, i) => (i <= 5 ? 4 : i <= 12 ? 9 : 6)),
    ),
    seriesFrame('scalings', [...Array(5).fill(0), ...Array(15).fill(1)], {
      direction: 'up',
      trigger: 'policy',
    }),
    seriesFrame('scalings', [...Array(12).fill(null), ...Array(8).fill(1)], {
      direction: 'down',
      trigger: 'manual',
    }),
    // the sidecar's recent scalings: from the scrape after each scaling on, the scaling's time as the value
    seriesFrame('recentScalings', [...Array(5).fill(null), ...Array(15).fill(seconds(4))], {
      direction: 'up',
      trigger: 'policy',
      by: 'flink-autoscaler',
      from: '4',
      to: '9',
      reasons: 'backlog-time-high',
    }),
    seriesFrame('recentScalings', [...Array(12).fill(null), ...Array(8).fill(seconds(11))], {
      direction: 'down',
      trigger: 'manual',
      by: 'grafana:alice',
      from: '9',
      to: '6',
      reasons: 'manual',
    }),
    seriesFrame(
      'backlogTime',
      Array.from({ length: n }, (_, i) => (i === 5 ? 300 : 30)),
    ),
    seriesFrame('scaleUpBacklogTime', Array(n).fill(120)),
  ];
}

describe('the last scalings', () => {
  it('say who scaled from Prometheus’ frames: the person the gateway recorded, or the policy with its reasons', () => {
    const series = readFrames(frames()).series;
    render(<LastScalings scalings={lastScalings(series, 5, sampleTime(0))} now={END} />);
    const items = screen.getByTestId(TEST_IDS.scalings).querySelectorAll('li');
    expect([...items].map((li) => li.textContent?.replace(/^\S+ /, ''))).toEqual([
      'Scaled down 9 → 6 by grafana:alice (manual)',
      'Scaled up 4 → 9 by the policy',
    ]);
    // the reasons in words, with the figures at the scaling, on hover
    expect(items[1]?.getAttribute('title')).toBe('Backlog time 5 min is above 2 min.');
    expect(items[0]?.getAttribute('title')).toBeNull();
  });
});
