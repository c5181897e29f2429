/** The scalings of the time range as chart markers: where, which way, in what colour, and in words. */
import type { GrafanaTheme2 } from '@grafana/data';
import { describeScaling } from '../../data/scaling-words';
import type { Scaling } from '../../data/scalings';
import type { OverlayMarker } from './ChartOverlays';

export function scalingMarkers(scalings: readonly Scaling[], theme: GrafanaTheme2): OverlayMarker[] {
  const color = (name: string) => theme.visualization.getColorByName(name);
  return scalings.map((s) => ({
    time: s.time,
    direction: s.direction,
    color:
      s.trigger === 'manual' ? color('purple') : s.direction === 'down' ? color('blue') : color('orange'),
    ...describeScaling(s),
  }));
}
