/** The uPlot configuration of a chart, as Grafana's time series builds it. */
import { createTheme } from '@grafana/data';
import { describe, expect, it } from 'vitest';
import { buildPlotConfig, thresholdSteps, unitFormatter, type PlotSpec } from './plotConfig';

const theme = createTheme();
const spec = (over: Partial<PlotSpec> = {}): PlotSpec => ({
  lines: [{ label: 'backlog time', color: '#5794F2' }],
  thresholds: [
    { value: 120, color: '#F2495C' },
    { value: 10, color: '#73BF69' },
  ],
  unit: 's',
  axisLabel: 'backlog time (log scale)',
  log: true,
  from: 1_000_000,
  to: 2_000_000,
  timeZone: 'utc',
  theme,
  syncKey: 'fas-panel-3',
  markers: [],
  ...over,
});

describe('buildPlotConfig', () => {
  it('labels the y axis with what it shows, and the log axis says it is logarithmic', () => {
    const axes = buildPlotConfig(spec()).getConfig().axes ?? [];
    expect(axes.map((a) => a.label)).toEqual([undefined, 'backlog time (log scale)']);
  });

  it('draws the backlog time on Grafana’s symmetric log scale, others linear', () => {
    expect(buildPlotConfig(spec()).getConfig().scales?.['y']?.distr).toBe(4);
    expect(buildPlotConfig(spec({ log: false })).getConfig().scales?.['y']?.distr).toBe(1);
  });

  it('spans the dashboard’s time range and shares the crosshair under the panel’s key', () => {
    const config = buildPlotConfig(spec()).getConfig();
    const range = config.scales?.['x']?.range as () => [number, number];
    expect(range()).toEqual([1_000_000, 2_000_000]);
    expect(config.cursor?.sync?.key).toBe('fas-panel-3');
  });

  it('writes tick labels in the chart’s unit', () => {
    const axes = buildPlotConfig(spec({ unit: 'percentunit', log: false })).getConfig().axes ?? [];
    const values = axes[1]?.values as (u: unknown, splits: number[]) => string[];
    expect(values(undefined, [0.7, 0.9])).toEqual(['70%', '90%']);
  });

  it('draws the thresholds with Grafana’s hook, and a line at each scaling', () => {
    // Grafana draws thresholds under the lines (drawClear); the scalings' lines go over them (draw).
    const hooks = (s: PlotSpec) => buildPlotConfig(s).getConfig().hooks ?? {};
    expect(hooks(spec({ thresholds: [] })).drawClear ?? []).toHaveLength(0);
    expect(hooks(spec()).drawClear ?? []).toHaveLength(1);
    expect(hooks(spec()).draw ?? []).toHaveLength(0);
    expect(hooks(spec({ markers: [{ time: 1_500_000, color: 'red' }] })).draw ?? []).toHaveLength(1);
  });

  it('gives one series per line, stepped for worker counts', () => {
    const config = buildPlotConfig(
      spec({
        lines: [
          { label: 'workers', color: 'blue' },
          { label: 'desired', color: 'orange' },
        ],
        steps: true,
      }),
    ).getConfig();
    expect(config.series.length).toBe(3);
  });
});

describe('thresholdSteps', () => {
  it('starts transparent and goes up, each threshold in its colour', () => {
    expect(
      thresholdSteps([
        { value: 120, color: 'red' },
        { value: 10, color: 'green' },
      ]),
    ).toEqual([
      { value: -Infinity, color: 'transparent' },
      { value: 10, color: 'green' },
      { value: 120, color: 'red' },
    ]);
  });
});

describe('unitFormatter', () => {
  it('is Grafana’s formatter of the unit', () => {
    expect(unitFormatter('s')(120)).toBe('2 mins');
    expect(unitFormatter('bytes')(2048)).toBe('2 KiB');
  });
});
