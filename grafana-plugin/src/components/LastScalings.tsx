/**
 * The last scalings: when, from how many workers to how many, by the policy or by whom (scaling-words.ts); the
 * policy's reasons in words on hover.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import React from 'react';
import { formatTime } from '../data/format';
import { describeScaling } from '../data/scaling-words';
import type { Scaling } from '../data/scalings';
import { TEST_IDS } from '../testIds';

export function LastScalings({ scalings, now }: { scalings: Scaling[]; now: number }) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.box} data-testid={TEST_IDS.scalings}>
      <span className={styles.label}>Last scalings:</span>
      {scalings.length === 0 ? (
        <span className={styles.none}> none in this time range</span>
      ) : (
        <ul className={styles.list}>
          {scalings.map((s) => {
            const { title, lines } = describeScaling(s);
            return (
              <li
                key={`${s.time}-${s.direction}-${s.trigger}`}
                title={lines.length > 0 ? lines.join('\n') : undefined}
              >
                <span className={styles.time}>{formatTime(s.time, now)}</span> {title}
              </li>
            );
          })}
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
