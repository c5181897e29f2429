/** An explanation where there would otherwise be a blank: no data, partial data, stale data, many jobs. */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import React from 'react';
import { TEST_IDS } from '../testIds';

export function DataNotice({ title, children }: { title: string; children?: React.ReactNode }) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.notice} data-testid={TEST_IDS.notice} role="status">
      <strong>{title}</strong>
      {children && <div className={styles.body}>{children}</div>}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  notice: css({
    padding: theme.spacing(0.5, 1),
    borderLeft: `3px solid ${theme.colors.warning.border}`,
    background: theme.colors.background.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.primary,
  }),
  body: css({ color: theme.colors.text.secondary }),
});
