/**
 * What the chart shows over uPlot's canvas, as DOM (so it can be read, hovered and focused): each threshold's
 * label inside the plot at its right end (never over the y axis's labels), and a marker under the plot at
 * every scaling, as Grafana marks an annotation, whose tooltip says from, to, who and why (scalings a few
 * pixels apart share one marker, with their count, whose tooltip lists them newest first).
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Portal, useStyles2, type UPlotConfigBuilder } from '@grafana/ui';
import React, { useLayoutEffect, useReducer, useState } from 'react';
import { createPortal } from 'react-dom';
import type uPlot from 'uplot';
import { TEST_IDS } from '../../testIds';
import { placeLabels } from './labelPlacement';
import { groupMarkers, groupTitle, groupWords, type MarkerGroup } from './markerGroups';

export interface OverlayThreshold {
  label: string;
  value: number;
  color: string;
}

export interface OverlayMarker {
  time: number;
  direction: 'up' | 'down' | undefined;
  color: string;
  title: string;
  lines: string[];
}

interface Props {
  config: UPlotConfigBuilder;
  thresholds: OverlayThreshold[];
  markers: OverlayMarker[];
}

const LABEL_HEIGHT = 13;

export function ChartOverlays({ config, thresholds, markers }: Props) {
  const styles = useStyles2(getStyles);
  const [plot, setPlot] = useState<uPlot>();
  // One tooltip per chart, for the marker under the pointer or with the focus (not one per marker: a week
  // holds dozens of scalings on each of six charts).
  const [active, setActive] = useState<{ index: number; x: number; y: number }>();
  const [, redrawn] = useReducer((n: number) => n + 1, 0);
  useLayoutEffect(() => {
    config.addHook('ready', (u) => setPlot(u));
    // Scales and sizes change on draw (new data, new size): place the overlays again.
    config.addHook('draw', () => redrawn());
  }, [config]);
  if (!plot) return null;
  // uPlot's own sizes (canvas px): reading the element's size would force a layout per chart.
  const height = plot.bbox.height / devicePixelRatio;
  const width = plot.bbox.width / devicePixelRatio;
  const ys = thresholds.map((t) => plot.valToPos(t.value, 'y'));
  const slots = placeLabels(ys, LABEL_HEIGHT, height);
  const labels = thresholds.map((t, i) => (
    <div
      key={t.label}
      className={styles.label}
      style={{ top: slots[i]?.top ?? 0, color: t.color }}
      data-testid={TEST_IDS.thresholdLine}
      data-value={t.value}
    >
      {t.label}
    </div>
  ));
  const xAxis = plot.root.querySelector<HTMLElement>('.u-axis');
  const groups = groupMarkers(
    markers
      .map((marker) => ({ marker, left: Math.round(plot.valToPos(marker.time, 'x')) || 0 }))
      .filter(({ left }) => left >= 0 && left <= width),
  );
  const marks = groups.map((g, i) => {
    const newest = g.markers[0]!;
    const show = (e: React.SyntheticEvent<HTMLElement>) => {
      const r = e.currentTarget.getBoundingClientRect();
      setActive({ index: i, x: r.left + r.width / 2, y: r.bottom });
    };
    const hide = () => setActive((a) => (a?.index === i ? undefined : a));
    return (
      <div
        key={`${newest.time}:${g.markers.length}`}
        className={newest.direction === 'down' ? styles.markerDown : styles.markerUp}
        style={{ left: g.left, color: newest.color }}
        role="img"
        tabIndex={0}
        aria-label={groupWords(g).join('. ')}
        data-testid={TEST_IDS.scalingMarker}
        data-time={newest.time}
        data-count={g.markers.length}
        data-times={g.markers.map((m) => m.time).join(',')}
        onMouseEnter={show}
        onFocus={show}
        onMouseLeave={hide}
        onBlur={hide}
      >
        {g.markers.length > 1 && <span className={styles.count}>{g.markers.length}</span>}
      </div>
    );
  });
  const shown = active === undefined ? undefined : groups[active.index];
  return (
    <>
      {createPortal(labels, plot.over)}
      {xAxis && createPortal(marks, xAxis)}
      {active && shown && (
        <Portal>
          <div className={styles.tooltip} style={{ left: active.x, top: active.y + 4 }}>
            <MarkerTooltip group={shown} />
          </div>
        </Portal>
      )}
    </>
  );
}

export function MarkerTooltip({ group }: { group: MarkerGroup }) {
  const styles = useStyles2(getStyles);
  const [only] = group.markers;
  if (group.markers.length === 1 && only) {
    return (
      <div data-testid={TEST_IDS.scalingTooltip}>
        <ScalingWords marker={only} />
      </div>
    );
  }
  return (
    <div data-testid={TEST_IDS.scalingTooltip}>
      <div className={styles.tooltipTitle}>{groupTitle(group)}</div>
      {group.markers.map((m) => (
        <div key={`${m.time}:${m.title}`} className={styles.groupMember}>
          <ScalingWords marker={m} />
        </div>
      ))}
    </div>
  );
}

function ScalingWords({ marker }: { marker: Pick<OverlayMarker, 'title' | 'lines'> }) {
  const styles = useStyles2(getStyles);
  return (
    <>
      <div className={styles.tooltipTitle}>{marker.title}</div>
      {marker.lines.map((line) => (
        <div key={line}>{line}</div>
      ))}
    </>
  );
}

const triangle = {
  position: 'absolute' as const,
  top: 0,
  width: 0,
  height: 0,
  borderLeft: '5px solid transparent',
  borderRight: '5px solid transparent',
  transform: 'translateX(-50%)',
  cursor: 'pointer',
  zIndex: 1,
};

const getStyles = (theme: GrafanaTheme2) => ({
  label: css({
    position: 'absolute',
    right: 2,
    height: LABEL_HEIGHT,
    lineHeight: `${LABEL_HEIGHT}px`,
    fontSize: 10,
    whiteSpace: 'nowrap',
    pointerEvents: 'none',
    textShadow: `0 0 2px ${theme.colors.background.primary}`,
  }),
  // ▲ for a scale-up, ▼ for a scale-down, in the marker's colour (currentColor).
  markerUp: css({ ...triangle, borderBottom: '6px solid currentColor' }),
  markerDown: css({ ...triangle, borderTop: '6px solid currentColor' }),
  tooltipTitle: css({ fontWeight: theme.typography.fontWeightMedium }),
  groupMember: css({ marginTop: theme.spacing(0.5) }),
  // A group's count, beside its triangle.
  count: css({
    position: 'absolute',
    top: -2,
    left: 6,
    fontSize: 9,
    lineHeight: '10px',
    color: 'currentColor',
    pointerEvents: 'none',
  }),
  // As Grafana's tooltips look (theme.components.tooltip).
  tooltip: css({
    position: 'fixed',
    transform: 'translateX(-50%)',
    maxWidth: 360,
    padding: theme.spacing(0.5, 1),
    background: theme.components.tooltip.background,
    color: theme.components.tooltip.text,
    borderRadius: theme.shape.radius.default,
    boxShadow: theme.shadows.z2,
    fontSize: theme.typography.bodySmall.fontSize,
    pointerEvents: 'none',
    zIndex: theme.zIndex.tooltip,
  }),
});
