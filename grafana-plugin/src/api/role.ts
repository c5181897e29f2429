/**
 * What the page offers by the signed-in person's Grafana role. This is only what the page shows: Grafana's
 * proxy routes (GET for viewers, POST for editors) and the gateway's Kubernetes review decide.
 */
import { config } from '@grafana/runtime';

/**
 * `editor`: may ask and scale (Editor, Admin, Grafana admin); `viewer`: may ask whether they could, the
 * button stays disabled; `none`: nobody signed in (no identity for the gateway), no button.
 */
export type ScaleRole = 'editor' | 'viewer' | 'none';

export function scaleRole(): ScaleRole {
  const user = config.bootData?.user;
  if (!user || user.isSignedIn === false) return 'none';
  if (user.isGrafanaAdmin || user.orgRole === 'Editor' || user.orgRole === 'Admin') return 'editor';
  return user.orgRole === 'Viewer' ? 'viewer' : 'none';
}

/** The Grafana role the person has, for sentences. */
export function roleName(): string {
  return config.bootData?.user?.orgRole || 'no role';
}
