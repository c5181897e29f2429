/**
 * The panel: for the FlinkDeployment picked by the dashboard's variables, its signals against their
 * thresholds, current against desired workers, the decision and its reasons in words, the mode, the last
 * scalings, and "Scale to N" for editors. Every missing piece is explained, never left blank.
 */
import { css } from '@emotion/css';
import type { GrafanaTheme2, PanelProps } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import React, { useMemo, useState } from 'react';
import { scaleRole } from '../api/role';
import { readFrames } from '../data/frames';
import { formatDuration, formatTime } from '../data/format';
import { allScalings, lastScalings } from '../data/scalings';
import { scalingMarkers } from './chart/scalingMarkers';
import { snapshot } from '../data/snapshot';
import type { SeriesKey } from '../data/queries';
import { TEST_IDS } from '../testIds';
import type { PanelOptions } from '../types';
import { chartSpecs } from './chartSpecs';
import { CompactLayout } from './CompactLayout';
import { DataNotice } from './DataNotice';
import { LastScalings } from './LastScalings';
import { ScaleButton } from './ScaleButton';
import { ScaleDialog } from './ScaleDialog';
import { SignalChart } from './SignalChart';
import { Summary } from './Summary';
import { useScaleAccess } from './useScaleAccess';

/** A job whose newest sample is older than this is called stale (Prometheus' default lookback). */
const STALE_MS = 5 * 60 * 1000;
const MIN_CHART_HEIGHT = 90;
const GAP = 8;

const NAMES: Record<SeriesKey, string> = {
  workers: 'workers',
  desired: 'desired workers',
  throughput: 'throughput',
  backlog: 'backlog',
  backlogGrowth: 'backlog growth',
  backlogTime: 'backlog time',
  cpu: 'CPU',
  scaleUpBacklogTime: 'thresholds',
  scaleDownBacklogTime: 'thresholds',
  scaleUpCpu: 'thresholds',
  scaleDownCpu: 'thresholds',
  targetCpu: 'target CPU',
  minWorkers: 'min workers',
  maxWorkers: 'max workers',
  decision: 'decision',
  reasons: 'reasons',
  gates: 'gates',
  guards: 'guards',
  mode: 'mode',
  scalings: 'scalings',
  recentScalings: 'who scaled',
  estimatedShare: 'backlog estimate',
};

export function FlinkAutoscalerPanel({
  id,
  data,
  options,
  width,
  height,
  timeRange,
  timeZone,
  eventBus,
  onChangeTimeRange,
  replaceVariables,
}: PanelProps<PanelOptions>) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const [dialogOpen, setDialogOpen] = useState(false);
  const frames = useMemo(() => readFrames(data.series), [data.series]);
  const snap = useMemo(() => snapshot(frames.series), [frames]);
  const from = timeRange.from.valueOf();
  const to = timeRange.to.valueOf();
  const specs = useMemo(() => chartSpecs(frames.series, snap, theme), [frames, snap, theme]);
  const scalings = useMemo(
    () => lastScalings(frames.series, options.scalingsShown, from),
    [frames, options.scalingsShown, from],
  );
  const markers = useMemo(
    () => scalingMarkers(allScalings(frames.series, from), theme),
    [frames, from, theme],
  );

  const picked = `namespace "${replaceVariables('$namespace')}", flinkdeployment "${replaceVariables('$flinkdeployment')}"`;
  const errors = [...(data.errors ?? []), ...(data.error ? [data.error] : [])];
  const job = frames.jobs[0];
  const role = scaleRole();
  // Only one job, with data: the button's place. The hook runs on every render (rules of hooks).
  const offerScale = options.scaleEnabled && role !== 'none' && job !== undefined && frames.jobs.length === 1;
  const { access, recheck } = useScaleAccess(options.scaleApiPath, job, offerScale);

  const wrap = (content: React.ReactNode) => (
    <div className={styles.panel} style={{ width, height }} data-testid={TEST_IDS.panel}>
      {content}
    </div>
  );

  if (errors.length > 0 && snap.time === undefined) {
    const messages = [...new Set(errors.map((e) => e.message ?? 'unknown error'))];
    return wrap(<DataNotice title="The queries failed">{messages.join('; ')}</DataNotice>);
  }
  if (frames.jobs.length > 1) {
    const names = frames.jobs.map((j) => `${j.namespace}/${j.flinkdeployment}`);
    return wrap(
      <DataNotice title={`The data holds ${names.length} jobs; this panel shows one`}>
        {`Pick one namespace and one flinkdeployment in the dashboard variables (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}); the fleet dashboard lists them all.`}
      </DataNotice>,
    );
  }
  if (snap.time === undefined) {
    return wrap(
      <DataNotice title="No autoscaler data">
        {`No flink-autoscaler series for ${picked} in this time range. Check that the job runs with the ` +
          'flink-autoscaler sidecar, that Prometheus scrapes its /metrics (the chart’s PodMonitor), and that ' +
          'the panel’s queries are the documented ones (see the plugin README).'}
      </DataNotice>,
    );
  }

  const notices: React.ReactNode[] = [];
  const missing = [...new Set(snap.missing.map((k) => NAMES[k]))];
  if (missing.length > 0) {
    notices.push(
      <DataNotice key="partial" title={`Partial data: no ${missing.join(', ')} in this time range`}>
        {snap.missing.includes('decision')
          ? 'The sidecar decides and exports signals only once its window is full while the job is RUNNING.'
          : 'Those charts stay empty; the rest is current.'}
      </DataNotice>,
    );
  }
  if (to - snap.time > STALE_MS) {
    notices.push(
      <DataNotice key="stale" title={`Stale: the newest sample is from ${formatTime(snap.time, to)}`}>
        {`${formatDuration((to - snap.time) / 1000)} before the end of the time range: the sidecar may be down or no longer scraped.`}
      </DataNotice>,
    );
  }
  if (snap.thresholds.scaleUpBacklogTime.fromSidecar === false && missing.length === 0) {
    notices.push(
      <DataNotice key="defaults" title="Thresholds: the policy defaults (the sidecar exported none here)" />,
    );
  }

  const scaleButton = offerScale ? (
    <ScaleButton role={role} access={access} onClick={() => setDialogOpen(true)} />
  ) : undefined;

  const cols = width >= 900 ? 3 : width >= 520 ? 2 : 1;
  const rows = Math.ceil(specs.length / cols);
  const reserved =
    70 +
    snap.reasons.length * 18 +
    (snap.gates.length ? 18 : 0) +
    notices.length * 40 +
    (options.scalingsShown > 0 ? 24 : 0);
  const chartHeight = Math.floor((height - reserved - (rows - 1) * GAP) / rows);
  const chartWidth = Math.floor((width - 16 - (cols - 1) * GAP) / cols);
  const compact = !options.showCharts || chartHeight < MIN_CHART_HEIGHT || chartWidth < 160;

  return wrap(
    <>
      {!compact && <Summary job={job} snapshot={snap} action={scaleButton} compact={compact} />}
      {!compact && notices}
      {compact ? (
        <CompactLayout
          job={job}
          snapshot={snap}
          action={scaleButton}
          notices={notices}
          specs={specs}
          scalings={options.scalingsShown > 0 ? scalings : undefined}
          now={to}
          width={width}
          height={height}
        />
      ) : (
        <div className={styles.grid} style={{ gridTemplateColumns: `repeat(${cols}, ${chartWidth}px)` }}>
          {specs.map((spec) => (
            <SignalChart
              key={spec.id}
              {...spec}
              from={from}
              to={to}
              width={chartWidth}
              height={chartHeight}
              timeZone={timeZone}
              eventBus={eventBus}
              onChangeTimeRange={onChangeTimeRange}
              syncKey={`fas-panel-${id}`}
              markers={markers}
            />
          ))}
        </div>
      )}
      {!compact && options.scalingsShown > 0 && <LastScalings scalings={scalings} now={to} />}
      {dialogOpen && job && (
        <ScaleDialog
          job={job}
          snapshot={snap}
          apiPath={options.scaleApiPath}
          holdMinutes={options.holdMinutes}
          role={role}
          access={access}
          onRefused={recheck}
          onDismiss={() => setDialogOpen(false)}
        />
      )}
    </>,
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  panel: css({
    display: 'flex',
    flexDirection: 'column',
    gap: theme.spacing(0.75),
    overflow: 'auto',
    color: theme.colors.text.primary,
  }),
  grid: css({ display: 'grid', gap: GAP }),
});
