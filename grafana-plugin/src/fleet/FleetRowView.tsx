/** One job of a fleet list: its name linking to its dashboard, its workers' sparkline, the decision in words. */
import { css } from '@emotion/css';
import type { GrafanaTheme2, TimeRange } from '@grafana/data';
import { Tooltip, useStyles2 } from '@grafana/ui';
import React from 'react';
import type { FleetRow } from './model';
import { FLEET_IDS } from './testIds';
import { decisionWords, holdsOf } from './words';
import { WorkersSparkline } from './WorkersSparkline';

export const SPARKLINE = { width: 96, height: 26 };

export function FleetRowView({
  row,
  href,
  timeRange,
}: {
  row: FleetRow;
  href: string;
  timeRange: TimeRange;
}) {
  const styles = useStyles2(getStyles);
  const holds = holdsOf(row);
  return (
    <li className={styles.row} data-testid={FLEET_IDS.row}>
      <a className={styles.name} href={href} title={`Open ${row.namespace}/${row.flinkdeployment}`}>
        <span className={styles.namespace}>{row.namespace}/</span>
        {row.flinkdeployment}
      </a>
      <WorkersSparkline series={row.workers} timeRange={timeRange} {...SPARKLINE} />
      <div className={styles.words}>
        <span data-testid={FLEET_IDS.decision}>{decisionWords(row)}</span>
        {holds.map((hold) => (
          <Tooltip key={hold.label} content={hold.text}>
            <span className={styles.hold} data-testid={FLEET_IDS.hold} aria-label={hold.text}>
              {hold.label}
            </span>
          </Tooltip>
        ))}
      </div>
    </li>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css({
    display: 'grid',
    gridTemplateColumns: `minmax(0, 1fr) ${SPARKLINE.width}px minmax(0, 1.3fr)`,
    alignItems: 'center',
    columnGap: theme.spacing(1),
    padding: theme.spacing(0.25, 0),
    borderTop: `1px solid ${theme.colors.border.weak}`,
  }),
  name: css({
    color: theme.colors.text.link,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    '&:hover': { textDecoration: 'underline' },
  }),
  namespace: css({ color: theme.colors.text.secondary }),
  words: css({ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: theme.spacing(0.5) }),
  hold: css({
    padding: theme.spacing(0, 0.5),
    borderRadius: theme.shape.radius.default,
    background: theme.colors.warning.transparent,
    color: theme.colors.warning.text,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'nowrap',
  }),
});
