/** One signal over the time range, with its threshold lines, as a light SVG chart. */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import React, { useMemo } from 'react';
import { extent, linePath, type Frame } from '../data/downsample';
import type { Series } from '../data/frames';
import { formatTime } from '../data/format';
import { TEST_IDS } from '../testIds';

export interface ChartLine {
  label: string;
  series: Series[];
  color: string;
}

export interface ChartThreshold {
  label: string;
  value: number;
  color: string;
}

export interface SignalChartProps {
  id: string;
  title: string;
  /** The current value, formatted, shown beside the title. */
  current: string;
  /** A mark beside the current value (an estimate), when there is one. */
  note?: string;
  lines: ChartLine[];
  thresholds: ChartThreshold[];
  from: number;
  to: number;
  width: number;
  height: number;
  format: (value: number) => string;
  /** Why there is nothing to draw, in words. */
  emptyText: string;
}

const AXIS = { left: 40, right: 6, top: 6, bottom: 16 };
/** Width of one character of a 10 px tick label, generously (digits are about 5.6 px in Grafana's font). */
export const TICK_CHAR_PX = 6.5;

/** The left margin that holds the widest y-axis label (right-aligned 4 px left of the axis). */
export function leftMargin(labels: string[]): number {
  return Math.max(AXIS.left, Math.ceil(4 + 2 + TICK_CHAR_PX * Math.max(0, ...labels.map((l) => l.length))));
}

export function SignalChart(props: SignalChartProps) {
  const { id, title, current, note, lines, thresholds, from, to, width, height, format, emptyText } = props;
  const styles = useStyles2(getStyles);
  const plotH = Math.max(10, Math.floor(height - AXIS.top - AXIS.bottom - 18));
  const yRange = useMemo(() => {
    const range = extent(
      lines.flatMap((l) => l.series),
      from,
      to,
    );
    if (!range) return undefined;
    const values = [range.min, range.max, ...thresholds.map((t) => t.value)];
    let yMin = Math.min(0, ...values);
    let yMax = Math.max(...values);
    if (yMax === yMin) yMax = yMin + 1;
    yMax += (yMax - yMin) * 0.08;
    if (yMin < 0) yMin -= (yMax - yMin) * 0.04;
    return { yMin, yMax };
  }, [lines, thresholds, from, to]);
  const left = yRange ? leftMargin([format(yRange.yMax), format(yRange.yMin)]) : AXIS.left;
  const plotW = Math.max(10, Math.floor(width - left - AXIS.right));
  const drawn = useMemo(() => {
    if (!yRange) return undefined;
    const { yMin, yMax } = yRange;
    const frame: Frame = { from, to, width: plotW, height: plotH, yMin, yMax };
    const y = (v: number) => plotH - ((v - yMin) / (yMax - yMin)) * plotH;
    return {
      frame,
      y,
      paths: lines.map((line) => ({ ...line, d: line.series.map((s) => linePath(s, frame)).join('') })),
    };
  }, [lines, yRange, from, to, plotW, plotH]);

  return (
    <div className={styles.chart} data-testid={TEST_IDS.chart(id)} style={{ width, height }}>
      <div className={styles.title}>
        <span>{title}</span>
        <span className={styles.current}>
          {current}
          {note !== undefined && (
            <span className={styles.note} data-testid={TEST_IDS.estimate} title={note}>
              {` (${note})`}
            </span>
          )}
        </span>
      </div>
      {drawn === undefined ? (
        <div className={styles.empty} style={{ height: height - 18 }}>
          {emptyText}
        </div>
      ) : (
        <svg
          width={width}
          height={height - 18}
          role="img"
          aria-label={`${title}: ${current}${note === undefined ? '' : ` (${note})`}`}
        >
          <g transform={`translate(${left},${AXIS.top})`} data-left={left}>
            <line x1={0} x2={plotW} y1={plotH} y2={plotH} className={styles.axis} />
            <text x={-4} y={8} className={styles.tick} textAnchor="end">
              {format(drawn.frame.yMax)}
            </text>
            <text x={-4} y={plotH} className={styles.tick} textAnchor="end">
              {format(drawn.frame.yMin)}
            </text>
            <text x={0} y={plotH + 13} className={styles.tick}>
              {formatTime(from)}
            </text>
            <text x={plotW} y={plotH + 13} className={styles.tick} textAnchor="end">
              {formatTime(to)}
            </text>
            {drawn.frame.yMin < 0 && (
              <line x1={0} x2={plotW} y1={drawn.y(0)} y2={drawn.y(0)} className={styles.axis} />
            )}
            {thresholds.map((t) => (
              <g key={t.label} data-testid={TEST_IDS.thresholdLine} data-value={t.value}>
                <line
                  x1={0}
                  x2={plotW}
                  y1={drawn.y(t.value)}
                  y2={drawn.y(t.value)}
                  stroke={t.color}
                  strokeDasharray="4 3"
                />
                <text
                  x={plotW - 2}
                  y={drawn.y(t.value) - 2}
                  className={styles.tick}
                  style={{ fill: t.color }}
                  textAnchor="end"
                >
                  {t.label}
                </text>
              </g>
            ))}
            {drawn.paths.map((p) => (
              <path key={p.label} d={p.d} stroke={p.color} fill="none" strokeWidth={1.5}>
                <title>{p.label}</title>
              </path>
            ))}
          </g>
        </svg>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  chart: css({ display: 'flex', flexDirection: 'column', minWidth: 0 }),
  title: css({
    display: 'flex',
    justifyContent: 'space-between',
    gap: theme.spacing(1),
    height: 18,
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
  }),
  current: css({ color: theme.colors.text.primary, fontWeight: theme.typography.fontWeightMedium }),
  note: css({ color: theme.colors.warning.text, fontWeight: theme.typography.fontWeightRegular }),
  axis: css({ stroke: theme.colors.border.medium }),
  tick: css({ fontSize: 10, fill: theme.colors.text.secondary }),
  empty: css({
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'center',
    textAlign: 'center',
    padding: theme.spacing(0.5),
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    border: `1px dashed ${theme.colors.border.weak}`,
  }),
});
