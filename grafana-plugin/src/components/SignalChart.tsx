/**
 * One signal over the dashboard's time range, drawn with Grafana's own chart parts: uPlot through
 * @grafana/ui (UPlotChart and a UPlotConfigBuilder built as the time series panel builds its own), the
 * hover tooltip and drag-to-zoom of TooltipPlugin2 (a drag sets the dashboard's time range), the
 * dashboard's shared crosshair (uPlot's cursor sync and EventBusPlugin on the panel's event bus), a
 * legend (VizLegend), thresholds drawn by Grafana's threshold hook and labelled inside the plot, and a
 * marker at every scaling.
 */
import { css } from '@emotion/css';
import {
  DashboardCursorSync,
  type AbsoluteTimeRange,
  type EventBus,
  type GrafanaTheme2,
  type TimeZone,
} from '@grafana/data';
import {
  EventBusPlugin,
  LegendDisplayMode,
  TooltipPlugin2,
  UPlotChart,
  usePanelContext,
  useStyles2,
  useTheme2,
  VizLegend,
  type VizLegendItem,
} from '@grafana/ui';
import React, { useMemo, type ComponentProps } from 'react';
import { TEST_IDS } from '../testIds';
import { ChartOverlays, type OverlayMarker } from './chart/ChartOverlays';
import { ChartTooltip } from './chart/ChartTooltip';
import { buildPlotConfig, unitFormatter, type PlotLine } from './chart/plotConfig';
import { plotData } from './chart/plotData';
import type { ChartSpec } from './chartSpecs';

export interface SignalChartProps extends ChartSpec {
  from: number;
  to: number;
  width: number;
  height: number;
  timeZone: TimeZone;
  /** The panel's event bus: the crosshair is published there and followed from there. */
  eventBus: EventBus;
  /** Drag-to-zoom: the dashboard's time range. */
  onChangeTimeRange: (range: AbsoluteTimeRange) => void;
  /** The charts of one panel share their crosshair under this key (when the dashboard shares none). */
  syncKey: string;
  /** The scalings in the time range, described. */
  markers: OverlayMarker[];
}

const TITLE_HEIGHT = 18;
const LEGEND_HEIGHT = 24;
/** TooltipHoverMode.xAll: every line's value at the hovered time (a const enum @grafana/ui does not export). */
const X_ALL = 1 as ComponentProps<typeof TooltipPlugin2>['hoverMode'];

export function SignalChart(props: SignalChartProps) {
  const { id, title, current, note, lines, thresholds, from, to, width, height, emptyText } = props;
  const { timeZone, eventBus, onChangeTimeRange, syncKey, markers } = props;
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const panel = usePanelContext();
  // Outside a dashboard (no sync function) the crosshair is shared, as the charts of this panel share it.
  const sync = panel.sync?.() ?? DashboardCursorSync.Crosshair;
  const unit = lines.flatMap((l) => l.series).find((s) => s.unit !== undefined)?.unit ?? props.unit;
  const plotLines: PlotLine[] = useMemo(
    () => lines.flatMap((l) => l.series.map(() => ({ label: l.label, color: l.color }))),
    [lines],
  );
  const highest = thresholds.reduce((m, t) => Math.max(m, t.value), Number.NEGATIVE_INFINITY);
  const data = useMemo(() => {
    const all = lines.flatMap((l) => l.series);
    return plotData(all, from, to, Number.isFinite(highest) ? highest : undefined, width);
  }, [lines, from, to, highest, width]);
  const config = useMemo(
    () =>
      buildPlotConfig({
        lines: plotLines,
        thresholds,
        unit,
        axisLabel: props.axisLabel,
        log: props.log,
        steps: props.steps,
        from,
        to,
        timeZone,
        theme,
        syncKey,
        markers: markers.map((m) => ({ time: m.time, color: m.color })),
      }),
    [
      plotLines,
      thresholds,
      unit,
      props.axisLabel,
      props.log,
      props.steps,
      from,
      to,
      timeZone,
      theme,
      syncKey,
      markers,
    ],
  );
  const format = useMemo(() => unitFormatter(unit), [unit]);
  const legend: VizLegendItem[] = useMemo(
    () => [...new Map(lines.map((l) => [l.label, { label: l.label, color: l.color, yAxis: 1 }])).values()],
    [lines],
  );
  const plotHeight = Math.max(20, height - TITLE_HEIGHT - LEGEND_HEIGHT);
  const empty = data.max === undefined && data.infinite.every((s) => s.size === 0);

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
      {empty ? (
        <div className={styles.empty} style={{ height: height - TITLE_HEIGHT }}>
          {emptyText}
        </div>
      ) : (
        <>
          <div aria-label={`${title}: ${current}${note === undefined ? '' : ` (${note})`}`} role="img">
            <UPlotChart data={data.columns} width={width} height={plotHeight} config={config}>
              <EventBusPlugin config={config} eventBus={eventBus} />
              <TooltipPlugin2
                config={config}
                hoverMode={X_ALL}
                queryZoom={onChangeTimeRange}
                syncMode={sync}
                syncScope={panel.eventsScope}
                render={(u, dataIdxs, seriesIdx, isPinned) => (
                  <ChartTooltip
                    data={data}
                    lines={plotLines}
                    dataIdxs={dataIdxs}
                    seriesIdx={seriesIdx}
                    format={format}
                    timeZone={timeZone}
                    isPinned={isPinned}
                  />
                )}
              />
              <ChartOverlays config={config} thresholds={thresholds} markers={markers} />
            </UPlotChart>
          </div>
          <div className={styles.legend} data-testid={TEST_IDS.chartLegend}>
            <VizLegend items={legend} displayMode={LegendDisplayMode.List} placement="bottom" readonly />
          </div>
        </>
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
    height: TITLE_HEIGHT,
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
  }),
  current: css({ color: theme.colors.text.primary, fontWeight: theme.typography.fontWeightMedium }),
  note: css({ color: theme.colors.warning.text, fontWeight: theme.typography.fontWeightRegular }),
  legend: css({
    height: LEGEND_HEIGHT,
    overflow: 'hidden',
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    // The legend's names are (read-only) buttons: in the text colour, not the browser's button colour.
    button: { color: 'inherit' },
  }),
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
