/**
 * The injector's Prometheus series: admissions by outcome and reason, their latency, Events not written or
 * failed, certificate reloads.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { NOTABLE_SKIPS } from './admit.js';

export class InjectorMetrics {
  readonly registry = new Registry();
  readonly admissions = new Counter({
    name: 'flink_autoscaler_injector_admissions_total',
    help: 'Pod admissions answered by the injector, by outcome (injected, skipped, error) and reason.',
    labelNames: ['outcome', 'reason'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'flink_autoscaler_injector_admission_duration_seconds',
    help: 'Time from an AdmissionReview received to its answer sent.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [this.registry],
  });
  readonly eventFailures = new Counter({
    name: 'flink_autoscaler_injector_event_failures_total',
    help: 'Kubernetes Events about skipped injections that could not be written.',
    registers: [this.registry],
  });
  readonly eventsSuppressed = new Counter({
    name: 'flink_autoscaler_injector_events_suppressed_total',
    help:
      'Events about skipped injections not written, by why: not-served (a namespace outside --namespaces), ' +
      'duplicate (the same one written within the window), rate-limited (over the token bucket).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly certificateReloads = new Counter({
    name: 'flink_autoscaler_injector_certificate_reloads_total',
    help: 'Serving certificate changes picked up without a restart, by result (loaded, rejected).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    // From 0, so that the first of each shows as an increase (the chart's alerts read them with increase()).
    this.admissions.inc({ outcome: 'injected', reason: 'injected' }, 0);
    for (const reason of NOTABLE_SKIPS) this.admissions.inc({ outcome: 'skipped', reason }, 0);
    for (const result of ['loaded', 'rejected']) this.certificateReloads.inc({ result }, 0);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
