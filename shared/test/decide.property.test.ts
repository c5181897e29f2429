import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CONFIG,
  decide,
  resolveConfig,
  workerBounds,
  type PolicyConfig,
  type Signals,
} from '../src/index.js';

const RUNS = { numRuns: 2000 };

/** Any number at all, including the ones that break arithmetic. */
const wild = fc.oneof(
  fc.double(),
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    0,
    Number.MAX_VALUE,
    5e-324,
  ),
  fc.integer({ min: -5, max: 1000 }),
);

const wildSignals = fc.record({
  workers: wild,
  throughput: wild,
  backlog: wild,
  backlogGrowth: wild,
  cpu: wild,
});

/** Sane, finite signals of a running job. */
const signals = fc.record({
  workers: fc.integer({ min: 1, max: 200 }),
  throughput: fc.double({ min: 0, max: 1e7, noNaN: true }),
  backlog: fc.double({ min: 0, max: 1e10, noNaN: true }),
  backlogGrowth: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  cpu: fc.double({ min: 0, max: 1, noNaN: true }),
});

/** Valid configs: bounds and thresholds anywhere they are allowed to be. */
const configs: fc.Arbitrary<PolicyConfig> = fc
  .record({
    minWorkers: fc.integer({ min: 1, max: 20 }),
    extra: fc.integer({ min: 0, max: 300 }),
    maxParallelism: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }),
    slotsPerWorker: fc.integer({ min: 1, max: 8 }),
    down: fc.double({ min: 0.05, max: 0.6, noNaN: true }),
    drain: fc.double({ min: 1, max: 3600, noNaN: true }),
  })
  .map((c) =>
    resolveConfig({
      minWorkers: c.minWorkers,
      maxWorkers: c.minWorkers + c.extra,
      maxParallelism: c.maxParallelism,
      slotsPerWorker: c.slotsPerWorker,
      scaleDown: { cpu: c.down },
      scaleUp: { drainSeconds: c.drain },
    }),
  );

describe('decide properties', () => {
  it('the desired count is an integer within bounds, never NaN or Infinity, whatever the signals', () => {
    fc.assert(
      fc.property(wildSignals, configs, (s, config) => {
        const { desiredWorkers, action } = decide(s, config);
        const { min, max } = workerBounds(config);
        expect(Number.isSafeInteger(desiredWorkers)).toBe(true);
        expect(desiredWorkers).toBeGreaterThanOrEqual(min);
        expect(desiredWorkers).toBeLessThanOrEqual(max);
        expect(['scale-up', 'scale-down', 'none']).toContain(action);
      }),
      RUNS,
    );
  });

  it('a scale-up trigger never lowers the count; a scale-down trigger never raises it', () => {
    fc.assert(
      fc.property(signals, configs, (s, config) => {
        fc.pre(s.workers >= config.minWorkers && s.workers <= workerBounds(config).max);
        const d = decide(s, config);
        if (d.reasons.includes('backlog-time-high') || d.reasons.includes('cpu-high')) {
          expect(d.desiredWorkers).toBeGreaterThanOrEqual(s.workers);
          expect(d.action).not.toBe('scale-down');
        }
        if (d.reasons.includes('cpu-low')) {
          expect(d.desiredWorkers).toBeLessThanOrEqual(s.workers);
          expect(d.action).not.toBe('scale-up');
        }
      }),
      RUNS,
    );
  });

  it('the count does not fall when the backlog rises', () => {
    fc.assert(
      fc.property(signals, fc.double({ min: 0, max: 1e10, noNaN: true }), configs, (s, more, config) => {
        const before = decide(s, config).desiredWorkers;
        const after = decide({ ...s, backlog: s.backlog + more }, config).desiredWorkers;
        expect(after).toBeGreaterThanOrEqual(before);
      }),
      RUNS,
    );
  });

  it('the count does not fall when the input rate rises (more backlog growth at the same throughput)', () => {
    fc.assert(
      fc.property(signals, fc.double({ min: 0, max: 1e6, noNaN: true }), configs, (s, more, config) => {
        const before = decide(s, config).desiredWorkers;
        const after = decide({ ...s, backlogGrowth: s.backlogGrowth + more }, config).desiredWorkers;
        expect(after).toBeGreaterThanOrEqual(before);
      }),
      RUNS,
    );
  });

  /**
   * Unchanged load: the same input rate R = T, nothing waiting, and the same total CPU work n·U spread over
   * the new count d. This is the fixed point policy.md promises with targetCpu in the middle of the band.
   */
  it('after scaling to the desired count under an unchanged load, the next decision is none', () => {
    const steady = fc.record({
      workers: fc.integer({ min: 1, max: 200 }),
      throughput: fc.double({ min: 1, max: 1e7, noNaN: true }),
      cpu: fc.double({ min: 0, max: 1, noNaN: true }),
    });
    fc.assert(
      fc.property(steady, configs, ({ workers, throughput, cpu }, config) => {
        fc.pre(workers >= config.minWorkers && workers <= workerBounds(config).max);
        const before: Signals = { workers, throughput, backlog: 0, backlogGrowth: 0, cpu };
        const d = decide(before, config);
        // A clamp to a bound leaves a need the bounds cannot meet: another rule then holds (see below).
        fc.pre(!d.reasons.some((r) => r.startsWith('limited-by')));
        const after: Signals = {
          ...before,
          workers: d.desiredWorkers,
          cpu: (workers * cpu) / d.desiredWorkers,
        };
        expect(decide(after, config)).toMatchObject({ action: 'none', desiredWorkers: d.desiredWorkers });
      }),
      RUNS,
    );
  });

  it('after a bounded scale, the next decision does not move the other way', () => {
    fc.assert(
      fc.property(signals, configs, (s, config) => {
        fc.pre(s.workers >= config.minWorkers && s.workers <= workerBounds(config).max);
        const d = decide({ ...s, backlog: 0, backlogGrowth: 0 }, config);
        fc.pre(d.action !== 'none');
        const cpu = Math.min(1, (s.workers * s.cpu) / d.desiredWorkers);
        const next = decide({ ...s, workers: d.desiredWorkers, backlog: 0, backlogGrowth: 0, cpu }, config);
        if (d.action === 'scale-up') expect(next.action).not.toBe('scale-down');
        if (d.action === 'scale-down') expect(next.action).not.toBe('scale-up');
      }),
      RUNS,
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(wildSignals, (s) => {
        expect(decide(s, DEFAULT_CONFIG)).toEqual(decide(s, DEFAULT_CONFIG));
      }),
      { numRuns: 500 },
    );
  });
});
