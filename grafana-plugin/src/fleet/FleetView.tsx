/**
 * The fleet view: for thousands of jobs, the few that need a look, picked by Prometheus (queries.ts: topk
 * over the chart's recording rules): the jobs furthest from their desired size, those held, paused or
 * advising that would scale, those a guard keeps to advice; each with its workers' sparkline, the decision
 * in words and a link to its dashboard. Above them, worker-hours saved against a fixed size, fleet-wide.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2, PanelProps } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import React, { useMemo } from 'react';
import { DataNotice } from '../components/DataNotice';
import type { PanelOptions } from '../types';
import { FleetHeadline } from './FleetHeadline';
import { FleetList } from './FleetList';
import { fleetSeries } from './frames';
import { JOB_DASHBOARD_UID, jobDashboardUrl } from './link';
import { fleetModel, type FleetRow } from './model';
import { LIST_KEYS, type ListKey } from './queries';
import { FLEET_IDS } from './testIds';

const LISTS: Record<ListKey, { title: string; empty: string }> = {
  offSize: {
    title: 'Furthest from their desired size',
    empty: 'Every job has the workers its policy wants.',
  },
  held: {
    title: 'Held, paused or advising, and would scale',
    empty: 'No held, paused or advising job would scale now.',
  },
  guarded: {
    title: 'Kept to advice by a guard',
    empty: 'No guard holds any job.',
  },
};

export function FleetView({
  data,
  options,
  width,
  height,
  timeRange,
  replaceVariables,
}: PanelProps<PanelOptions>) {
  const styles = useStyles2(getStyles);
  const model = useMemo(() => fleetModel(fleetSeries(data.series)), [data.series]);
  const errors = [...(data.errors ?? []), ...(data.error ? [data.error] : [])];
  const datasource = replaceVariables('${datasource}');
  const uid = options.jobDashboardUid || JOB_DASHBOARD_UID;
  const hrefOf = (row: FleetRow) =>
    jobDashboardUrl(uid, row, timeRange, datasource.startsWith('$') ? undefined : datasource);

  let body: React.ReactNode;
  if (errors.length > 0 && model.time === undefined) {
    const messages = [...new Set(errors.map((e) => e.message ?? 'unknown error'))];
    body = <DataNotice title="The fleet queries failed">{messages.join('; ')}</DataNotice>;
  } else if (model.time === undefined) {
    body = (
      <DataNotice title="No fleet data">
        {'No recorded flink-autoscaler series in this time range. The fleet view reads the recording rules ' +
          'of the chart’s PrometheusRule (monitoring.prometheusRule; files/fleet-rules.yaml for a Prometheus ' +
          'without the operator) and the fleet dashboard’s queries (see the plugin README).'}
      </DataNotice>
    );
  } else {
    body = (
      <>
        <FleetHeadline hours={model.hours} totals={model.totals} />
        <div
          className={styles.lists}
          style={{
            gridTemplateColumns: `repeat(${width >= 1100 ? 3 : width >= 720 ? 2 : 1}, minmax(0, 1fr))`,
          }}
        >
          {LIST_KEYS.map((key) => (
            <FleetList
              key={key}
              id={key}
              {...LISTS[key]}
              total={model.totals[key]}
              rows={model.lists[key]}
              hrefOf={hrefOf}
              timeRange={timeRange}
            />
          ))}
        </div>
      </>
    );
  }
  return (
    <div className={styles.view} style={{ width, height }} data-testid={FLEET_IDS.view}>
      {body}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  view: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(1),
    overflow: 'auto',
    color: theme.colors.text.primary,
  }),
  lists: css({ display: 'grid', gap: theme.spacing(2) }),
});
