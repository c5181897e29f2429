import { OrgRole } from '@grafana/data';
import { config } from '@grafana/runtime';
import { render, screen, within } from '@testing-library/react';
import React from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUSY, END, NAME, NS, STEP, jobFrames, panelProps, seriesFrame } from '../../tests/fixtures';
import { mockGateway } from '../../tests/gateway-mock';
import { TEST_IDS } from '../testIds';
import { FlinkAutoscalerPanel } from './FlinkAutoscalerPanel';

/** The threshold labels of a chart (placed once uPlot has drawn the plot). */
const thresholdValues = async (chart: string) =>
  (await within(screen.getByTestId(TEST_IDS.chart(chart))).findAllByTestId(TEST_IDS.thresholdLine)).map(
    (line) => Number(line.getAttribute('data-value')),
  );

beforeEach(() => {
  mockGateway({});
});

afterEach(() => {
  config.bootData.user.orgRole = OrgRole.Editor;
});

describe('the panel, rendered from Prometheus data frames', () => {
  it('shows the job, its mode, current against desired workers and the decision with its reasons in words', () => {
    render(<FlinkAutoscalerPanel {...panelProps(jobFrames())} />);
    expect(screen.getByTestId(TEST_IDS.panel)).toHaveTextContent(`${NS}/${NAME}`);
    expect(screen.getByTestId(TEST_IDS.mode)).toHaveTextContent('advisor');
    expect(screen.getByTestId(TEST_IDS.workers)).toHaveTextContent('4 workers · desired 6');
    expect(screen.getByTestId(TEST_IDS.headline)).toHaveTextContent('Scale up: 4 → 6 workers');
    expect(screen.getByTestId(TEST_IDS.headline)).toHaveTextContent('advice only: advisor mode');
    const reasons = screen.getByTestId(TEST_IDS.reasons);
    expect(reasons).toHaveTextContent('Backlog time 2.5 min is above 2 min.');
    expect(reasons).toHaveTextContent('CPU 95 % is above 90 %.');
    expect(screen.queryByTestId(TEST_IDS.notice)).toBeNull();
  });

  it('draws every signal chart with its current value, and the thresholds the sidecar exports', async () => {
    render(<FlinkAutoscalerPanel {...panelProps(jobFrames())} />);
    for (const id of ['backlogTime', 'cpu', 'backlog', 'backlogGrowth', 'throughput', 'workers']) {
      // uPlot's canvas (what it draws there is checked in Chromium: test/e2e/grafana-panel-charts).
      expect(screen.getByTestId(TEST_IDS.chart(id)).querySelector('.uplot canvas')).not.toBeNull();
    }
    expect(screen.getByTestId(TEST_IDS.chart('backlogTime'))).toHaveTextContent('2.5 min');
    expect(screen.getByTestId(TEST_IDS.chart('throughput'))).toHaveTextContent('1k records/s');
    expect(await thresholdValues('backlogTime')).toEqual([120, 10]);
    expect(await thresholdValues('cpu')).toEqual([0.9, 0.7]);
  });

  it('follows thresholds the sidecar changed (a per-job annotation) rather than the defaults', async () => {
    const frames = jobFrames().filter((f) => f.refId !== 'scaleUpBacklogTime' && f.refId !== 'scaleUpCpu');
    frames.push(seriesFrame('scaleUpBacklogTime', [300, 300]), seriesFrame('scaleUpCpu', [0.85, 0.85]));
    render(<FlinkAutoscalerPanel {...panelProps(frames)} />);
    expect(await thresholdValues('backlogTime')).toEqual([300, 10]);
    expect(await thresholdValues('cpu')).toEqual([0.85, 0.7]);
    expect(screen.getByTestId(TEST_IDS.reasons)).toHaveTextContent('is above 5 min');
  });

  it('falls back to the policy defaults, and says so, when no threshold series came back', async () => {
    const frames = jobFrames().filter((f) => !/^scale(Up|Down)/.test(f.refId ?? ''));
    render(<FlinkAutoscalerPanel {...panelProps(frames)} />);
    expect(await thresholdValues('backlogTime')).toEqual([120, 10]);
    expect(screen.getByTestId(TEST_IDS.notice)).toHaveTextContent('Thresholds: the policy defaults');
  });

  it('explains an empty result instead of showing a blank panel', () => {
    render(<FlinkAutoscalerPanel {...panelProps([])} />);
    const notice = screen.getByTestId(TEST_IDS.notice);
    expect(notice).toHaveTextContent('No autoscaler data');
    expect(notice).toHaveTextContent(`namespace "${NS}", flinkdeployment "${NAME}"`);
    expect(screen.queryByTestId(TEST_IDS.chart('cpu'))).toBeNull();
  });

  it('names what is missing in partial data and explains the empty charts', () => {
    render(<FlinkAutoscalerPanel {...panelProps(jobFrames(BUSY, 20, ['cpu', 'backlogTime']))} />);
    expect(screen.getByTestId(TEST_IDS.notice)).toHaveTextContent(
      'Partial data: no backlog time, CPU in this time range',
    );
    expect(screen.getByTestId(TEST_IDS.chart('cpu'))).toHaveTextContent('no data');
    expect(screen.getByTestId(TEST_IDS.chart('cpu'))).toHaveTextContent('No samples in this time range');
    expect(screen.getByTestId(TEST_IDS.chart('throughput')).querySelector('.uplot canvas')).not.toBeNull();
  });

  it('says when the newest sample is stale', () => {
    const old = jobFrames().map((frame) => ({
      ...frame,
      fields: frame.fields.map((f) =>
        f.name === 'Time' ? { ...f, values: (f.values as number[]).map((t) => t - 30 * 60_000) } : f,
      ),
    }));
    render(<FlinkAutoscalerPanel {...panelProps(old)} />);
    expect(screen.getByTestId(TEST_IDS.notice)).toHaveTextContent('Stale: the newest sample is from');
    expect(screen.getByTestId(TEST_IDS.notice)).toHaveTextContent('30 min before the end of the time range');
  });

  it('asks for one job when the variables pick several', () => {
    const other = { namespace: NS, flinkdeployment: 'orders' };
    render(
      <FlinkAutoscalerPanel {...panelProps([...jobFrames(), seriesFrame('workers', [2], {}, other)])} />,
    );
    expect(screen.getByTestId(TEST_IDS.notice)).toHaveTextContent(
      'The data holds 2 jobs; this panel shows one',
    );
    expect(screen.getByTestId(TEST_IDS.notice)).toHaveTextContent(`${NS}/orders`);
  });

  it('shows the query error when there is no data', () => {
    render(
      <FlinkAutoscalerPanel
        {...panelProps([], {}, undefined, { errors: [{ message: 'bad_data: parse error' }] })}
      />,
    );
    expect(screen.getByTestId(TEST_IDS.notice)).toHaveTextContent('The queries failed');
    expect(screen.getByTestId(TEST_IDS.notice)).toHaveTextContent('bad_data: parse error');
  });

  it('turns to a compact table at small sizes, with values and thresholds still readable', () => {
    render(<FlinkAutoscalerPanel {...panelProps(jobFrames(), {}, { width: 300, height: 200 })} />);
    expect(screen.queryByTestId(TEST_IDS.chart('cpu'))).toBeNull();
    const table = screen.getByTestId(TEST_IDS.signalTable);
    expect(table).toHaveTextContent('Backlog time2.5 minup > 2 min · down < 10 s');
    expect(table).toHaveTextContent('CPU95 %up > 90 % · down < 70 %');
  });

  it('lists the last scalings from the scalings counter, with the worker counts around them', () => {
    const n = 20;
    const workers = Array.from({ length: n }, (_, i) => (i < 10 ? 4 : 6));
    const frames = jobFrames().filter((f) => f.refId !== 'workers');
    frames.push(
      seriesFrame('workers', workers),
      // the labelled counter appears with the scaling (sample 8), two samples before the new count shows
      seriesFrame('scalings', [...Array(8).fill(null), ...Array(12).fill(1)], {
        direction: 'up',
        trigger: 'manual',
      }),
    );
    render(<FlinkAutoscalerPanel {...panelProps(frames)} />);
    const scalings = screen.getByTestId(TEST_IDS.scalings);
    expect(scalings).toHaveTextContent('Scaled up 4 → 6 by hand');
    const at = new Date(END - (n - 1 - 8) * STEP);
    expect(scalings).toHaveTextContent(
      `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`,
    );
  });

  it('marks the backlog as an estimate with the share of splits unknown, and only then', () => {
    // Beam splits reporting -1 are estimated: the sidecar says which share of each source's backlog that is
    const estimated = [
      ...jobFrames(),
      seriesFrame('estimatedShare', [0.25, 0.125], { source: 'kafka-in' }),
      seriesFrame('estimatedShare', [0, 0], { source: 'clicks' }),
    ];
    const { unmount } = render(<FlinkAutoscalerPanel {...panelProps(estimated)} />);
    const backlog = screen.getByTestId(TEST_IDS.chart('backlog'));
    expect(backlog).toHaveTextContent('150k');
    expect(within(backlog).getByTestId(TEST_IDS.estimate)).toHaveTextContent(
      'estimate: 12.5 % of splits unknown',
    );
    // the other charts are not estimates
    expect(screen.getAllByTestId(TEST_IDS.estimate)).toHaveLength(1);
    unmount();
    // nothing estimated (or a sidecar that exports no share): no mark
    for (const frames of [
      [...jobFrames(), seriesFrame('estimatedShare', [0.5, 0], { source: 'kafka-in' })],
      jobFrames(),
    ]) {
      const view = render(<FlinkAutoscalerPanel {...panelProps(frames)} />);
      expect(screen.getByTestId(TEST_IDS.chart('backlog'))).toHaveTextContent('150k');
      expect(screen.queryByTestId(TEST_IDS.estimate)).toBeNull();
      view.unmount();
    }
    // the compact table marks it too
    render(<FlinkAutoscalerPanel {...panelProps(estimated, {}, { width: 300, height: 200 })} />);
    expect(screen.getByTestId(TEST_IDS.signalTable)).toHaveTextContent('estimate: 12.5 % of splits unknown');
  });

  it('says there were no scalings rather than showing nothing', () => {
    render(<FlinkAutoscalerPanel {...panelProps(jobFrames())} />);
    expect(screen.getByTestId(TEST_IDS.scalings)).toHaveTextContent('none in this time range');
  });
});
