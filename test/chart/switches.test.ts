/**
 * Issue 13: the sidecar's switches (shared/src/config/switches.ts) travel as the policy values do: the chart
 * value policy.allowNativeMode → the injector's flag → every injected sidecar's flag, which the sidecar reads.
 */
import { readFileSync } from 'node:fs';
import { SWITCH_SPECS, switchFlag } from '@flink-autoscaler/shared';
import { Ajv } from 'ajv';
import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerInjector, sidecarSettings } from '../../sidecar/src/cli/injector.js';
import { switchesFromFlags } from '../../sidecar/src/cli/policy-flags.js';
import { registerSidecar } from '../../sidecar/src/cli/sidecar.js';
import { sidecarContainer } from '../../sidecar/src/injector/container.js';
import { SCHEMA_FILE } from '../../scripts/chart-schema.js';
import { ensureHelm } from './helm.js';
import { RELEASE, containerOf, one, render } from './render.js';

beforeAll(() => {
  ensureHelm();
}, 300_000);

const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as {
  properties: { policy: { properties: Record<string, Record<string, unknown>> } };
};
const INJECTOR = `${RELEASE}-flink-autoscaler-injector`;
const injectorArgs = (setJson: string[] = []) =>
  containerOf(one(render({ setJson }), 'Deployment', INJECTOR), 'injector').args ?? [];

/** The options commander reads from `args` for one subcommand, without running it. */
function parsed(register: (program: Command) => void, name: string, args: string[]) {
  const program = new Command();
  register(program);
  const command = program.commands.find((c) => c.name() === name) as Command;
  command.exitOverride();
  const { unknown } = command.parseOptions(args);
  expect(unknown, `${name} does not know ${unknown.join(' ')}`).toEqual([]);
  return command.opts();
}

describe('policy.allowNativeMode', () => {
  it('is a boolean chart value, false by default, documented from the shared switch', () => {
    const spec = SWITCH_SPECS.find((s) => s.path === 'allowNativeMode');
    expect(schema.properties.policy.properties['allowNativeMode']).toEqual({
      type: 'boolean',
      title: 'policy.allowNativeMode (injector flag --allow-native-mode)',
      description: spec?.doc,
      default: false,
    });
    const validate = new Ajv({ strict: false }).compile(schema);
    expect(validate({ policy: { allowNativeMode: true } })).toBe(true);
    expect(validate({ policy: { allowNativeMode: 'yes' } })).toBe(false);
  });

  it('reaches every injected sidecar: chart value → injector flag → sidecar flag → allowNativeMode', () => {
    expect(injectorArgs().filter((a) => a.startsWith('--allow-native-mode'))).toEqual([]);
    const args = injectorArgs(['policy.allowNativeMode=true']);
    expect(args).toContain('--allow-native-mode=true');
    const [, ...flags] = args;
    const injector = parsed(registerInjector, 'injector', flags);
    const sidecarArgs = sidecarSettings(injector as Parameters<typeof sidecarSettings>[0]).policyArgs;
    expect(sidecarArgs).toContain('--allow-native-mode=true');
    const sidecar = parsed(registerSidecar, 'sidecar', sidecarArgs);
    expect(switchesFromFlags(sidecar)).toEqual({ allowNativeMode: true });
  });

  it('logFormat and sidecar.logHeartbeatSeconds reach every injected sidecar as flags it reads', () => {
    const [, ...flags] = injectorArgs(['logFormat="text"', 'sidecar.logHeartbeatSeconds=60']);
    const injector = parsed(registerInjector, 'injector', flags);
    const settings = sidecarSettings(injector as Parameters<typeof sidecarSettings>[0]);
    const pod = { metadata: { name: 'jm' }, spec: { containers: [{ name: 'flink-main-container' }] } };
    const token = { name: 'token', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };
    const [, ...sidecarArgs] = sidecarContainer(settings, pod, 'clickstream', token)['args'] as string[];
    const sidecar = parsed(registerSidecar, 'sidecar', sidecarArgs);
    expect(sidecar['logFormat']).toBe('text');
    expect(sidecar['logHeartbeatSeconds']).toBe('60');
  });

  it('on the sidecar: alone it means true, =false or absent false, anything else is refused', () => {
    const flag = switchFlag(SWITCH_SPECS[0]);
    const read = (args: string[]) => switchesFromFlags(parsed(registerSidecar, 'sidecar', args));
    expect(read([flag])).toEqual({ allowNativeMode: true });
    expect(read([`${flag}=TRUE`])).toEqual({ allowNativeMode: true });
    expect(read([`${flag}=false`])).toEqual({ allowNativeMode: false });
    expect(read([])).toEqual({ allowNativeMode: false });
    expect(() => read([`${flag}=yes`])).toThrow(/--allow-native-mode: must be true or false, got "yes"/);
  });
});
