/**
 * Whether to offer "Scale to N": to editors and admins only. This is only what the page shows; Grafana's
 * proxy route (reqRole: Editor) and the sidecar's Kubernetes review decide.
 */
import { config } from '@grafana/runtime';

export function mayOfferScale(): boolean {
  const user = config.bootData?.user;
  if (!user) return false;
  return user.isGrafanaAdmin || user.orgRole === 'Editor' || user.orgRole === 'Admin';
}
