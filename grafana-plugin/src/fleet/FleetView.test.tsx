/**
 * The fleet view in jsdom, fed frames shaped as Grafana's Prometheus data source gives them for the fleet
 * dashboard's queries: lists ordered by distance from the desired size, the decision in words, what holds a
 * job, links to the job dashboard, the worker-hours headline, and what it says without data.
 */
import {
  EventBusSrv,
  FieldType,
  LoadingState,
  createDataFrame,
  dateTime,
  type DataFrame,
  type PanelProps,
} from '@grafana/data';
import { render, screen, within } from '@testing-library/react';
import React from 'react';
import { describe, expect, it } from 'vitest';
import { plugin } from '../module';
import { drawCalls } from './jsdomCanvas';
import type { PanelOptions } from '../types';
import { FLEET_IDS } from './testIds';

const END = Date.UTC(2026, 11, 5, 12, 0, 0);
const STEPS = [END - 3 * 600_000, END - 2 * 600_000, END - 600_000, END];

function frame(refId: string, labels: Record<string, string>, values: number[]): DataFrame {
  const times = values.length === 1 ? [END] : STEPS.slice(-values.length);
  return createDataFrame({
    refId,
    fields: [
      { name: 'Time', type: FieldType.time, values: times },
      { name: 'Value', type: FieldType.number, labels, values },
    ],
  });
}

const job = (ns: string, name: string, extra: Record<string, string> = {}) => ({
  namespace: ns,
  flinkdeployment: name,
  ...extra,
});

/** Three jobs off their size (one of them paused in advisor mode), one guarded, totals and hours. */
function fleetFrames(): DataFrame[] {
  return [
    frame('offSize', job('a', 'clicks', { series: 'workers' }), [4, 4, 4, 4]),
    frame('offSize', job('a', 'clicks', { series: 'toDesired' }), [5, 5, 5, 5]),
    frame('offSize', job('b', 'orders', { series: 'workers' }), [9, 9, 12, 12]),
    frame('offSize', job('b', 'orders', { series: 'toDesired' }), [-6, -6, -6, -6]),
    frame('offSize', job('a', 'views', { series: 'workers' }), [3, 3, 3, 3]),
    frame('offSize', job('a', 'views', { series: 'toDesired' }), [1, 1, 1, 1]),
    frame('held', job('b', 'orders', { series: 'workers' }), [9, 9, 12, 12]),
    frame('held', job('b', 'orders', { series: 'toDesired' }), [-6, -6, -6, -6]),
    frame('guarded', job('c', 'legacy', { series: 'workers' }), [2, 2, 2, 2]),
    frame('guarded', job('c', 'legacy', { series: 'toDesired' }), [0, 0, 0, 0]),
    frame('holds', job('b', 'orders', { hold: 'paused' }), [1]),
    frame('holds', job('b', 'orders', { hold: 'advisor' }), [1]),
    frame('holds', job('c', 'legacy', { guard: 'native-mode' }), [1]),
    frame('totals', { total: 'jobs' }, [40000]),
    frame('totals', { total: 'offSize' }, [1234]),
    frame('totals', { total: 'held' }, [1]),
    frame('totals', { total: 'guarded' }, [1]),
    frame('hours', { hours: 'fixed' }, [2000]),
    frame('hours', { hours: 'used' }, [1500]),
  ];
}

function props(series: DataFrame[], options: Partial<PanelOptions> = {}, errors?: { message: string }[]) {
  const timeRange = {
    from: dateTime(END - 6 * 3600_000),
    to: dateTime(END),
    raw: { from: 'now-6h', to: 'now' },
  };
  return {
    id: 1,
    title: 'Jobs that need a look',
    data: { state: LoadingState.Done, series, timeRange, errors },
    timeRange,
    timeZone: 'utc',
    options: { ...(plugin.defaults as PanelOptions), view: 'fleet', ...options },
    fieldConfig: { defaults: {}, overrides: [] },
    transparent: false,
    width: 1200,
    height: 600,
    renderCounter: 0,
    eventBus: new EventBusSrv(),
    replaceVariables: (text: string) => text.replace('${datasource}', 'prom-uid'),
    onOptionsChange: () => undefined,
    onFieldConfigChange: () => undefined,
    onChangeTimeRange: () => undefined,
  } as unknown as PanelProps<PanelOptions>;
}

const Panel = plugin.panel as React.ComponentType<PanelProps<PanelOptions>>;
const rowsOf = (list: string) =>
  within(screen.getByTestId(FLEET_IDS.list(list))).queryAllByTestId(FLEET_IDS.row);

describe('the fleet view', () => {
  it('lists the jobs furthest from their desired size first, the decision in words', () => {
    render(<Panel {...props(fleetFrames())} />);
    const rows = rowsOf('offSize');
    expect(rows.map((r) => r.querySelector('a')?.textContent)).toEqual(['b/orders', 'a/clicks', 'a/views']);
    expect(rows.map((r) => within(r).getByTestId(FLEET_IDS.decision).textContent)).toEqual([
      'Scale down: 12 → 6 workers',
      'Scale up: 4 → 9 workers',
      'Scale up: 3 → 4 workers',
    ]);
    expect(screen.getByTestId(FLEET_IDS.list('offSize'))).toHaveTextContent(
      'Furthest from their desired size: 1,234 (the 3 furthest of 1,234)',
    );
  });

  it('says what holds a job, with the job panel’s sentence on hover', () => {
    render(<Panel {...props(fleetFrames())} />);
    const [orders] = rowsOf('held');
    const holds = within(orders as HTMLElement).getAllByTestId(FLEET_IDS.hold);
    expect(holds.map((h) => h.textContent)).toEqual(['advisor', 'paused']);
    expect(holds[0]).toHaveAttribute(
      'aria-label',
      expect.stringMatching(/^Advisor: the sidecar only advises/),
    );
    expect(holds[1]).toHaveAttribute('aria-label', expect.stringMatching(/^Paused: the FlinkDeployment has/));
    const [legacy] = rowsOf('guarded');
    expect(within(legacy as HTMLElement).getByTestId(FLEET_IDS.decision)).toHaveTextContent(
      'No change: 2 workers',
    );
    const guard = within(legacy as HTMLElement).getByTestId(FLEET_IDS.hold);
    expect(guard).toHaveTextContent('guard: native-mode');
    expect(guard).toHaveAttribute('aria-label', expect.stringMatching(/native mode/));
  });

  it('links each job to its dashboard with its variables, the data source and the relative time range', () => {
    render(<Panel {...props(fleetFrames())} />);
    const link = rowsOf('offSize')[1]?.querySelector('a');
    const url = new URL(link?.getAttribute('href') ?? '', 'http://grafana');
    expect(url.pathname).toBe('/d/flink-autoscaler-job');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      'var-namespace': 'a',
      'var-flinkdeployment': 'clicks',
      'var-datasource': 'prom-uid',
      from: 'now-6h',
      to: 'now',
    });
    render(<Panel {...props(fleetFrames(), { jobDashboardUid: 'my-job' })} />);
    expect(screen.getAllByRole('link', { name: /clicks/ })[1]).toHaveAttribute(
      'href',
      expect.stringMatching(/^\/d\/my-job\?/),
    );
  });

  it('draws each job’s workers as a sparkline over the range', () => {
    render(<Panel {...props(fleetFrames())} />);
    const spark = within(rowsOf('offSize')[0] as HTMLElement).getByTestId(FLEET_IDS.sparkline);
    expect(spark).toHaveAttribute('aria-label', 'workers from 9 to 12 in the time range');
    // uPlot drew the line on its canvas.
    expect(spark.querySelector('canvas')).not.toBeNull();
    expect(drawCalls).toContain('stroke');
  });

  it('heads with worker-hours saved against each namespace at its peak, and the totals', () => {
    render(<Panel {...props(fleetFrames())} />);
    expect(screen.getByTestId(FLEET_IDS.saved)).toHaveTextContent('500 worker-hours saved');
    expect(screen.getByTestId(FLEET_IDS.headline)).toHaveTextContent(
      '(25 %): 1,500 used against 2,000 at a fixed size, each namespace at its peak (its most workers in this time range) for as long as it reported.',
    );
    expect(screen.getByTestId(FLEET_IDS.totals)).toHaveTextContent(
      '40,000 jobs · 1,234 off their desired size · 1 held, paused or advising that would scale · 1 kept to advice by a guard',
    );
  });

  it('says when a list is empty and when the recording rules are missing', () => {
    const frames = fleetFrames().filter((f) => !['held', 'hours'].includes(f.refId ?? ''));
    render(<Panel {...props(frames)} />);
    expect(screen.getByTestId(FLEET_IDS.list('held'))).toHaveTextContent(
      'No held, paused or advising job would scale now.',
    );
    expect(screen.getByTestId(FLEET_IDS.headline)).toHaveTextContent(
      'no recorded workers in this time range',
    );
  });

  it('explains no data and failed queries instead of a blank', () => {
    render(<Panel {...props([])} />);
    expect(screen.getByRole('status')).toHaveTextContent('No fleet data');
    render(<Panel {...props([], {}, [{ message: 'bad_data: parse error' }])} />);
    expect(screen.getAllByRole('status')[1]).toHaveTextContent('The fleet queries failed');
    expect(screen.getAllByRole('status')[1]).toHaveTextContent('bad_data: parse error');
  });

  it('is the job panel unless the view is fleet', () => {
    render(<Panel {...props(fleetFrames(), { view: undefined })} />);
    expect(screen.queryByTestId(FLEET_IDS.view)).toBeNull();
    expect(screen.getByTestId('fas-panel')).toBeInTheDocument();
    expect(plugin.defaults).not.toHaveProperty('view');
  });
});
