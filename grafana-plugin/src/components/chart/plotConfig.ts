/**
 * The uPlot configuration of one signal chart, built as Grafana's time series builds its own
 * (UPlotConfigBuilder): a time x axis over the dashboard's range, a y axis in the chart's unit with a label
 * that says what it shows, one line per series, the thresholds drawn by Grafana's threshold hook (dashed
 * lines in the thresholds' colours), and a dashed vertical line at every scaling.
 */
import {
  formattedValueToString,
  getValueFormat,
  ThresholdsMode,
  type DecimalCount,
  type GrafanaTheme2,
  type TimeZone,
} from '@grafana/data';
import {
  AxisPlacement,
  DrawStyle,
  GraphThresholdsStyleMode,
  LineInterpolation,
  PointVisibility,
  ScaleDirection,
  ScaleDistribution,
  ScaleOrientation,
  UPlotConfigBuilder,
} from '@grafana/ui';
import type uPlot from 'uplot';

export interface PlotLine {
  label: string;
  color: string;
}

export interface PlotThreshold {
  value: number;
  color: string;
}

export interface PlotMarkerLine {
  time: number;
  color: string;
}

export interface PlotSpec {
  /** One entry per value column of the data. */
  lines: PlotLine[];
  thresholds: PlotThreshold[];
  /** Grafana unit id. */
  unit: string;
  axisLabel: string;
  log?: boolean;
  steps?: boolean;
  from: number;
  to: number;
  timeZone: TimeZone;
  theme: GrafanaTheme2;
  /** uPlot's cursor sync key: the charts of one panel share their crosshair. */
  syncKey: string;
  /** Where the scalings are (a dashed vertical line each). */
  markers: PlotMarkerLine[];
}

/** The chart's value formatter: Grafana's formatter of the unit ("2 min", "90%", "1.2 K"). */
export function unitFormatter(unit: string): (value: number, decimals?: DecimalCount) => string {
  const format = getValueFormat(unit);
  return (value, decimals) => formattedValueToString(format(value, decimals));
}

/** Grafana's threshold steps for the chart's lines: a transparent base, then each threshold upwards. */
export function thresholdSteps(thresholds: readonly PlotThreshold[]) {
  return [
    { value: -Infinity, color: 'transparent' },
    ...[...thresholds].sort((a, b) => a.value - b.value).map((t) => ({ value: t.value, color: t.color })),
  ];
}

export function buildPlotConfig(spec: PlotSpec): UPlotConfigBuilder {
  const { theme, from, to } = spec;
  // The browser's own time needs no conversion of each date (uPlot's tzDate goes through toLocaleString
  // when the zone Grafana resolves is spelled otherwise than the browser's, e.g. Africa/Abidjan for UTC).
  const builder = new UPlotConfigBuilder(spec.timeZone === 'browser' ? undefined : spec.timeZone);
  builder.setCursor({ sync: { key: spec.syncKey, scales: ['x', null] } });
  // Room on the right for half of the last time label (it was cut at the chart's edge).
  builder.setPadding([9, 16, 0, 0]);
  builder.addScale({
    scaleKey: 'x',
    isTime: true,
    orientation: ScaleOrientation.Horizontal,
    direction: ScaleDirection.Right,
    range: () => [from, to],
  });
  builder.addAxis({
    scaleKey: 'x',
    isTime: true,
    placement: AxisPlacement.Bottom,
    timeZone: spec.timeZone,
    theme,
    grid: { show: true },
  });
  const highest = spec.thresholds.reduce((m, t) => Math.max(m, t.value), Number.NEGATIVE_INFINITY);
  const distribution = spec.log ? ScaleDistribution.Symlog : ScaleDistribution.Linear;
  builder.addScale({
    scaleKey: 'y',
    orientation: ScaleOrientation.Vertical,
    direction: ScaleDirection.Up,
    distribution,
    ...(spec.log ? { log: 10, linearThreshold: 1 } : {}),
    // The thresholds stay in view, and the chart starts at zero.
    softMin: 0,
    softMax: Number.isFinite(highest) ? highest : null,
    ...(spec.steps ? { decimals: 0 } : {}),
  });
  const format = unitFormatter(spec.unit);
  builder.addAxis({
    scaleKey: 'y',
    placement: AxisPlacement.Left,
    label: spec.axisLabel,
    theme,
    distr: distribution,
    formatValue: (v: number, decimals) => format(v, spec.steps ? 0 : decimals),
    ...(spec.steps ? { decimals: 0 } : {}),
    grid: { show: true },
  });
  for (const line of spec.lines) {
    builder.addSeries({
      scaleKey: 'y',
      theme,
      drawStyle: DrawStyle.Line,
      lineInterpolation: spec.steps ? LineInterpolation.StepAfter : LineInterpolation.Linear,
      lineColor: line.color,
      lineWidth: 1,
      fillOpacity: 0,
      showPoints: PointVisibility.Never,
      pointSize: 4,
      spanNulls: false,
    });
  }
  if (spec.thresholds.length > 0) {
    builder.addThresholds({
      scaleKey: 'y',
      thresholds: { mode: ThresholdsMode.Absolute, steps: thresholdSteps(spec.thresholds) },
      config: { mode: GraphThresholdsStyleMode.Dashed },
      theme,
      softMin: 0,
    });
  }
  if (spec.markers.length > 0) builder.addHook('draw', (u: uPlot) => drawMarkerLines(u, spec.markers));
  return builder;
}

/** A dashed vertical line at each scaling, as Grafana draws an annotation's line. */
function drawMarkerLines(u: uPlot, markers: readonly PlotMarkerLine[]): void {
  const { ctx, bbox } = u;
  ctx.save();
  ctx.beginPath();
  ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
  ctx.clip();
  ctx.lineWidth = 1;
  ctx.setLineDash([4, 4]);
  for (const m of markers) {
    const x = Math.round(u.valToPos(m.time, 'x', true));
    ctx.beginPath();
    ctx.moveTo(x, bbox.top);
    ctx.lineTo(x, bbox.top + bbox.height);
    ctx.strokeStyle = m.color;
    ctx.stroke();
  }
  ctx.restore();
}
