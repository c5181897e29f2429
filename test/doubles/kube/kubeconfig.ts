/** Kubeconfig files that point kubectl (or client-node) at the double with one bearer token, trusting its certificate. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Writes `<dir>/<file>.kubeconfig` with one cluster, user and context (current); returns its path. */
export function writeKubeconfig(
  dir: string,
  file: string,
  settings: { server: string; token: string; namespace: string; user: string; caCertificate?: string },
): string {
  const cluster: Record<string, string> = { server: settings.server };
  if (settings.caCertificate !== undefined) {
    cluster['certificate-authority-data'] = Buffer.from(settings.caCertificate).toString('base64');
  }
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kube-double', cluster }],
    users: [{ name: settings.user, user: { token: settings.token } }],
    contexts: [
      {
        name: 'kube-double',
        context: { cluster: 'kube-double', user: settings.user, namespace: settings.namespace },
      },
    ],
    'current-context': 'kube-double',
    preferences: {},
  };
  const path = join(dir, `${file.replace(/[^A-Za-z0-9._-]/g, '_')}.kubeconfig`);
  writeFileSync(path, stringify(config), { mode: 0o600 });
  return path;
}
