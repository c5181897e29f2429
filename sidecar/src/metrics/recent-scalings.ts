/**
 * The last few scalings, one series each, so that a dashboard can say who scaled and why without reading
 * Kubernetes: `flink_autoscaler_recent_scaling_timestamp_seconds{direction, trigger, by, from, to, reasons}`,
 * whose value is when the scaling happened (Unix time). Grafana draws each as an annotation at that time
 * (Prometheus annotation, "series value as timestamp"); the panel matches them to the rises of
 * `flink_autoscaler_scalings_total`.
 *
 * - `by`: for a manual scaling the Kubernetes user the gateway authorized and wrote into the FlinkDeployment's
 *   `flink-autoscaler.io/hold` annotation together with the new count (never a header a caller sends);
 *   `unknown` for a replica change no hold names (`kubectl scale`, GitOps); `flink-autoscaler` for the policy.
 * - `reasons`: the policy's reason codes, comma-separated (`manual` for a manual scaling). The person's own
 *   words are not a label: they are free text (see the ManualScale Event).
 *
 * Cardinality: only the last KEPT scalings are exported; an older one leaves the registry (its series ends).
 * The same labels scaling again move to the newest place with the new time.
 */
import { Gauge, type Registry } from 'prom-client';

export const KEPT = 3;
export const POLICY_BY = 'flink-autoscaler';
export const UNKNOWN_BY = 'unknown';

const LABELS = ['direction', 'trigger', 'by', 'from', 'to', 'reasons'] as const;
type Label = (typeof LABELS)[number];

export interface ScalingRecord {
  direction: 'up' | 'down';
  trigger: 'policy' | 'manual';
  from: number;
  to: number;
  /** For a manual scaling: the user named by the hold annotation; undefined when none names it. */
  by?: string | undefined;
  reasons: readonly string[];
  /** Unix ms. */
  at: number;
}

export class RecentScalings {
  private readonly gauge: Gauge<Label>;
  private readonly kept: Record<Label, string>[] = [];

  constructor(registry: Registry) {
    this.gauge = new Gauge({
      name: 'flink_autoscaler_recent_scaling_timestamp_seconds',
      help:
        `The last ${KEPT} scalings, one series each: when it happened (Unix time); by is the Kubernetes user ` +
        `named by the gateway's hold annotation (manual), ${UNKNOWN_BY} (manual, named by none) or ` +
        `${POLICY_BY} (policy); reasons are the policy's reason codes.`,
      labelNames: LABELS,
      registers: [registry],
    });
  }

  record(s: ScalingRecord): void {
    const by = s.trigger === 'policy' ? POLICY_BY : s.by?.trim() || UNKNOWN_BY;
    const labels: Record<Label, string> = {
      direction: s.direction,
      trigger: s.trigger,
      by,
      from: String(s.from),
      to: String(s.to),
      reasons: s.reasons.join(','),
    };
    const same = this.kept.findIndex((k) => LABELS.every((l) => k[l] === labels[l]));
    if (same >= 0) this.kept.splice(same, 1);
    this.kept.push(labels);
    while (this.kept.length > KEPT) this.gauge.remove(this.kept.shift() as Record<Label, string>);
    this.gauge.set(labels, s.at / 1000);
  }
}
