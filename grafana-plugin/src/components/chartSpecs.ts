/**
 * The charts the panel draws, each a signal against its thresholds: backlog time (scale up above 120 s,
 * down only below 10 s by default), CPU (above 90 %, below 70 %), backlog, backlog growth, throughput, and
 * current against desired workers. Thresholds are the sidecar's exported values.
 */
import type { GrafanaTheme2 } from '@grafana/data';
import type { SeriesMap } from '../data/frames';
import { formatDuration, formatNumber, formatPercent, formatRate } from '../data/format';
import type { Snapshot } from '../data/snapshot';
import type { Series } from '../data/frames';

export interface ChartLine {
  /** The legend's and the tooltip's name of the line. */
  label: string;
  series: Series[];
  color: string;
}

export interface ChartThreshold {
  label: string;
  value: number;
  color: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  current: string;
  /** A mark beside the current value (the backlog: how much of it is an estimate). */
  note?: string;
  lines: ChartLine[];
  thresholds: ChartThreshold[];
  format: (value: number) => string;
  emptyText: string;
  /** Grafana's unit id of the y axis and the tooltip; a unit set in the field config comes first. */
  unit: string;
  /** What the y axis shows, in words (and that it is logarithmic when it is). */
  axisLabel: string;
  /** A symmetric-log y axis (Grafana's symlog), linear within ±1. */
  log?: boolean;
  /** Whole numbers only (worker counts): steps, and no fractional ticks. */
  steps?: boolean;
}

const show = (value: number | undefined, format: (v: number) => string) =>
  value === undefined ? 'no data' : format(value);

export function chartSpecs(series: SeriesMap, s: Snapshot, theme: GrafanaTheme2): ChartSpec[] {
  const color = (name: string) => theme.visualization.getColorByName(name);
  const up = color('red');
  const down = color('green');
  const t = s.thresholds;
  const noSignal =
    'No samples in this time range: the sidecar exports signals once its window is full while the job is RUNNING.';
  const rate = (v: number) => formatRate(v, s.unit);
  const bytes = s.unit === 'bytes';
  return [
    {
      id: 'backlogTime',
      title: 'Backlog time',
      current: show(s.backlogTime, formatDuration),
      lines: [{ label: 'backlog time', series: series.backlogTime ?? [], color: color('blue') }],
      thresholds: [
        {
          label: `up > ${formatDuration(t.scaleUpBacklogTime.value)}`,
          value: t.scaleUpBacklogTime.value,
          color: up,
        },
        {
          label: `down < ${formatDuration(t.scaleDownBacklogTime.value)}`,
          value: t.scaleDownBacklogTime.value,
          color: down,
        },
      ],
      format: formatDuration,
      emptyText: noSignal,
      unit: 's',
      axisLabel: 'backlog time (log scale)',
      log: true,
    },
    {
      id: 'cpu',
      title: 'CPU',
      current: show(s.cpu, formatPercent),
      lines: [{ label: 'CPU', series: series.cpu ?? [], color: color('purple') }],
      thresholds: [
        { label: `up > ${formatPercent(t.scaleUpCpu.value)}`, value: t.scaleUpCpu.value, color: up },
        { label: `down < ${formatPercent(t.scaleDownCpu.value)}`, value: t.scaleDownCpu.value, color: down },
      ],
      format: formatPercent,
      emptyText: noSignal,
      unit: 'percentunit',
      axisLabel: 'CPU utilisation',
    },
    {
      id: 'backlog',
      title: `Backlog (${s.unit})`,
      current: show(s.backlog, formatNumber),
      ...(s.estimatedShare !== undefined && s.estimatedShare > 0
        ? { note: `estimate: ${formatPercent(s.estimatedShare)} of splits unknown` }
        : {}),
      lines: [{ label: 'backlog', series: series.backlog ?? [], color: color('orange') }],
      thresholds: [],
      format: formatNumber,
      emptyText: noSignal,
      unit: bytes ? 'bytes' : 'short',
      axisLabel: `backlog (${s.unit})`,
    },
    {
      id: 'backlogGrowth',
      title: 'Backlog growth',
      current: show(s.backlogGrowth, rate),
      lines: [{ label: 'backlog growth', series: series.backlogGrowth ?? [], color: color('yellow') }],
      thresholds: [],
      format: formatNumber,
      emptyText: noSignal,
      unit: bytes ? 'Bps' : 'short',
      axisLabel: `growth (${s.unit}/s)`,
    },
    {
      id: 'throughput',
      title: 'Throughput',
      current: show(s.throughput, rate),
      lines: [{ label: 'throughput', series: series.throughput ?? [], color: color('green') }],
      thresholds: [],
      format: formatNumber,
      emptyText: noSignal,
      unit: bytes ? 'Bps' : 'short',
      axisLabel: `throughput (${s.unit}/s)`,
    },
    {
      id: 'workers',
      title: 'Workers / desired',
      current: `${show(s.workers, String)} / ${show(s.desired, String)}`,
      lines: [
        { label: 'workers', series: series.workers ?? [], color: color('blue') },
        { label: 'desired', series: series.desired ?? [], color: color('orange') },
      ],
      thresholds: [],
      format: formatNumber,
      emptyText: 'No worker count in this time range: is Prometheus scraping the sidecar?',
      unit: 'none',
      axisLabel: 'TaskManagers',
      steps: true,
    },
  ];
}
