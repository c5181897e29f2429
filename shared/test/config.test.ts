import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { policyDocPath } from '../../test/fixtures/policy-examples.js';
import {
  DEFAULT_CONFIG,
  OPTION_SPECS,
  annotationName,
  applyAnnotations,
  chartValuePath,
  flagName,
  getOption,
  kebabName,
  parseConfig,
  parseOptionText,
  resolveConfig,
  ConfigError,
  optionSpec,
} from '../src/index.js';

describe('config schema', () => {
  it('has the defaults of policy.md, but for the cooldown changed on evidence and the options of issue 14', () => {
    expect(DEFAULT_CONFIG).toEqual({
      scaleUp: {
        backlogTimeSeconds: 120,
        cpu: 0.9,
        drainSeconds: 60,
        sizeOnDrain: 1,
        duringCooldown: 1,
        fastTrigger: 0,
      },
      scaleDown: {
        backlogTimeSeconds: 10,
        cpu: 0.7,
        stabilizationSeconds: 300,
        cleanWindows: 1,
        settleAfterCatchUp: 1,
        // W (docs/policy.md, "W"): worse than the previous defaults in none of the benchmark's 72 runs
        breakEvenRestarts: 3,
      },
      targetCpu: 0.8,
      minWorkers: 1,
      maxWorkers: 100,
      maxParallelism: undefined,
      slotsPerWorker: 1,
      intervalSeconds: 15,
      windowSeconds: 120,
      cooldownSeconds: 300,
      manualHoldSeconds: 3600,
      maxUnknownSplitShare: 0.5,
      // Issue 14 (docs/policy.md, "Options beyond policy.md"): on where the benchmark shows a gain everywhere
      // (P and E 2 each alone; A, B, C, S, T and R 4 together, the profile that was worse than the previous
      // defaults in none of the benchmark's 72 runs).
      partitionBound: 1,
      restartAware: 4,
      restartSeconds: 60,
      followTrend: 1,
      effectiveness: 2,
    });
  });

  /** Defaults changed on the benchmark's evidence (test/bench/results.md), with policy.md's value. */
  const CHANGED_ON_EVIDENCE: Record<string, number> = { cooldownSeconds: 60 };
  /**
   * Options added after policy.md: the manual hold of issue 11 (architecture.md, "Who may scale") and the
   * share of unknown Beam splits of issue 12.
   */
  const NOT_IN_POLICY_MD = new Set([
    'manualHoldSeconds',
    'maxUnknownSplitShare',
    // Issue 14's options of the stateful autoscaler (docs/policy.md, "Options beyond policy.md").
    'partitionBound',
    'scaleUp.sizeOnDrain',
    'scaleUp.duringCooldown',
    'scaleUp.fastTrigger',
    'scaleDown.cleanWindows',
    'scaleDown.settleAfterCatchUp',
    'scaleDown.breakEvenRestarts',
    'restartAware',
    'restartSeconds',
    'followTrend',
    'effectiveness',
  ]);

  it('names every option of policy.md, and every default it names is the one it gives', () => {
    const doc = readFileSync(policyDocPath(), 'utf8');
    let checked = 0;
    for (const spec of OPTION_SPECS) {
      if (NOT_IN_POLICY_MD.has(spec.path)) continue;
      const name = spec.path.replace('.', '\\.');
      expect(doc, spec.path).toMatch(new RegExp(`\\b${name}\\b`));
      // policy.md writes a default right after the option's code span: `U > scaleUp.cpu` (0.9)
      const stated = new RegExp(`${name}\`\\s*\\(([\\d.]+)\\)`).exec(doc);
      if (stated) {
        expect(CHANGED_ON_EVIDENCE[spec.path] ?? spec.default, spec.path).toBe(Number(stated[1]));
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(8);
    expect(doc).toContain('`[minWorkers, maxWorkers]` (1, 100)');
    expect([DEFAULT_CONFIG.minWorkers, DEFAULT_CONFIG.maxWorkers]).toEqual([1, 100]);
  });

  it('has a one-line doc and a unit for every option', () => {
    for (const spec of OPTION_SPECS) {
      expect(spec.doc.length).toBeGreaterThan(10);
      expect(spec.doc).not.toContain('\n');
      expect(spec.unit).not.toBe('');
    }
  });

  it('merges nested overrides over the defaults', () => {
    const config = resolveConfig({ scaleUp: { drainSeconds: 30 }, maxWorkers: 20 });
    expect(config.scaleUp).toEqual({
      backlogTimeSeconds: 120,
      cpu: 0.9,
      drainSeconds: 30,
      sizeOnDrain: 1,
      duringCooldown: 1,
      fastTrigger: 0,
    });
    expect(config.maxWorkers).toBe(20);
    expect(DEFAULT_CONFIG.scaleUp.drainSeconds).toBe(60);
  });

  it.each([
    [{ maxWorkers: 0 }, 'maxWorkers', 'must be a whole number at least 1, got 0'],
    [{ maxWorkers: 2.5 }, 'maxWorkers', 'got 2.5'],
    [{ scaleUp: { cpu: 1.5 } }, 'scaleUp.cpu', 'must be a number greater than 0 and at most 1, got 1.5'],
    [{ scaleUp: { cpu: '0.9' } }, 'scaleUp.cpu', 'got "0.9"'],
    [{ scaleDown: { cpu: 1 } }, 'scaleDown.cpu', 'less than 1'],
    [{ targetCpu: null }, 'targetCpu', 'got null'],
    [{ cooldownSeconds: -1 }, 'cooldownSeconds', 'at least 0'],
    [{ intervalSeconds: Number.NaN }, 'intervalSeconds', 'got NaN'],
    [{ scaleUp: { speed: 1 } }, 'scaleUp.speed', 'is not an option'],
    [{ maxworkers: 3 }, 'maxworkers', 'is not an option'],
    [{ scaleUp: 5 }, 'scaleUp', 'must be an object'],
    [{ minWorkers: 10, maxWorkers: 5 }, 'minWorkers', 'must be at most maxWorkers (5)'],
    [{ targetCpu: 0.95 }, 'targetCpu', 'strictly between scaleDown.cpu (0.7) and scaleUp.cpu (0.9)'],
    [{ scaleDown: { backlogTimeSeconds: 200 } }, 'scaleDown.backlogTimeSeconds', 'less than scaleUp'],
    [{ windowSeconds: 20 }, 'windowSeconds', 'at least twice intervalSeconds (30)'],
  ])('rejects %j naming %s', (overrides, path, message) => {
    const result = parseConfig(overrides);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const issue = result.issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(result.issues)).toBeDefined();
    expect(issue?.message).toContain(message);
  });

  it('rejects a config that is not an object', () => {
    expect(parseConfig([1, 2])).toMatchObject({ ok: false });
    expect(parseConfig('x')).toMatchObject({ ok: false });
  });

  it('throws a ConfigError listing every problem', () => {
    expect(() => resolveConfig({ maxWorkers: 0, targetCpu: 2 })).toThrow(ConfigError);
    try {
      resolveConfig({ maxWorkers: 0, targetCpu: 2 });
    } catch (error) {
      expect((error as ConfigError).issues.map((i) => i.path)).toEqual(['targetCpu', 'maxWorkers']);
    }
  });

  it('reads options by path', () => {
    expect(getOption(DEFAULT_CONFIG, 'scaleDown.stabilizationSeconds')).toBe(300);
    expect(getOption(DEFAULT_CONFIG, 'maxParallelism')).toBeUndefined();
  });
});

describe('names derived from the schema', () => {
  it('gives flags, annotations and chart values', () => {
    const spec = optionSpec('scaleUp.backlogTimeSeconds');
    expect(spec).toBeDefined();
    if (!spec) return;
    expect(kebabName(spec.path)).toBe('scale-up-backlog-time-seconds');
    expect(flagName(spec)).toBe('--scale-up-backlog-time-seconds');
    expect(annotationName(spec)).toBe('flink-autoscaler.io/scale-up-backlog-time-seconds');
    expect(chartValuePath(spec)).toBe('policy.scaleUp.backlogTimeSeconds');
    expect(annotationName(optionSpec('maxWorkers') ?? spec)).toBe('flink-autoscaler.io/max-workers');
  });

  it('makes annotation names Kubernetes accepts (name part ≤ 63, DNS-1123-like)', () => {
    for (const spec of OPTION_SPECS) {
      const name = annotationName(spec).split('/')[1] ?? '';
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/);
    }
    expect(new Set(OPTION_SPECS.map(annotationName)).size).toBe(OPTION_SPECS.length);
  });

  it.each([
    ['maxWorkers', '40', 40],
    ['maxWorkers', ' 40 ', 40],
    ['scaleUp.cpu', '0.95', 0.95],
    ['scaleUp.cpu', '.95', 0.95],
    ['windowSeconds', '1.2e2', 120],
  ])('parses %s from %j', (path, text, value) => {
    const spec = optionSpec(path);
    expect(spec && parseOptionText(spec, text)).toEqual({ ok: true, value });
  });

  it.each([
    ['maxWorkers', 'forty'],
    ['maxWorkers', ''],
    ['maxWorkers', '40abc'],
    ['maxWorkers', '0x10'],
    ['maxWorkers', '4.5'],
    ['maxWorkers', 'Infinity'],
    ['scaleUp.cpu', '95%'],
    ['scaleUp.cpu', '2'],
  ])('refuses %s from %j with a message naming the allowed values', (path, text) => {
    const spec = optionSpec(path);
    const result = spec && parseOptionText(spec, text);
    expect(result?.ok).toBe(false);
    if (result && !result.ok) expect(result.message).toMatch(/^must be a (whole )?number/);
  });
});

describe('annotations', () => {
  it('applies valid ones and reports and ignores bad ones', () => {
    const result = applyAnnotations({
      'flink-autoscaler.io/max-workers': '40',
      'flink-autoscaler.io/scale-up-cpu': 'high',
      'flink-autoscaler.io/inject': 'true',
      'other.io/max-workers': '3',
    });
    expect(result.config.maxWorkers).toBe(40);
    expect(result.config.scaleUp.cpu).toBe(0.9);
    expect(result.applied).toEqual(['maxWorkers']);
    expect(result.issues).toEqual([
      { path: 'flink-autoscaler.io/scale-up-cpu', message: expect.stringContaining('got "high"') },
    ]);
  });

  it('ignores all of them when they contradict each other, and says so', () => {
    const result = applyAnnotations({
      'flink-autoscaler.io/min-workers': '50',
      'flink-autoscaler.io/max-workers': '40',
    });
    expect(result.config).toEqual(DEFAULT_CONFIG);
    expect(result.applied).toEqual([]);
    expect(result.issues[0]?.path).toBe('flink-autoscaler.io/min-workers');
    expect(result.issues[0]?.message).toContain('all policy annotations ignored');
  });

  it('changes nothing without annotations', () => {
    expect(applyAnnotations(undefined).config).toEqual(DEFAULT_CONFIG);
  });
});
