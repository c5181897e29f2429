/** The signals as a compact table (small panels, or charts turned off): value and thresholds per row. */
import { css, cx } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import React from 'react';
import { TEST_IDS } from '../testIds';
import type { ChartSpec } from './chartSpecs';

export function SignalTable({ specs }: { specs: ChartSpec[] }) {
  const styles = useStyles2(getStyles);
  return (
    <table className={styles.table} data-testid={TEST_IDS.signalTable}>
      <tbody>
        {specs.map((spec) => (
          <tr key={spec.id}>
            <th className={styles.cell}>{spec.title}</th>
            <td className={cx(styles.cell, styles.value)}>
              {spec.current}
              {spec.note !== undefined && (
                <span className={styles.note} data-testid={TEST_IDS.estimate}>
                  {` (${spec.note})`}
                </span>
              )}
            </td>
            <td className={cx(styles.cell, styles.limits)}>
              {spec.thresholds.map((t) => t.label).join(' · ')}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  table: css({ width: '100%', borderCollapse: 'collapse', fontSize: theme.typography.bodySmall.fontSize }),
  cell: css({
    // Dense rows: the compact layout has 240 px for the summary and every signal at Grafana's small size.
    padding: theme.spacing(0, 0.5),
    lineHeight: 1.35,
    verticalAlign: 'top',
    textAlign: 'left',
    fontWeight: theme.typography.fontWeightRegular,
    borderBottom: `1px solid ${theme.colors.border.weak}`,
    whiteSpace: 'nowrap',
  }),
  value: css({ color: theme.colors.text.primary, fontWeight: theme.typography.fontWeightMedium }),
  note: css({ color: theme.colors.warning.text, fontWeight: theme.typography.fontWeightRegular }),
  // The thresholds wrap at " · " rather than being cut (they were cut at 360 px: "up > 2 min · down").
  limits: css({ color: theme.colors.text.secondary, whiteSpace: 'normal', overflowWrap: 'anywhere' }),
});
