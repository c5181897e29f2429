/**
 * Whether a failed write to the Kubernetes API may have been carried out all the same: its answer was lost (a
 * 504, a reset connection, a timeout after the request was sent). Then the caller reads the object back and
 * decides from what is stored; it never assumes that nothing happened.
 */
import { KubeError } from '../kube/client.js';

export function mayHaveHappened(error: unknown): boolean {
  if (typeof error === 'object' && error !== null && 'mayHaveHappened' in error) {
    const flag = (error as { mayHaveHappened: unknown }).mayHaveHappened;
    if (typeof flag === 'boolean') return flag;
  }
  // Without the flag: a 4xx answer was a refusal (nothing happened); anything else may hide a commit.
  if (error instanceof KubeError && error.status !== undefined && error.status < 500) return false;
  return true;
}
