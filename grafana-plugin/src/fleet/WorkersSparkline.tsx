/** A job's workers over the time range as Grafana's Sparkline draws it (uPlot), in steps. */
import { FieldColorModeId, FieldType, type Field, type TimeRange } from '@grafana/data';
import { GraphDrawStyle, LineInterpolation } from '@grafana/schema';
import { Sparkline, useTheme2 } from '@grafana/ui';
import React, { useMemo } from 'react';
import type { Series } from '../data/frames';
import { FLEET_IDS } from './testIds';

export function WorkersSparkline({
  series,
  timeRange,
  width,
  height,
}: {
  series: Series | undefined;
  timeRange: TimeRange;
  width: number;
  height: number;
}) {
  const theme = useTheme2();
  const sparkline = useMemo(() => {
    if (!series || series.values.length < 2) return undefined;
    const values = Array.from(series.values, (v) => (typeof v === 'number' ? v : null));
    const numbers = values.filter((v): v is number => v !== null && Number.isFinite(v));
    if (numbers.length === 0) return undefined;
    const min = Math.min(...numbers);
    const max = Math.max(...numbers);
    const y: Field = {
      name: 'workers',
      type: FieldType.number,
      values,
      config: {
        min: 0,
        color: { mode: FieldColorModeId.Fixed, fixedColor: theme.colors.primary.text },
        custom: {
          drawStyle: GraphDrawStyle.Line,
          lineInterpolation: LineInterpolation.StepAfter,
          lineWidth: 1,
          fillOpacity: 15,
        },
      },
      state: { range: { min, max, delta: max - min } },
    };
    const x: Field = { name: 'time', type: FieldType.time, values: Array.from(series.times), config: {} };
    return { x, y, timeRange };
  }, [series, timeRange, theme]);
  const label = sparkline
    ? `workers from ${sparkline.y.state?.range?.min} to ${sparkline.y.state?.range?.max} in the time range`
    : 'no workers series in the time range';
  return (
    <div data-testid={FLEET_IDS.sparkline} aria-label={label} title={label} style={{ width, height }}>
      {sparkline && <Sparkline width={width} height={height} sparkline={sparkline} theme={theme} />}
    </div>
  );
}
