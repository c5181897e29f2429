/**
 * The panel's plain policy config (no zod in its bundle) gives the answers of the config schema: the same
 * defaults as DEFAULT_CONFIG, and for the values a sidecar exports, the config parseConfig makes, or a
 * refusal where parseConfig refuses.
 */
import { DEFAULT_CONFIG, parseConfig } from '@flink-autoscaler/shared';
import { describe, expect, it } from 'vitest';
import { PANEL_DEFAULTS, panelConfig, type Exported } from './config';

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function nested(e: Exported): unknown {
  return {
    scaleUp: { backlogTimeSeconds: e['scaleUp.backlogTimeSeconds'], cpu: e['scaleUp.cpu'] },
    scaleDown: { backlogTimeSeconds: e['scaleDown.backlogTimeSeconds'], cpu: e['scaleDown.cpu'] },
    targetCpu: e.targetCpu,
    minWorkers: e.minWorkers,
    maxWorkers: e.maxWorkers,
  };
}

describe("the panel's policy config", () => {
  it('has the defaults of the config schema', () => {
    expect(PANEL_DEFAULTS).toEqual(DEFAULT_CONFIG);
    expect(Object.isFrozen(PANEL_DEFAULTS)).toBe(true);
  });

  it('takes a sidecar’s thresholds as parseConfig does', () => {
    const exported: Exported = {
      'scaleUp.backlogTimeSeconds': 300,
      'scaleUp.cpu': 0.85,
      'scaleDown.backlogTimeSeconds': 30,
      'scaleDown.cpu': 0.5,
      targetCpu: 0.7,
      minWorkers: 2,
      maxWorkers: 40,
    };
    const parsed = parseConfig(nested(exported));
    expect(parsed.ok).toBe(true);
    expect(panelConfig(exported)).toEqual(parsed.ok ? parsed.config : undefined);
  });

  it('refuses what parseConfig refuses and accepts what it accepts (2,000 seeded sets of values)', () => {
    const next = random(15);
    const pick = <T>(values: T[]): T => values[Math.floor(next() * values.length)]!;
    let refused = 0;
    for (let i = 0; i < 2000; i++) {
      const exported: Exported = {
        'scaleUp.backlogTimeSeconds': pick([undefined, undefined, 120, 300, 600, 0, Number.NaN]),
        'scaleUp.cpu': pick([undefined, undefined, 0.9, 0.95, 1, 0.6, 1.2]),
        'scaleDown.backlogTimeSeconds': pick([undefined, undefined, 10, 30, 0, 200, -1]),
        'scaleDown.cpu': pick([undefined, undefined, 0.7, 0.5, 0, 0.8, 0.95]),
        targetCpu: pick([undefined, undefined, 0.75, 0.8, 0.85, 0.5, 1]),
        minWorkers: pick([undefined, undefined, 1, 2, 4, 0, 2.5, 50]),
        maxWorkers: pick([undefined, undefined, 10, 100, 3, Number.POSITIVE_INFINITY]),
      };
      const parsed = parseConfig(nested(exported));
      const mine = panelConfig(exported);
      expect(mine, JSON.stringify(exported)).toEqual(parsed.ok ? parsed.config : undefined);
      if (!parsed.ok) refused++;
    }
    // Both answers occur often enough for the comparison to mean something.
    expect(refused).toBeGreaterThan(200);
    expect(2000 - refused).toBeGreaterThan(200);
  });
});
