/**
 * A signal chart's DOM parts in jsdom (its drawing is checked in Chromium, test/e2e/grafana-panel-charts):
 * the legend, the threshold labels, a marker at each scaling with its words on hover and focus, and the
 * hover tooltip's rows.
 */
import { EventBusSrv } from '@grafana/data';
import { fireEvent, render, screen, within } from '@testing-library/react';
import React from 'react';
import { describe, expect, it } from 'vitest';
import type { Series } from '../../data/frames';
import { TEST_IDS } from '../../testIds';
import type { ChartSpec } from '../chartSpecs';
import { SignalChart } from '../SignalChart';
import { ChartTooltip, tooltipRows } from './ChartTooltip';
import type { OverlayMarker } from './ChartOverlays';
import { plotData } from './plotData';

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const times = Array.from({ length: 40 }, (_, i) => T0 + i * 15_000);
const series = (values: Array<number | null>, unit?: string): Series => ({
  times,
  values,
  labels: {},
  ...(unit ? { unit } : {}),
});

const manual: OverlayMarker = {
  time: times[10]!,
  direction: 'up',
  color: 'purple',
  title: 'Scaled up 4 → 6 by alice (manual)',
  lines: [],
};
const policy: OverlayMarker = {
  time: times[30]!,
  direction: 'down',
  color: 'blue',
  title: 'Scaled down 6 → 5 by the policy',
  lines: ['CPU 60 % is below 70 %.'],
};

function chart(over: Partial<ChartSpec> = {}, markers: OverlayMarker[] = [manual, policy]) {
  const spec: ChartSpec = {
    id: 'workers',
    title: 'Workers / desired',
    current: '5 / 5',
    lines: [
      {
        label: 'workers',
        color: 'blue',
        series: [series(times.map((_, i) => (i < 10 ? 4 : i < 30 ? 6 : 5)))],
      },
      { label: 'desired', color: 'orange', series: [series(times.map((_, i) => (i < 10 ? 6 : 5)))] },
    ],
    thresholds: [],
    format: String,
    emptyText: 'No worker count',
    unit: 'none',
    axisLabel: 'TaskManagers',
    steps: true,
    ...over,
  };
  render(
    <SignalChart
      {...spec}
      from={times[0]!}
      to={times[times.length - 1]!}
      width={400}
      height={200}
      timeZone="utc"
      eventBus={new EventBusSrv()}
      onChangeTimeRange={() => undefined}
      syncKey="fas-panel-1"
      markers={markers}
    />,
  );
  return screen.getByTestId(TEST_IDS.chart(spec.id));
}

describe('a signal chart', () => {
  it('names its lines in a legend: workers against desired', () => {
    const el = chart();
    const legend = within(el).getByTestId(TEST_IDS.chartLegend);
    expect(within(legend).getByText('workers')).toBeInTheDocument();
    expect(within(legend).getByText('desired')).toBeInTheDocument();
  });

  it('marks each scaling under the plot, and says who and why on hover and on focus', async () => {
    const el = chart();
    const markers = await within(el).findAllByTestId(TEST_IDS.scalingMarker);
    expect(markers.map((m) => Number(m.getAttribute('data-time')))).toEqual([manual.time, policy.time]);
    expect(markers[1]).toHaveAccessibleName('Scaled down 6 → 5 by the policy. CPU 60 % is below 70 %.');
    // Later in time, further right.
    expect(parseFloat(markers[0]!.style.left)).toBeLessThan(parseFloat(markers[1]!.style.left));
    expect(screen.queryByTestId(TEST_IDS.scalingTooltip)).toBeNull();
    fireEvent.mouseEnter(markers[0]!);
    expect(screen.getByTestId(TEST_IDS.scalingTooltip)).toHaveTextContent(
      'Scaled up 4 → 6 by alice (manual)',
    );
    fireEvent.mouseLeave(markers[0]!);
    expect(screen.queryByTestId(TEST_IDS.scalingTooltip)).toBeNull();
    fireEvent.focus(markers[1]!);
    expect(screen.getByTestId(TEST_IDS.scalingTooltip)).toHaveTextContent(
      'Scaled down 6 → 5 by the policyCPU 60 % is below 70 %.',
    );
  });

  it('groups scalings closer than a few pixels into one marker, whose tooltip lists them newest first with a count', async () => {
    // Three scalings within 10 s on a 10-minute chart 400 px wide (a few pixels apart), one far from them.
    const close = [0, 5_000, 10_000].map((dt, k): OverlayMarker => ({
      time: times[20]! + dt,
      direction: k === 1 ? 'down' : 'up',
      color: 'orange',
      title: `Scaled ${k === 1 ? 'down' : 'up'} ${4 + k} → ${5 + k} by the policy`,
      lines: [`reason ${k}`],
    }));
    const el = chart({}, [manual, ...close]);
    const markers = await within(el).findAllByTestId(TEST_IDS.scalingMarker);
    expect(markers).toHaveLength(2);
    expect(markers[0]).toHaveAccessibleName('Scaled up 4 → 6 by alice (manual)');
    const group = markers[1]!;
    expect(group.getAttribute('data-count')).toBe('3');
    // At the newest scaling's time, between the first and the last.
    expect(Number(group.getAttribute('data-time'))).toBe(close[2]!.time);
    expect(group.getAttribute('data-times')).toBe(
      close
        .map((m) => m.time)
        .reverse()
        .join(','),
    );
    expect(group).toHaveAccessibleName(
      '3 scalings. Scaled up 6 → 7 by the policy. reason 2. Scaled down 5 → 6 by the policy. reason 1. Scaled up 4 → 5 by the policy. reason 0',
    );
    fireEvent.mouseEnter(group);
    const tooltip = screen.getByTestId(TEST_IDS.scalingTooltip);
    expect(tooltip).toHaveTextContent(
      '3 scalings' +
        'Scaled up 6 → 7 by the policyreason 2' +
        'Scaled down 5 → 6 by the policyreason 1' +
        'Scaled up 4 → 5 by the policyreason 0',
    );
  });

  it('labels its thresholds inside the plot', async () => {
    const el = chart(
      {
        id: 'cpu',
        lines: [{ label: 'CPU', color: 'purple', series: [series(times.map(() => 0.8))] }],
        thresholds: [
          { label: 'up > 90 %', value: 0.9, color: 'red' },
          { label: 'down < 70 %', value: 0.7, color: 'green' },
        ],
        unit: 'percentunit',
        steps: false,
      },
      [],
    );
    const labels = await within(el).findAllByTestId(TEST_IDS.thresholdLine);
    expect(labels.map((l) => [l.textContent, Number(l.getAttribute('data-value'))])).toEqual([
      ['up > 90 %', 0.9],
      ['down < 70 %', 0.7],
    ]);
    // In the plot area (uPlot's .u-over), not beside the y axis.
    for (const l of labels) expect(l.parentElement).toHaveClass('u-over');
  });

  it('says so instead of drawing an empty chart', () => {
    const el = chart({
      lines: [{ label: 'workers', color: 'blue', series: [series(times.map(() => null))] }],
    });
    expect(el).toHaveTextContent('No worker count');
    expect(el.querySelector('canvas')).toBeNull();
  });
});

describe('the hover tooltip', () => {
  const data = plotData([series([4, 5, 6]), series([6, Infinity, 6])], times[0]!, times[2]!, 120);
  const lines = [
    { label: 'backlog time', color: 'blue' },
    { label: 'other', color: 'red' },
  ];

  it('gives the time and each line’s value in the unit, ∞ where the value is infinite', () => {
    const { header, rows } = tooltipRows({
      data,
      lines,
      dataIdxs: [1, 1, 1],
      format: (v) => `${v} s`,
      timeZone: 'utc',
      seriesIdx: 2,
    });
    expect(header.value).toBe('2026-06-01 12:00:15');
    expect(rows.map((r) => [r.label, r.value, r.isActive])).toEqual([
      ['backlog time', '5 s', false],
      ['other', '∞', true],
    ]);
  });

  it('renders in Grafana’s tooltip parts', () => {
    render(
      <ChartTooltip
        data={data}
        lines={lines}
        dataIdxs={[0, 0, 0]}
        format={(v) => `${v} s`}
        timeZone="utc"
        isPinned={false}
      />,
    );
    const tooltip = screen.getByTestId(TEST_IDS.chartTooltip);
    expect(tooltip).toHaveTextContent('2026-06-01 12:00:00');
    expect(tooltip).toHaveTextContent('backlog time');
    expect(tooltip).toHaveTextContent('4 s');
  });
});
