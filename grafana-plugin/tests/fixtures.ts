/**
 * Data frames as Grafana's Prometheus data source hands them to the panel (one frame per series: a time
 * field and a number field labelled with the series' labels, `__name__` included), and panel props.
 */
import {
  createDataFrame,
  dateTime,
  EventBusSrv,
  FieldType,
  LoadingState,
  type DataFrame,
  type PanelData,
  type PanelProps,
} from '@grafana/data';
import { plugin } from '../src/module';
import { PANEL_QUERIES, type SeriesKey } from '../src/data/queries';
import type { PanelOptions } from '../src/types';

export const NS = 'streaming';
export const NAME = 'clickstream';
export const END = Date.UTC(2026, 5, 1, 12, 0, 0);
export const STEP = 15_000;

/** One series: `values[i]` at END - (n-1-i)·STEP. */
export function seriesFrame(
  key: SeriesKey,
  values: readonly (number | null)[],
  labels: Record<string, string> = {},
  job = { namespace: NS, flinkdeployment: NAME },
): DataFrame {
  const query = PANEL_QUERIES.find((q) => q.refId === key);
  if (!query) throw new Error(`no query ${key}`);
  const n = values.length;
  return createDataFrame({
    refId: key,
    fields: [
      { name: 'Time', type: FieldType.time, values: values.map((_, i) => END - (n - 1 - i) * STEP) },
      {
        name: 'Value',
        type: FieldType.number,
        values: [...values],
        labels: { __name__: query.metric, ...job, ...labels },
      },
    ],
  });
}

const constant = (v: number, n: number) => Array.from({ length: n }, () => v);

export interface JobState {
  workers: number;
  desired: number;
  throughput: number;
  backlog: number;
  backlogGrowth: number;
  backlogTime: number;
  cpu: number;
  action: 'scale-up' | 'scale-down' | 'none';
  reasons: string[];
  mode: 'active' | 'advisor';
}

/** The job of policy.md's second example: 10 workers… here 4, with backlog time 150 s and CPU 95 %. */
export const BUSY: JobState = {
  workers: 4,
  desired: 6,
  throughput: 1000,
  backlog: 150_000,
  backlogGrowth: 0,
  backlogTime: 150,
  cpu: 0.95,
  action: 'scale-up',
  reasons: ['backlog-time-high', 'cpu-high'],
  mode: 'advisor',
};

/** Every series the sidecar exports for one job, `n` samples each, at the default thresholds. */
export function jobFrames(state: JobState = BUSY, n = 20, skip: SeriesKey[] = []): DataFrame[] {
  const unit = { unit: 'records' };
  const frames: DataFrame[] = [
    seriesFrame('workers', constant(state.workers, n)),
    seriesFrame('desired', constant(state.desired, n)),
    seriesFrame('throughput', constant(state.throughput, n), unit),
    seriesFrame('backlog', constant(state.backlog, n), unit),
    seriesFrame('backlogGrowth', constant(state.backlogGrowth, n), unit),
    seriesFrame('backlogTime', constant(state.backlogTime, n)),
    seriesFrame('cpu', constant(state.cpu, n)),
    seriesFrame('scaleUpBacklogTime', constant(120, n)),
    seriesFrame('scaleDownBacklogTime', constant(10, n)),
    seriesFrame('scaleUpCpu', constant(0.9, n)),
    seriesFrame('scaleDownCpu', constant(0.7, n)),
    seriesFrame('targetCpu', constant(0.8, n)),
    seriesFrame('minWorkers', constant(1, n)),
    seriesFrame('maxWorkers', constant(20, n)),
    ...(['scale-up', 'scale-down', 'none'] as const).map((action) =>
      seriesFrame('decision', constant(state.action === action ? 1 : 0, n), { action }),
    ),
    ...state.reasons.map((reason) => seriesFrame('reasons', constant(1, n), { reason })),
    seriesFrame('mode', constant(1, n), { mode: state.mode }),
  ];
  return frames.filter((f) => !skip.includes(f.refId as SeriesKey));
}

export function defaultOptions(): PanelOptions {
  return plugin.defaults as PanelOptions;
}

export function panelData(series: DataFrame[], extra: Partial<PanelData> = {}): PanelData {
  const from = dateTime(END - 60 * 60 * 1000);
  const to = dateTime(END);
  return {
    state: LoadingState.Done,
    series,
    timeRange: { from, to, raw: { from: 'now-1h', to: 'now' } },
    ...extra,
  };
}

export function panelProps(
  series: DataFrame[],
  options: Partial<PanelOptions> = {},
  size: { width: number; height: number } = { width: 960, height: 640 },
  extra: Partial<PanelData> = {},
): PanelProps<PanelOptions> {
  const data = panelData(series, extra);
  const vars: Record<string, string> = { $namespace: NS, $flinkdeployment: NAME };
  return {
    id: 1,
    title: 'Flink autoscaler',
    data,
    timeRange: data.timeRange,
    timeZone: 'utc',
    options: { ...defaultOptions(), ...options },
    fieldConfig: { defaults: {}, overrides: [] },
    transparent: false,
    ...size,
    renderCounter: 0,
    eventBus: new EventBusSrv(),
    replaceVariables: (text: string) => vars[text] ?? text,
    onOptionsChange: () => undefined,
    onFieldConfigChange: () => undefined,
    onChangeTimeRange: () => undefined,
  } as PanelProps<PanelOptions>;
}
