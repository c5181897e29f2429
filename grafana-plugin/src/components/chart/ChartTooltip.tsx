/**
 * The hover tooltip of a signal chart, in Grafana's tooltip parts (VizTooltip header and rows): the time
 * under the cursor and each line's value there in the chart's unit (∞ for an infinite backlog time).
 */
import { dateTimeFormat, type TimeZone } from '@grafana/data';
import {
  VizTooltipColorIndicator,
  VizTooltipContent,
  VizTooltipHeader,
  VizTooltipWrapper,
  type VizTooltipItem,
} from '@grafana/ui';
import React from 'react';
import { TEST_IDS } from '../../testIds';
import type { PlotData } from './plotData';
import type { PlotLine } from './plotConfig';

export interface TooltipRowsInput {
  data: PlotData;
  lines: readonly PlotLine[];
  /** uPlot's data index per series (index 0 is the x column). */
  dataIdxs: ReadonlyArray<number | null>;
  format: (value: number) => string;
  timeZone: TimeZone;
  /** The line the cursor is closest to, highlighted. */
  seriesIdx?: number | null;
}

/** The tooltip's header (time) and rows (label, value) at the hovered indexes. */
export function tooltipRows(input: TooltipRowsInput): { header: VizTooltipItem; rows: VizTooltipItem[] } {
  const { data, lines, dataIdxs, format, timeZone, seriesIdx } = input;
  const times = data.columns[0];
  const at = dataIdxs.find((i, s) => s > 0 && i != null) ?? dataIdxs[0];
  const time = at == null ? undefined : times[at];
  const header: VizTooltipItem = {
    label: 'Time',
    value: time === undefined ? '' : dateTimeFormat(time, { timeZone }),
  };
  const rows: VizTooltipItem[] = [];
  lines.forEach((line, i) => {
    const idx = dataIdxs[i + 1];
    if (idx == null) return;
    const value = data.columns[i + 1]?.[idx];
    if (value == null) return;
    rows.push({
      label: line.label,
      value: data.infinite[i]?.has(idx) ? '∞' : format(value),
      color: line.color,
      colorIndicator: VizTooltipColorIndicator.series,
      isActive: seriesIdx === i + 1,
    });
  });
  return { header, rows };
}

export function ChartTooltip(props: TooltipRowsInput & { isPinned: boolean }) {
  const { header, rows } = tooltipRows(props);
  return (
    <div data-testid={TEST_IDS.chartTooltip}>
      <VizTooltipWrapper>
        <VizTooltipHeader item={header} isPinned={props.isPinned} />
        <VizTooltipContent items={rows} isPinned={props.isPinned} />
      </VizTooltipWrapper>
    </div>
  );
}
