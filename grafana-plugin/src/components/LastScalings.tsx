/** The last scalings: when, from how many workers to how many, by the policy or by hand. */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import React from 'react';
import { formatTime } from '../data/format';
import type { Scaling } from '../data/scalings';
import { TEST_IDS } from '../testIds';

function describe(s: Scaling): string {
  const counts =
    s.from !== undefined && s.to !== undefined
      ? `${s.from} → ${s.to}`
      : s.from !== undefined
        ? `from ${s.from}`
        : '';
  const direction = s.direction === undefined ? 'scaled' : `scaled ${s.direction}`;
  const trigger = s.trigger === 'manual' ? 'by hand' : s.trigger === 'policy' ? 'by the policy' : '';
  return [direction, counts, trigger].filter(Boolean).join(' ');
}

export function LastScalings({ scalings, now }: { scalings: Scaling[]; now: number }) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.box} data-testid={TEST_IDS.scalings}>
      <span className={styles.label}>Last scalings:</span>
      {scalings.length === 0 ? (
        <span className={styles.none}> none in this time range</span>
      ) : (
        <ul className={styles.list}>
          {scalings.map((s) => (
            <li key={`${s.time}-${s.direction}-${s.trigger}`}>
              <span className={styles.time}>{formatTime(s.time, now)}</span> {describe(s)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  box: css({ fontSize: theme.typography.bodySmall.fontSize }),
  label: css({ color: theme.colors.text.secondary }),
  none: css({ color: theme.colors.text.secondary }),
  list: css({
    listStyle: 'none',
    margin: 0,
    padding: 0,
    display: 'flex',
    flexWrap: 'wrap',
    columnGap: theme.spacing(2),
  }),
  time: css({ color: theme.colors.text.secondary, fontVariantNumeric: 'tabular-nums' }),
});
