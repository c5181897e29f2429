/**
 * Reads the pod's own labels from a Downward API volume file (`metadata.labels`: one `key="value"` line
 * each, values quoted and escaped as Go does), so the sidecar can take its FlinkDeployment's name from the
 * JobManager pod's `app` label without the right to read pods.
 */

/** Parses the Downward API labels format; lines it cannot read are skipped. */
export function parsePodLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([^=\s]+)="(.*)"$/.exec(line.trim());
    if (!match) continue;
    try {
      labels[match[1] as string] = JSON.parse(`"${match[2] as string}"`) as string;
    } catch {
      // a value Go escaped in a way JSON does not read: not a label we can trust
    }
  }
  return labels;
}

/** Where the chart mounts the pod's labels. */
export const DEFAULT_POD_LABELS_FILE = '/etc/podinfo/labels';
