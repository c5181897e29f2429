/** The injector's series (injector/metrics.ts): the counters the chart's alerts read exist from 0. */
import { describe, expect, it } from 'vitest';
import { NOTABLE_SKIPS } from '../src/injector/admit.js';
import { InjectorMetrics } from '../src/injector/metrics.js';

describe("the injector's metrics", () => {
  it('export each notable skip, the injections and the certificate reloads from 0', async () => {
    // A counter series born at 1 has no earlier sample: increase() could not see the first pod left without
    // the sidecar (FlinkAutoscalerSidecarNotInjected) or the first certificate refused.
    const text = await new InjectorMetrics().text();
    for (const reason of NOTABLE_SKIPS)
      expect(text).toContain(
        `flink_autoscaler_injector_admissions_total{outcome="skipped",reason="${reason}"} 0`,
      );
    expect(text).toContain(
      'flink_autoscaler_injector_admissions_total{outcome="injected",reason="injected"} 0',
    );
    for (const result of ['loaded', 'rejected'])
      expect(text).toContain(`flink_autoscaler_injector_certificate_reloads_total{result="${result}"} 0`);
    // the skips nobody need act on are not made up
    expect(text).not.toContain('reason="not-requested"');
  });
});
