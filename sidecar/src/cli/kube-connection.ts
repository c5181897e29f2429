/** The Kubernetes connection a command uses: `--kubeconfig`, else in-cluster, else $KUBECONFIG or ~/.kube/config. */
import { KubeConnection } from '../kube/connection.js';
import { KubeconfigError, loadKubeSettings } from '../kube/kubeconfig.js';
import { CliError } from './exit.js';

export async function connectFromFlags(kubeconfig: string | undefined): Promise<KubeConnection> {
  try {
    return new KubeConnection(await loadKubeSettings(kubeconfig));
  } catch (error) {
    throw error instanceof KubeconfigError ? new CliError(error.message) : error;
  }
}
