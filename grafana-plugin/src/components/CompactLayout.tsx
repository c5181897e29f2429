/**
 * The panel when charts do not fit (small panels, or charts turned off): the summary, the notices, the
 * signals as a table with their thresholds, and the last scalings, within the panel's height. Fonts and
 * wrapping decide the real height, so the layout measures itself after each commit and, while its content
 * runs past its box, leaves out the least needed part, one step at a time: the older scalings, then the
 * last scaling, then the reasons, then the gates and guards (both kept on the headline's tooltip). The table
 * and its thresholds always stay.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import React, { useLayoutEffect, useRef, useState } from 'react';
import type { JobId } from '../data/frames';
import type { Scaling } from '../data/scalings';
import type { Snapshot } from '../data/snapshot';
import type { ChartSpec } from './chartSpecs';
import { LastScalings } from './LastScalings';
import { SignalTable } from './SignalTable';
import { Summary } from './Summary';

export const COMPACT_TEST_ID = 'fas-compact';

/** What each step leaves out, in order. */
export const COMPACT_STEPS = ['nothing', 'older scalings', 'last scaling', 'reasons', 'on hold'] as const;

export interface CompactLayoutProps {
  job: JobId | undefined;
  snapshot: Snapshot;
  action?: React.ReactNode;
  notices: React.ReactNode[];
  specs: ChartSpec[];
  /** The last scalings, newest first (lastScalings); undefined: not shown at all. */
  scalings: Scaling[] | undefined;
  now: number;
  width: number;
  height: number;
}

export function CompactLayout(props: CompactLayoutProps) {
  const { job, snapshot, action, notices, specs, scalings, now, width, height } = props;
  const styles = useStyles2(getStyles);
  const box = useRef<HTMLDivElement>(null);
  const [fit, setFit] = useState({ step: 0, key: '' });
  // Anything that changes the content's height starts over from showing everything.
  const key = `${width}x${height}|${snapshot.time}|${specs.map((s) => s.current).join()}|${scalings?.length}`;
  const step = fit.key === key ? fit.step : 0;

  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const over = el.scrollHeight > el.clientHeight + 1;
    if (over && step < COMPACT_STEPS.length - 1) setFit({ step: step + 1, key });
    else if (fit.key !== key) setFit({ step, key });
  });

  const shown = scalings === undefined || step >= 2 ? undefined : step >= 1 ? scalings.slice(0, 1) : scalings;
  // The summary names the workers; the table has the signals with thresholds.
  const signals = specs.filter((s) => s.id !== 'workers');
  return (
    <div
      ref={box}
      className={styles.box}
      data-testid={COMPACT_TEST_ID}
      data-left-out={COMPACT_STEPS.slice(1, step + 1).join(', ')}
    >
      <Summary
        job={job}
        snapshot={snapshot}
        action={action}
        compact
        reasonsShown={step < 3}
        holdShown={step < 4}
      />
      {notices}
      <SignalTable specs={signals} />
      {shown !== undefined && <LastScalings scalings={shown} now={now} />}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  box: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.5),
    flex: '1 1 auto',
    minHeight: 0,
    overflow: 'auto',
  }),
});
