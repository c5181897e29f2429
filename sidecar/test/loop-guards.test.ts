/** Issue 13: the guards alone (guardsFor is pure), and the reading of spec.flinkConfiguration. */
import { describe, expect, it } from 'vitest';
import type { FlinkDeployment } from '../src/kube/deployment.js';
import { flinkConfigurationOf, optionValue } from '../src/kube/flink-configuration.js';
import { guardChanges, guardsFor, type Guard } from '../src/loop/guards.js';

function deployment(
  spec: Record<string, unknown> = {},
  annotations: Record<string, string> = {},
): FlinkDeployment {
  return {
    metadata: { name: 'clickstream', namespace: 'streaming', annotations },
    spec: {
      mode: 'standalone',
      flinkConfiguration: { 'scheduler-mode': 'REACTIVE', 'taskmanager.numberOfTaskSlots': '2' },
      taskManager: { replicas: 4 },
      ...spec,
    },
  };
}

const REACTIVE = { schedulerMode: 'reactive', nativeTarget: false };
const OFF = { allowNativeMode: false };
const ids = (guards: Guard[]) => guards.map((g) => g.id);

describe('guardsFor', () => {
  it('nothing holds on a standalone Reactive Mode job without the operator’s autoscaler', () => {
    expect(guardsFor(deployment(), REACTIVE, OFF)).toEqual([]);
    // before Flink answered, the FlinkDeployment alone
    expect(guardsFor(deployment(), undefined, OFF)).toEqual([]);
    // Flink's value in another case: still Reactive Mode
    expect(guardsFor(deployment(), { schedulerMode: 'REACTIVE', nativeTarget: false }, OFF)).toEqual([]);
  });

  describe('native-mode', () => {
    it('holds when spec.mode is unset (the operator’s default is native) or native', () => {
      const unset = deployment({ mode: undefined });
      delete unset.spec?.['mode'];
      const [guard] = guardsFor(unset, REACTIVE, OFF);
      expect(guard?.id).toBe('native-mode');
      expect(guard?.message).toMatch(/spec\.mode is not set.*native mode/);
      expect(guard?.message).toMatch(/full stateful redeploy/);
      expect(guard?.message).toMatch(/--allow-native-mode/);
      expect(ids(guardsFor(deployment({ mode: 'native' }), REACTIVE, OFF))).toEqual(['native-mode']);
      expect(guardsFor(deployment({ mode: 'native' }), REACTIVE, OFF)[0]?.message).toMatch(
        /spec\.mode is "native"/,
      );
    });

    it('holds when Flink itself runs a native target though the spec says standalone', () => {
      const guards = guardsFor(deployment(), { schedulerMode: 'reactive', nativeTarget: true }, OFF);
      expect(ids(guards)).toEqual(['native-mode']);
      expect(guards[0]?.message).toMatch(/execution\.target/);
    });

    it('is lifted by --allow-native-mode, and per job by the annotation (which overrides the flag)', () => {
      const native = deployment({ mode: 'native' });
      expect(guardsFor(native, REACTIVE, { allowNativeMode: true })).toEqual([]);
      const optedIn = deployment({ mode: 'native' }, { 'flink-autoscaler.io/allow-native-mode': 'TRUE' });
      expect(guardsFor(optedIn, REACTIVE, OFF)).toEqual([]);
      const optedOut = deployment({ mode: 'native' }, { 'flink-autoscaler.io/allow-native-mode': 'false' });
      expect(ids(guardsFor(optedOut, REACTIVE, { allowNativeMode: true }))).toEqual(['native-mode']);
    });

    it('says when the annotation is not a boolean (and ignores it)', () => {
      const bad = deployment({ mode: 'native' }, { 'flink-autoscaler.io/allow-native-mode': 'yes' });
      const [guard] = guardsFor(bad, REACTIVE, OFF);
      expect(guard?.message).toMatch(
        /flink-autoscaler\.io\/allow-native-mode must be true or false, got "yes"/,
      );
      expect(guardsFor(bad, REACTIVE, { allowNativeMode: true })).toEqual([]);
    });

    it('leaves Reactive Mode out of it: native mode has none (Flink supports it only standalone)', () => {
      const native = deployment({ mode: 'native', flinkConfiguration: {} });
      expect(ids(guardsFor(native, { schedulerMode: undefined, nativeTarget: true }, OFF))).toEqual([
        'native-mode',
      ]);
      expect(
        guardsFor(native, { schedulerMode: undefined, nativeTarget: true }, { allowNativeMode: true }),
      ).toEqual([]);
    });
  });

  describe('not-reactive', () => {
    it('holds when Flink’s own scheduler-mode is not reactive, naming the value', () => {
      const guards = guardsFor(deployment(), { schedulerMode: 'adaptive', nativeTarget: false }, OFF);
      expect(ids(guards)).toEqual(['not-reactive']);
      expect(guards[0]?.message).toMatch(/scheduler-mode is "adaptive" in Flink's configuration/);
      const unset = guardsFor(deployment(), { schedulerMode: undefined, nativeTarget: false }, OFF);
      expect(unset[0]?.message).toMatch(/not set in Flink's configuration/);
    });

    it('holds when spec.flinkConfiguration sets another mode, even before Flink answered', () => {
      const d = deployment({ flinkConfiguration: { 'scheduler-mode': 'default' } });
      const guards = guardsFor(d, undefined, OFF);
      expect(ids(guards)).toEqual(['not-reactive']);
      expect(guards[0]?.message).toMatch(/"default" in spec\.flinkConfiguration/);
    });

    it('reads values as Flink does: any case is reactive; keys are verbatim', () => {
      for (const mode of ['reactive', 'REACTIVE', 'Reactive']) {
        const d = deployment({ flinkConfiguration: { 'scheduler-mode': mode } });
        expect(guardsFor(d, { schedulerMode: mode, nativeTarget: false }, OFF)).toEqual([]);
      }
      // a key in another case is another key: Flink's copy decides (here: not set)
      const d = deployment({ flinkConfiguration: { 'Scheduler-Mode': 'reactive' } });
      expect(ids(guardsFor(d, { schedulerMode: undefined, nativeTarget: false }, OFF))).toEqual([
        'not-reactive',
      ]);
    });
  });

  describe('operator-autoscaler', () => {
    const withConfig = (config: Record<string, unknown>) =>
      deployment({ flinkConfiguration: { 'scheduler-mode': 'REACTIVE', ...config } });

    it.each([
      ['job.autoscaler.enabled', 'true'],
      ['job.autoscaler.enabled', 'TRUE'],
      ['job.autoscaler.enabled', 'True'],
      ['kubernetes.operator.job.autoscaler.enabled', 'true'],
    ])('holds with %s: %s (a boolean as Flink reads one), naming the key', (key, value) => {
      const guards = guardsFor(withConfig({ [key]: value }), REACTIVE, OFF);
      expect(ids(guards)).toEqual(['operator-autoscaler']);
      expect(guards[0]?.message).toContain(`${key}: ${JSON.stringify(value)}`);
      expect(guards[0]?.message).toMatch(/two autoscalers would fight/);
    });

    it('holds with structured YAML (operator 1.13+), flat and nested keys mixed', () => {
      expect(ids(guardsFor(withConfig({ job: { autoscaler: { enabled: true } } }), REACTIVE, OFF))).toEqual([
        'operator-autoscaler',
      ]);
      expect(ids(guardsFor(withConfig({ 'job.autoscaler': { enabled: 'TRUE' } }), REACTIVE, OFF))).toEqual([
        'operator-autoscaler',
      ]);
      expect(
        ids(
          guardsFor(
            withConfig({ kubernetes: { operator: { 'job.autoscaler.enabled': true } } }),
            REACTIVE,
            OFF,
          ),
        ),
      ).toEqual(['operator-autoscaler']);
    });

    it.each([
      ['off', { 'job.autoscaler.enabled': 'false' }],
      ['not a boolean (Flink would refuse it)', { 'job.autoscaler.enabled': 'yes' }],
      ['not set', {}],
      [
        'on as a shadow that scales nothing (the operator’s advisor mode)',
        { 'job.autoscaler.enabled': 'true', 'job.autoscaler.scaling.enabled': 'FALSE' },
      ],
      [
        'off under the new key, on under the old one (the new key wins, as in Flink)',
        { 'job.autoscaler.enabled': 'false', 'kubernetes.operator.job.autoscaler.enabled': 'true' },
      ],
      ['a key in another case (another key to Flink)', { 'Job.Autoscaler.Enabled': 'true' }],
    ])('does not hold when %s', (_name, config) => {
      expect(guardsFor(withConfig(config), REACTIVE, OFF)).toEqual([]);
    });

    describe("on in the operator's default configuration (the injector's reading of its ConfigMap)", () => {
      const source = 'flink-operator/flink-operator-config';
      const defaults = (entries: Record<string, string>) => ({
        allowNativeMode: false,
        operatorDefaults: { source, entries },
      });
      const NS = 'kubernetes.operator.default-configuration.namespace.';
      const V = 'kubernetes.operator.default-configuration.flink-version.';

      it('holds for a job whose spec does not say, naming the ConfigMap', () => {
        const guards = guardsFor(withConfig({}), REACTIVE, defaults({ 'job.autoscaler.enabled': 'true' }));
        expect(ids(guards)).toEqual(['operator-autoscaler']);
        expect(guards[0]?.message).toContain(
          `job.autoscaler.enabled: "true" in the operator's default configuration, ConfigMap ${source}`,
        );
      });

      it("is lifted by the job's own spec, which the operator lays over its defaults", () => {
        const on = defaults({ 'job.autoscaler.enabled': 'true' });
        expect(guardsFor(withConfig({ 'job.autoscaler.enabled': 'false' }), REACTIVE, on)).toEqual([]);
        expect(guardsFor(withConfig({ 'job.autoscaler.scaling.enabled': 'false' }), REACTIVE, on)).toEqual(
          [],
        );
        // and a default shadow mode with the job turning the autoscaler on still scales nothing
        const shadow = defaults({ 'kubernetes.operator.job.autoscaler.scaling.enabled': 'false' });
        expect(guardsFor(withConfig({ 'job.autoscaler.enabled': 'true' }), REACTIVE, shadow)).toEqual([]);
      });

      it("follows the job's namespace and Flink version, as the operator resolves them", () => {
        const entries = {
          'job.autoscaler.enabled': 'true',
          [`${NS}streaming.job.autoscaler.enabled`]: 'false',
          [`${V}v1_19+.job.autoscaler.enabled`]: 'true',
        };
        expect(guardsFor(withConfig({}), REACTIVE, defaults(entries))).toEqual([]);
        const v120 = deployment({
          flinkVersion: 'v1_20',
          flinkConfiguration: { 'scheduler-mode': 'REACTIVE' },
        });
        expect(ids(guardsFor(v120, REACTIVE, defaults(entries)))).toEqual(['operator-autoscaler']);
      });

      it('does not hold when the ConfigMap could not be read (only the spec is known)', () => {
        const unread = { allowNativeMode: false, operatorDefaults: { source, error: 'forbidden' } };
        expect(guardsFor(withConfig({}), REACTIVE, unread)).toEqual([]);
      });
    });
  });

  it('reports every guard that holds, in a fixed order', () => {
    const d = deployment({
      mode: 'native',
      flinkConfiguration: { 'job.autoscaler.enabled': 'true' },
    });
    expect(ids(guardsFor(d, { schedulerMode: undefined, nativeTarget: true }, OFF))).toEqual([
      'native-mode',
      'operator-autoscaler',
    ]);
    const standalone = deployment({
      flinkConfiguration: { 'scheduler-mode': 'adaptive', 'job.autoscaler.enabled': 'true' },
    });
    expect(ids(guardsFor(standalone, REACTIVE, OFF))).toEqual(['not-reactive', 'operator-autoscaler']);
  });
});

describe('guardChanges', () => {
  const g = (id: Guard['id'], message: string = id): Guard => ({ id, message });
  it('names the guards that start holding and those that lift, by id', () => {
    expect(guardChanges([], [g('native-mode')])).toEqual({ started: [g('native-mode')], lifted: [] });
    expect(guardChanges([g('native-mode')], [g('native-mode', 'other words')])).toEqual({
      started: [],
      lifted: [],
    });
    expect(guardChanges([g('native-mode')], [g('operator-autoscaler')])).toEqual({
      started: [g('operator-autoscaler')],
      lifted: [g('native-mode')],
    });
  });
});

describe('spec.flinkConfiguration as Flink keys', () => {
  it('flattens nested YAML with dots, values as Flink text, lists in Flink’s form', () => {
    const config = flinkConfigurationOf(
      deployment({
        flinkConfiguration: {
          'taskmanager.numberOfTaskSlots': 2,
          job: { autoscaler: { enabled: true, 'metrics.window': '5m' } },
          'pipeline.jars': ['a.jar', 'b.jar'],
          ignored: null,
        },
      }),
    );
    expect(Object.fromEntries(config)).toEqual({
      'taskmanager.numberOfTaskSlots': '2',
      'job.autoscaler.enabled': 'true',
      'job.autoscaler.metrics.window': '5m',
      'pipeline.jars': 'a.jar;b.jar',
    });
  });

  it('is empty without a flinkConfiguration, or with one that is not a map', () => {
    expect(flinkConfigurationOf(deployment({ flinkConfiguration: undefined })).size).toBe(0);
    expect(flinkConfigurationOf(deployment({ flinkConfiguration: 'a: b' })).size).toBe(0);
  });

  it('finds an option under its key first, then its fallback keys', () => {
    const config = new Map([
      ['old', '1'],
      ['new', '2'],
    ]);
    expect(optionValue(config, 'new', 'old')).toEqual({ key: 'new', value: '2' });
    expect(optionValue(config, 'missing', 'old')).toEqual({ key: 'old', value: '1' });
    expect(optionValue(config, 'missing')).toBeUndefined();
  });
});
