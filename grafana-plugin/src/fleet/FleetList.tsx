/** One list of the fleet view: its title with how many jobs belong in it, and the jobs it shows. */
import { css } from '@emotion/css';
import type { GrafanaTheme2, TimeRange } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import React from 'react';
import type { FleetRow } from './model';
import { FleetRowView } from './FleetRowView';
import { FLEET_IDS } from './testIds';
import { count } from './numbers';

export function FleetList({
  id,
  title,
  empty,
  total,
  rows,
  hrefOf,
  timeRange,
}: {
  id: string;
  title: string;
  /** What an empty list means. */
  empty: string;
  /** How many jobs belong in the list (before topk); undefined when unknown. */
  total: number | undefined;
  rows: FleetRow[];
  hrefOf: (row: FleetRow) => string;
  timeRange: TimeRange;
}) {
  const styles = useStyles2(getStyles);
  const shown =
    total !== undefined && total > rows.length ? ` (the ${rows.length} furthest of ${count(total)})` : '';
  return (
    <section className={styles.list} data-testid={FLEET_IDS.list(id)} aria-label={title}>
      <h6 className={styles.title}>
        {title}
        <span className={styles.count}>{total === undefined ? '' : `: ${count(total)}${shown}`}</span>
      </h6>
      {rows.length === 0 ? (
        <div className={styles.empty}>{empty}</div>
      ) : (
        <ul className={styles.rows}>
          {rows.map((row) => (
            <FleetRowView
              key={`${row.namespace}/${row.flinkdeployment}`}
              row={row}
              href={hrefOf(row)}
              timeRange={timeRange}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  list: css({ minWidth: 0 }),
  title: css({ margin: theme.spacing(0, 0, 0.5), fontSize: theme.typography.h6.fontSize }),
  count: css({ color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightRegular }),
  rows: css({ listStyle: 'none', margin: 0, padding: 0, fontSize: theme.typography.bodySmall.fontSize }),
  empty: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
