/**
 * The link from a fleet row to its job's dashboard (flink-autoscaler-job: variables datasource, namespace,
 * flinkdeployment), over the same time range, under Grafana's sub-path when it has one.
 */
import { locationUtil, urlUtil, type TimeRange } from '@grafana/data';

/** The job dashboard the chart ships (charts/flink-autoscaler/dashboards/flink-autoscaler-job.json). */
export const JOB_DASHBOARD_UID = 'flink-autoscaler-job';

export function jobDashboardUrl(
  uid: string,
  job: { namespace: string; flinkdeployment: string },
  timeRange: TimeRange,
  datasource: string | undefined,
): string {
  // A relative range ("now-6h") stays relative, so the job's dashboard moves on as the fleet's does.
  const edge = (raw: unknown, time: { valueOf(): number }) =>
    typeof raw === 'string' ? raw : String(time.valueOf());
  const query: Record<string, string> = {
    'var-namespace': job.namespace,
    'var-flinkdeployment': job.flinkdeployment,
    from: edge(timeRange.raw.from, timeRange.from),
    to: edge(timeRange.raw.to, timeRange.to),
  };
  if (datasource) query['var-datasource'] = datasource;
  return locationUtil.assureBaseUrl(urlUtil.renderUrl(`/d/${encodeURIComponent(uid)}`, query));
}
