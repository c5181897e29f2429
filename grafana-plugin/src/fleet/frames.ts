/** The panel's data frames as the fleet model reads them: each numeric field one series, with its refId. */
import { FieldType, type DataFrame } from '@grafana/data';
import type { FleetSeries } from './model';

export function fleetSeries(frames: readonly DataFrame[]): FleetSeries[] {
  const out: FleetSeries[] = [];
  for (const frame of frames) {
    const time = frame.fields.find((field) => field.type === FieldType.time);
    if (!time) continue;
    for (const field of frame.fields) {
      if (field.type !== FieldType.number) continue;
      out.push({ refId: frame.refId, times: time.values, values: field.values, labels: field.labels ?? {} });
    }
  }
  return out;
}
