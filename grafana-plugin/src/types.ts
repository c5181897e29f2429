/** The panel's options; their defaults and editors are declared once, in module.ts. */
export interface PanelOptions {
  /** Show "Scale to N" (enabled when the gateway says the person may scale; Grafana and Kubernetes decide). */
  scaleEnabled: boolean;
  /** Grafana path of the gateway behind a server-side proxy (relative: never a cluster URL). */
  scaleApiPath: string;
  /** The hold proposed in the dialog, minutes. */
  holdMinutes: number;
  /** How many of the last scalings to list. */
  scalingsShown: number;
  /** Draw the signal charts when there is room (else a compact table). */
  showCharts: boolean;
  /** One job (unset or 'job') or the fleet (src/fleet/: the jobs that need a look, worker-hours saved). */
  view?: PanelView;
  /** The fleet view links each job to this dashboard (variables namespace, flinkdeployment); unset: the chart's. */
  jobDashboardUid?: string;
}

export type PanelView = 'job' | 'fleet';

/** The companion app plugin whose route proxies the scale (see app/src/plugin.json). */
export const APP_ID = 'fas-flinkautoscaler-app';
export const DEFAULT_SCALE_API_PATH = `api/plugin-proxy/${APP_ID}/gateway`;
