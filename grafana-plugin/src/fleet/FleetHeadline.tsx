/**
 * The fleet's headline: worker-hours saved against a fixed size (each namespace at its peak, its most workers
 * in the time range, for as long as it reported: read from the recorded per-namespace sums, a few series
 * however many jobs), and how many jobs there are and need a look.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import React from 'react';
import type { Totals, WorkerHours } from './model';
import { count, share } from './numbers';
import { FLEET_IDS } from './testIds';

export const FIXED_SIZE =
  'each namespace at its peak (its most workers in this time range) for as long as it reported';

export function FleetHeadline({ hours, totals }: { hours: WorkerHours | undefined; totals: Totals }) {
  const styles = useStyles2(getStyles);
  const n = (v: number | undefined) => (v === undefined ? '?' : count(v));
  return (
    <div className={styles.headline} data-testid={FLEET_IDS.headline}>
      {hours ? (
        <div>
          <span className={styles.big} data-testid={FLEET_IDS.saved}>
            {count(hours.saved)} worker-hours saved
          </span>{' '}
          <span className={styles.detail}>
            {`(${share(hours.saved, hours.fixed)}): ${count(hours.used)} used against ${count(hours.fixed)} at a ` +
              `fixed size, ${FIXED_SIZE}.`}
          </span>
        </div>
      ) : (
        <div className={styles.detail}>
          Worker-hours: no recorded workers in this time range (the chart’s PrometheusRule,
          monitoring.prometheusRule, records them every minute).
        </div>
      )}
      <div className={styles.detail} data-testid={FLEET_IDS.totals}>
        {`${n(totals.jobs)} jobs · ${n(totals.offSize)} off their desired size · ${n(totals.held)} held, ` +
          `paused or advising that would scale · ${n(totals.guarded)} kept to advice by a guard`}
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  headline: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(0.25) }),
  big: css({ fontSize: theme.typography.h4.fontSize, fontWeight: theme.typography.fontWeightMedium }),
  detail: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
