/**
 * A chart's y-axis labels start inside the chart (the top label began at x = -2 with wide values), at
 * every panel size.
 */
import { render, screen } from '@testing-library/react';
import React from 'react';
import { describe, expect, it } from 'vitest';
import { TEST_IDS } from '../testIds';
import { SignalChart } from './SignalChart';

/** A 10 px digit in Grafana's Inter is about 5.6 px; judge with 6 px so a real browser has headroom. */
const CHAR_PX = 6;

function chart(width: number, height: number, top: number) {
  const times = Array.from({ length: 50 }, (_, i) => 1_700_000_000_000 + i * 15_000);
  const values = times.map((_, i) => (top * i) / 49);
  render(
    <SignalChart
      id="throughput"
      title="Throughput"
      current="x"
      lines={[{ label: 'throughput', color: 'green', series: [{ times, values, labels: {} }] }]}
      thresholds={[]}
      from={times[0]!}
      to={times[times.length - 1]!}
      width={width}
      height={height}
      format={(v) => `${(v / 1000).toFixed(1)} k/s`}
      emptyText="none"
    />,
  );
  return screen.getByTestId(TEST_IDS.chart('throughput'));
}

describe('a signal chart', () => {
  it.each([
    [160, 90, 5_000],
    [360, 120, 123_456],
    [960, 200, 99_999_999],
  ])('at %i×%i with values up to %i keeps its y labels inside the chart', (width, height, top) => {
    const el = chart(width, height, top);
    const plot = el.querySelector('svg > g')!;
    const left = Number(/translate\(([\d.]+),/.exec(plot.getAttribute('transform') ?? '')?.[1]);
    const labels = [...plot.querySelectorAll(':scope > text[text-anchor="end"]')].filter(
      (t) => Number(t.getAttribute('x')) < 0,
    );
    expect(labels.length).toBe(2);
    for (const label of labels) {
      const start = left + Number(label.getAttribute('x')) - CHAR_PX * (label.textContent ?? '').length;
      expect(start, label.textContent ?? '').toBeGreaterThanOrEqual(0);
    }
    const svg = el.querySelector('svg')!;
    expect(Number(svg.getAttribute('width'))).toBeLessThanOrEqual(width);
  });
});
