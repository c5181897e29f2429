/**
 * Turns the data frames of the panel's queries into series by key (see queries.ts). Each numeric field of
 * a frame is one series: its times, its values and its labels.
 */
import { FieldType, type DataFrame } from '@grafana/data';
import { seriesKeyOf, type SeriesKey } from './queries';

export interface Series {
  /** Unix ms, ascending. */
  times: ArrayLike<number>;
  /** null where there is no sample; +Infinity is a value (backlog with no throughput). */
  values: ArrayLike<number | null | undefined>;
  labels: Readonly<Record<string, string>>;
  /** The field's unit from the panel's field config (Grafana's unit id), when one is set. */
  unit?: string;
}

export type SeriesMap = Partial<Record<SeriesKey, Series[]>>;

export interface JobId {
  namespace: string;
  flinkdeployment: string;
}

export interface FrameData {
  series: SeriesMap;
  /** The jobs the series belong to (from their namespace and flinkdeployment labels). */
  jobs: JobId[];
}

export function readFrames(frames: readonly DataFrame[]): FrameData {
  const series: SeriesMap = {};
  const jobs = new Map<string, JobId>();
  for (const frame of frames) {
    const time = frame.fields.find((field) => field.type === FieldType.time);
    if (!time) continue;
    for (const field of frame.fields) {
      if (field.type !== FieldType.number) continue;
      const labels = field.labels ?? {};
      const key = seriesKeyOf(labels['__name__'], frame.refId);
      if (key === undefined) continue;
      const unit = field.config?.unit;
      (series[key] ??= []).push({
        times: time.values,
        values: field.values,
        labels,
        ...(unit ? { unit } : {}),
      });
      const namespace = labels['namespace'];
      const flinkdeployment = labels['flinkdeployment'];
      if (namespace !== undefined && flinkdeployment !== undefined) {
        jobs.set(`${namespace}/${flinkdeployment}`, { namespace, flinkdeployment });
      }
    }
  }
  return { series, jobs: [...jobs.values()] };
}

export interface Point {
  time: number;
  value: number;
}

/** The last sample of a series that is a number (+Infinity included), or undefined. */
export function lastPoint(series: Series): Point | undefined {
  for (let i = series.values.length - 1; i >= 0; i--) {
    const value = series.values[i];
    const time = series.times[i];
    if (typeof value === 'number' && !Number.isNaN(value) && time !== undefined) return { time, value };
  }
  return undefined;
}

/** The last point of the series, among several, that was sampled last. */
export function latest(list: readonly Series[] | undefined): (Point & { series: Series }) | undefined {
  let best: (Point & { series: Series }) | undefined;
  for (const series of list ?? []) {
    const point = lastPoint(series);
    if (point && (best === undefined || point.time > best.time)) best = { ...point, series };
  }
  return best;
}

/**
 * For a 0/1 series set (decision, reasons, gates, mode): the label values of the series that are 1 at
 * the latest time any of them was sampled. Prometheus ends a series that leaves the scrape (a staleness
 * marker), so a reason that no longer holds is not there at that time.
 */
export function activeLabels(list: readonly Series[] | undefined, label: string): string[] {
  const newest = latest(list);
  if (!newest) return [];
  const out: string[] = [];
  for (const series of list ?? []) {
    const point = lastPoint(series);
    const value = series.labels[label];
    if (point && point.time >= newest.time && point.value === 1 && value !== undefined) out.push(value);
  }
  return out;
}
