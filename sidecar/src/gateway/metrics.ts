/** The gateway's Prometheus metrics: requests by route and code, reviews by kind, outcome and cache, scales by outcome. */
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'flink_autoscaler_gateway_requests_total',
    help: 'Requests the gateway answered, by route and status code.',
    labelNames: ['route', 'code'] as const,
    registers: [this.registry],
  });
  readonly reviews = new Counter({
    name: 'flink_autoscaler_gateway_reviews_total',
    help: 'TokenReview and SubjectAccessReview answers, by kind, outcome and whether the cache (or a review in flight) gave them.',
    labelNames: ['kind', 'outcome', 'cached'] as const,
    registers: [this.registry],
  });
  readonly scales = new Counter({
    name: 'flink_autoscaler_gateway_scales_total',
    help: 'Manual scales asked of the gateway past its checks of path, budget and body, by outcome (scaled, dry-run, refused).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor(processMetrics: boolean) {
    if (processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
