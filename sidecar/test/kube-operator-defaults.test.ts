/**
 * The operator's default configuration (kube/operator-defaults.ts): read from its ConfigMap as the operator
 * reads it, cut down to what can apply to one namespace, and resolved for a job's Flink version in the
 * operator's order (FlinkConfigManager.getDefaultConfig: namespace, then versions ascending).
 */
import { describe, expect, it } from 'vitest';
import {
  autoscalerEntriesFor,
  operatorConfigFrom,
  operatorDefaultsFor,
  parseOperatorDefaults,
} from '../src/kube/operator-defaults.js';

const NS = 'kubernetes.operator.default-configuration.namespace.';
const V = 'kubernetes.operator.default-configuration.flink-version.';

describe("the operator's ConfigMap", () => {
  it('reads config.yaml as YAML, nested keys joined with dots, values as Flink reads them', () => {
    const config = operatorConfigFrom({
      'config.yaml': 'job:\n  autoscaler:\n    enabled: true\nkubernetes.operator.reconcile.interval: 15 s\n',
      'flink-conf.yaml': 'job.autoscaler.enabled: false\n',
    });
    expect(config.get('job.autoscaler.enabled')).toBe('true');
    expect(config.get('kubernetes.operator.reconcile.interval')).toBe('15 s');
  });

  it("reads flink-conf.yaml as Flink's legacy reader does when there is no config.yaml", () => {
    const config = operatorConfigFrom({
      'flink-conf.yaml': [
        '# the platform turns the autoscaler on for everyone',
        'job.autoscaler.enabled: true   # a comment after the value',
        'not a pair',
        'kubernetes.operator.job.autoscaler.scaling.enabled:false',
        'empty.value: ',
      ].join('\n'),
    });
    expect(Object.fromEntries(config)).toEqual({ 'job.autoscaler.enabled': 'true' });
  });

  it('refuses a ConfigMap with neither file, and a config.yaml that is not YAML, with a clear error', () => {
    expect(() => operatorConfigFrom({ 'log4j-operator.properties': '' })).toThrow(
      'neither config.yaml nor flink-conf.yaml',
    );
    expect(() => operatorConfigFrom(undefined)).toThrow('neither config.yaml nor flink-conf.yaml');
    expect(() => operatorConfigFrom({ 'config.yaml': 'job: [unclosed' })).toThrow('config.yaml is not YAML');
  });
});

describe('what a namespace gets of it', () => {
  const config = new Map([
    ['job.autoscaler.enabled', 'true'],
    ['kubernetes.operator.job.autoscaler.scaling.enabled', 'false'],
    ['job.autoscaler.target.utilization', '0.7'],
    [`${NS}streaming.job.autoscaler.enabled`, 'false'],
    [`${NS}streaming.s3.secret-key`, 'hunter2'],
    [`${NS}other.job.autoscaler.enabled`, 'true'],
    [`${NS}other.s3.secret-key`, 'swordfish'],
    [`${V}v1_18+.job.autoscaler.enabled`, 'true'],
    [`${V}v1_18.kubernetes.operator.reconcile.interval`, '1 min'],
  ]);

  it("only the autoscaler's on and off keys, plain, of its own namespace and of any Flink version", () => {
    expect(autoscalerEntriesFor(config, 'streaming')).toEqual({
      'job.autoscaler.enabled': 'true',
      'kubernetes.operator.job.autoscaler.scaling.enabled': 'false',
      [`${NS}streaming.job.autoscaler.enabled`]: 'false',
      [`${V}v1_18+.job.autoscaler.enabled`]: 'true',
    });
    // Another namespace's entries (and everybody's other keys) never reach this one.
    const text = JSON.stringify(autoscalerEntriesFor(config, 'streaming'));
    expect(text).not.toContain('other');
    expect(text).not.toContain('secret');
  });

  it('resolves the namespace over the plain keys, and a version that applies over the namespace', () => {
    const entries = autoscalerEntriesFor(config, 'streaming');
    expect(operatorDefaultsFor(entries, 'streaming', 'v1_17').get('job.autoscaler.enabled')).toBe('false');
    expect(operatorDefaultsFor(entries, 'streaming', 'v1_18').get('job.autoscaler.enabled')).toBe('true');
    expect(operatorDefaultsFor(entries, 'streaming', 'v1_20').get('job.autoscaler.enabled')).toBe('true');
    expect(operatorDefaultsFor(entries, 'streaming', undefined).get('job.autoscaler.enabled')).toBe('false');
    expect(
      operatorDefaultsFor(entries, 'streaming', 'v1_20').get(
        'kubernetes.operator.job.autoscaler.scaling.enabled',
      ),
    ).toBe('false');
  });

  it('applies newer `+` versions over older ones, and the exact version last', () => {
    const entries = {
      [`${V}v1_19.job.autoscaler.enabled`]: 'false',
      [`${V}v1_18+.job.autoscaler.enabled`]: 'true',
      [`${V}v1_16+.job.autoscaler.enabled`]: 'false',
      [`${V}v1_20+.job.autoscaler.enabled`]: 'false',
    };
    const at = (version: string) => operatorDefaultsFor(entries, 'ns', version).get('job.autoscaler.enabled');
    expect(at('v1_16')).toBe('false');
    expect(at('v1_18')).toBe('true');
    expect(at('v1_19')).toBe('false');
    expect(at('v1_20')).toBe('false');
    expect(at('v2_0')).toBe('false');
    expect(operatorDefaultsFor(entries, 'ns', 'v1_15').has('job.autoscaler.enabled')).toBe(false);
  });
});

describe('--flink-operator-defaults', () => {
  it('takes the reading or the error, and refuses anything else with a clear error', () => {
    expect(parseOperatorDefaults('{"source":"op/cfg","entries":{"job.autoscaler.enabled":"true"}}')).toEqual({
      source: 'op/cfg',
      entries: { 'job.autoscaler.enabled': 'true' },
    });
    expect(parseOperatorDefaults('{"source":"op/cfg","error":"forbidden"}').error).toBe('forbidden');
    expect(() => parseOperatorDefaults('{')).toThrow('must be JSON');
    expect(() => parseOperatorDefaults('{"source":"op/cfg"}')).toThrow('exactly one of entries and error');
    expect(() => parseOperatorDefaults('{"source":"op/cfg","entries":{"a":1}}')).toThrow('entries.a');
    expect(() => parseOperatorDefaults('{"source":"op/cfg","entries":{},"extra":1}')).toThrow();
  });
});
