/**
 * The compact layout within the panel's height. jsdom lays nothing out, so the box's heights are played
 * here from what it holds (a line per reason run, per scaling, per table row); the real fit is measured in
 * Chromium at 360×240 by test/e2e/grafana-panel.test.ts in every host.
 */
import { render, screen, within } from '@testing-library/react';
import React from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUSY, jobFrames, panelProps, seriesFrame } from '../../tests/fixtures';
import { mockGateway } from '../../tests/gateway-mock';
import { TEST_IDS } from '../testIds';
import { COMPACT_TEST_ID } from './CompactLayout';
import { FlinkAutoscalerPanel } from './FlinkAutoscalerPanel';

const LINE = 18;
let restore: (() => void) | undefined;

/** Heights as a browser would give them: the compact box's content, line by line; its box: `height`. */
function layOut(height: number) {
  const proto = HTMLElement.prototype;
  const scroll = Object.getOwnPropertyDescriptor(proto, 'scrollHeight');
  const client = Object.getOwnPropertyDescriptor(proto, 'clientHeight');
  const isBox = (el: HTMLElement) => el.getAttribute('data-testid') === COMPACT_TEST_ID;
  Object.defineProperty(proto, 'scrollHeight', {
    configurable: true,
    get(this: HTMLElement) {
      if (!isBox(this)) return 0;
      const lines =
        2 + // the job's row and the headline
        (this.querySelector(`[data-testid="${TEST_IDS.reasons}"]`) ? 2 : 0) +
        this.querySelectorAll('tr').length +
        (this.querySelector(`[data-testid="${TEST_IDS.scalings}"]`) ? 1 : 0) +
        this.querySelectorAll(`[data-testid="${TEST_IDS.scalings}"] li`).length;
      return lines * LINE;
    },
  });
  Object.defineProperty(proto, 'clientHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return isBox(this) ? height : 0;
    },
  });
  restore = () => {
    if (scroll) Object.defineProperty(proto, 'scrollHeight', scroll);
    if (client) Object.defineProperty(proto, 'clientHeight', client);
  };
}

/** A job that scaled up 4 → 6 (by hand), then 6 → 8 and 8 → 9 (counter rises), with the busy state. */
function scaledJob() {
  const n = 20;
  const workers = Array.from({ length: n }, (_, i) => (i < 5 ? 4 : i < 10 ? 6 : i < 15 ? 8 : 9));
  const rises = (at: number) => Array.from({ length: n }, (_, i) => (i < at ? null : 1));
  return [
    ...jobFrames().filter((f) => f.refId !== 'workers'),
    seriesFrame('workers', workers),
    seriesFrame('scalings', rises(5), { direction: 'up', trigger: 'manual' }),
    seriesFrame(
      'scalings',
      rises(10).map((v, i) => (v === null ? v : i < 15 ? 1 : 2)),
      {
        direction: 'up',
        trigger: 'policy',
      },
    ),
  ];
}

beforeEach(() => {
  mockGateway({});
});
afterEach(() => {
  restore?.();
  restore = undefined;
});

describe('the compact layout (small panels)', () => {
  it('shows everything when it fits: reasons, the table without the workers row, the last scalings', () => {
    layOut(1000);
    render(<FlinkAutoscalerPanel {...panelProps(scaledJob(), {}, { width: 360, height: 240 })} />);
    const box = screen.getByTestId(COMPACT_TEST_ID);
    expect(box.getAttribute('data-left-out')).toBe('');
    expect(screen.getByTestId(TEST_IDS.reasons)).toHaveTextContent('Backlog time 2.5 min is above 2 min.');
    const table = screen.getByTestId(TEST_IDS.signalTable);
    // the summary names the workers; the table holds the signals
    expect(within(table).queryByText('Workers / desired')).toBeNull();
    expect(table.querySelectorAll('tr')).toHaveLength(5);
    expect(within(screen.getByTestId(TEST_IDS.scalings)).getAllByRole('listitem')).toHaveLength(3);
  });

  it('leaves out the older scalings, then the last one, then the reasons, until it fits; never the thresholds', () => {
    // 2 + 2 reasons + 5 rows + 1 + 3 scalings = 13 lines; 10 lines of room: the scalings go, reasons stay.
    layOut(10 * LINE);
    const { unmount } = render(
      <FlinkAutoscalerPanel {...panelProps(scaledJob(), {}, { width: 360, height: 240 })} />,
    );
    expect(screen.getByTestId(COMPACT_TEST_ID).getAttribute('data-left-out')).toBe(
      'older scalings, last scaling',
    );
    expect(screen.queryByTestId(TEST_IDS.scalings)).toBeNull();
    expect(screen.getByTestId(TEST_IDS.reasons)).toBeInTheDocument();
    unmount();
    restore?.();

    // 11 lines: the newest scaling stays (the counter's last rise: 8 → 9 by the policy).
    layOut(11 * LINE);
    const second = render(
      <FlinkAutoscalerPanel {...panelProps(scaledJob(), {}, { width: 360, height: 240 })} />,
    );
    expect(screen.getByTestId(COMPACT_TEST_ID).getAttribute('data-left-out')).toBe('older scalings');
    expect(within(screen.getByTestId(TEST_IDS.scalings)).getAllByRole('listitem')).toHaveLength(1);
    expect(screen.getByTestId(TEST_IDS.scalings)).toHaveTextContent('8 → 9');
    second.unmount();
    restore?.();

    // 7 lines: the reasons move to the headline's tooltip; the table and its thresholds stay whole.
    layOut(7 * LINE);
    render(<FlinkAutoscalerPanel {...panelProps(scaledJob(), {}, { width: 360, height: 240 })} />);
    expect(screen.getByTestId(COMPACT_TEST_ID).getAttribute('data-left-out')).toBe(
      'older scalings, last scaling, reasons',
    );
    expect(screen.queryByTestId(TEST_IDS.reasons)).toBeNull();
    expect(screen.getByTestId(TEST_IDS.headline).getAttribute('title')).toContain(
      'Backlog time 2.5 min is above 2 min.',
    );
    expect(screen.getByTestId(TEST_IDS.signalTable)).toHaveTextContent(
      'Backlog time2.5 minup > 2 min · down < 10 s',
    );
    expect(BUSY.reasons).toContain('backlog-time-high');
  });
});
