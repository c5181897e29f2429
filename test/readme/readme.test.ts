/**
 * The README's commands are run, so that it cannot drift from the project. Every ```sh checked block of
 * README.md and docs/*.md is split into commands, and each is run or checked, in order, as cheaply as it
 * can be done for real:
 *
 * - `npm start`, `npm test`, `npm run X`: the script exists in package.json (running them is the suite);
 * - `flink-autoscaler …` / `npx flink-autoscaler …` (and `echo … | …` pipes): run against the built CLI in a
 *   scratch directory; exit 0, and the output a `# => …` line after the command says it prints;
 * - `helm install|upgrade`: the real helm renders the same arguments (`helm template`); `helm package`
 *   runs for real, and a later install of the packaged file renders that file; `helm uninstall` names a
 *   release and namespace installed above;
 * - `kubectl …`: the real kubectl against the Kubernetes double (the example FlinkDeployment applied as
 *   written, annotated, scaled, its Events read); verbs on namespaces, which the double does not write,
 *   with `--dry-run=client`; `logs` and `port-forward` need a pod, so their container and port are checked
 *   against the injector's; a hold annotation must parse as the sidecar parses it; a Secret deleted must be
 *   one the chart names, a Lease the sidecar's;
 * - `docker build|push`: the context has a Dockerfile and the tag is the chart's image at its appVersion;
 * - `curl`: the sidecar's routes on its port, or the gateway's routes on a Service the chart renders, with
 *   a body the gateway accepts.
 *
 * A command of any other kind fails the test: teach it here. Links of README.md and docs/*.md must resolve
 * (files, and headings for anchors).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { DEFAULT_MAX_HOLD_SECONDS, parseScaleBody } from '../../sidecar/src/gateway/scale-body.js';
import { DEFAULT_SIDECAR_PORT } from '../../sidecar/src/http/server.js';
import { SIDECAR_CONTAINER } from '../../sidecar/src/injector/settings.js';
import { parseHold, HOLD_ANNOTATION } from '../../sidecar/src/kube/manual-hold.js';
import { leaseNameFor } from '../../sidecar/src/kube/lease.js';
import { GUARD_IDS } from '../../sidecar/src/loop/guards.js';
import { HELM_VERSION } from '../chart/helm.js';
import { helm, type K8sObject } from '../chart/render.js';
import { startFlinkDouble } from '../doubles/flink/index.js';
import { runKubectl, startKubeDouble, type KubeDouble } from '../doubles/kube/index.js';
import {
  anchorsOf,
  checkedCommands,
  fileBlocks,
  linksOf,
  pipeline,
  stripJsonComments,
  type Command,
} from './markdown.js';
import { writeFileSync } from 'node:fs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const chartDir = join(root, 'charts', 'flink-autoscaler');
const bin = join(root, 'node_modules', '.bin');
const node24 = join(root, '.tools', 'node24', 'node_modules', 'node', 'bin');

const MARKDOWN = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const text = (file: string): string => readFileSync(join(root, file), 'utf8');
const commands: Command[] = MARKDOWN.flatMap((file) => checkedCommands(file, text(file)));

const chart = parseYaml(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { appVersion: string };
const values = parseYaml(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as {
  image: { repository: string };
};
const scripts = (JSON.parse(text('package.json')) as { scripts: Record<string, string> }).scripts;

interface Install {
  release: string;
  namespace: string;
  objects: K8sObject[];
  rendered: string;
}

let double: KubeDouble;
let kubeconfig: string;
let work: string;
const installs: Install[] = [];
const packaged = new Map<string, string>();
const images = new Set<string>();

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'readme-'));
  double = await startKubeDouble({
    users: [{ token: 'readme-admin-token', username: 'readme-admin', groups: ['system:masters'] }],
    namespaces: ['flink-jobs', 'flink-autoscaler'],
  });
  kubeconfig = double.kubeconfig('readme-admin');
  // Files the markdown shows (```jsonc file=NAME), for the commands that read them, as plain JSON.
  for (const block of MARKDOWN.flatMap((file) => fileBlocks(file, text(file)))) {
    const content = block.name.endsWith('.json') ? stripJsonComments(block.content) : block.content;
    writeFileSync(join(work, block.name), content);
  }
}, 30_000);

afterAll(async () => {
  await double?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The words after leading `NAME=value` environment assignments. */
function withoutEnv(words: string[]): { env: Record<string, string>; words: string[] } {
  const env: Record<string, string> = {};
  let at = 0;
  for (; at < words.length && /^[A-Z_][A-Z0-9_]*=/.test(words[at] as string); at++) {
    const [name, ...rest] = (words[at] as string).split('=');
    env[name as string] = rest.join('=');
  }
  return { env, words: words.slice(at) };
}

/** The value of a flag given as `--flag value`, `--flag=value` or its short form `-x value`. */
function flag(words: string[], long: string, short?: string): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (word === long || (short !== undefined && word === short)) return words[i + 1];
    if (word.startsWith(`${long}=`)) return word.slice(long.length + 1);
  }
  return undefined;
}

/** Positional arguments of a kubectl or helm command line (flags and their values left out). */
function positionals(words: string[], flagsWithValue: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (flagsWithValue.includes(word)) i++;
    else if (!word.startsWith('-')) out.push(word);
  }
  return out;
}

async function runCli(command: Command): Promise<void> {
  const env = {
    ...process.env,
    PATH: `${bin}:${node24}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
  };
  // npx of a linked bin is the bin itself; a function keeps npx from asking the registry.
  const script = `npx() { "$@"; }\n${command.text}`;
  const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
    const child = spawn('bash', ['-c', script], { cwd: work, env, timeout: 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
  expect(result.code, `${command.text}\n${result.stderr}`).toBe(0);
  if (command.prints !== undefined) expect(result.stdout.trim()).toBe(command.prints.trim());
}

function checkNpm(words: string[]): void {
  const [, verb, script] = words;
  if (verb === 'start' || verb === 'test') expect(scripts[verb], `npm ${verb}`).toBeDefined();
  else if (verb === 'run' && script !== undefined) expect(scripts[script], `npm run ${script}`).toBeDefined();
  else throw new Error(`the README test does not know npm ${verb}`);
}

function renderInstall(args: string[]): Install {
  const [release, chartRef] = positionals(args, [
    '-n',
    '--namespace',
    '--set',
    '--set-json',
    '--values',
    '-f',
  ]);
  if (release === undefined || chartRef === undefined)
    throw new Error(`helm install needs a release and a chart`);
  const chartPath = packaged.get(basename(chartRef)) ?? join(root, chartRef);
  const namespace = flag(args, '--namespace', '-n') ?? 'default';
  const passed: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i] as string;
    if (['--create-namespace', '--wait', '--atomic', '--install'].includes(word)) continue;
    if (word === chartRef) passed.push(chartPath);
    else if (word === '--values' || word === '-f') {
      passed.push(word, join(root, args[i + 1] as string));
      i++;
    } else passed.push(word);
  }
  // As on a bare cluster (no cert-manager, no Prometheus Operator): the README's install needs neither.
  const result = helm(['template', ...passed, '--kube-version', '1.33.0']);
  expect(result.code, `helm template ${passed.join(' ')}\n${result.stderr}`).toBe(0);
  const objects = parseAllDocuments(result.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null && o !== undefined);
  expect(objects.length).toBeGreaterThan(0);
  return { release, namespace, objects, rendered: result.stdout };
}

function checkHelm(command: Command, words: string[]): void {
  const verb = words[1];
  const args = words.slice(2);
  if (verb === 'install') installs.push(renderInstall(args));
  else if (verb === 'upgrade' && args.includes('--install')) installs.push(renderInstall(args));
  else if (verb === 'package') {
    const [dir] = positionals(args, ['-d', '--destination', '--version', '--app-version']);
    if (dir === undefined) throw new Error('helm package needs a chart folder');
    const result = helm(['package', join(root, dir), '--destination', work]);
    expect(result.code, result.stderr).toBe(0);
    const file = /saved it to: (\S+\.tgz)/.exec(result.stdout)?.[1];
    expect(file, result.stdout).toBeDefined();
    const name = basename(file as string);
    const said = /writes (\S+\.tgz)/.exec(command.comment ?? '')?.[1];
    if (said !== undefined) expect(name).toBe(said);
    packaged.set(name, file as string);
  } else if (verb === 'uninstall') {
    const [release] = positionals(args, ['-n', '--namespace']);
    const namespace = flag(args, '--namespace', '-n') ?? 'default';
    expect(
      installs.some((i) => i.release === release && i.namespace === namespace),
      `helm uninstall ${release} -n ${namespace}: no such install above`,
    ).toBe(true);
  } else throw new Error(`the README test does not know helm ${verb}`);
}

const KUBECTL_FLAGS_WITH_VALUE = [
  '-n',
  '--namespace',
  '-l',
  '--selector',
  '-c',
  '--container',
  '-o',
  '--output',
  '-f',
  '--filename',
  '--field-selector',
  '--replicas',
  '--kubeconfig',
  '--context',
];

async function checkKubectl(words: string[]): Promise<void> {
  const args = words.slice(1);
  const [verb, resource, ...names] = positionals(args, KUBECTL_FLAGS_WITH_VALUE);
  if (verb === 'logs') {
    expect(flag(args, '--container', '-c'), 'kubectl logs of the sidecar container').toBe(SIDECAR_CONTAINER);
    return;
  }
  if (verb === 'port-forward') {
    const fds = await runKubectl(
      kubeconfig,
      ['get', 'flinkdeployments', '-A', '-o', 'jsonpath={.items[*].metadata.name}'],
      { home: double.dir },
    );
    // The operator names a job's JobManager Deployment after its FlinkDeployment.
    const jobManagers = fds.stdout
      .split(/\s+/)
      .filter(Boolean)
      .map((name) => `deployment/${name}`);
    expect(jobManagers, `port-forward to a JobManager: ${resource}`).toContain(resource);
    const ports = names;
    expect(ports.map((p) => p.split(':').at(-1))).toContain(String(DEFAULT_SIDECAR_PORT));
    return;
  }
  for (const word of args) {
    const hold = word.startsWith(`${HOLD_ANNOTATION}=`) ? word.slice(HOLD_ANNOTATION.length + 1) : undefined;
    if (hold !== undefined) expect(parseHold(hold)).toMatchObject({ ok: true });
  }
  if (verb === 'delete' && resource === 'secret') {
    const install = installs.at(-1);
    expect(install, 'a Secret deleted after an install above').toBeDefined();
    for (const name of names) expect(install?.rendered, `the chart names the Secret ${name}`).toContain(name);
  }
  if (verb === 'delete' && resource === 'lease') {
    const fds = await runKubectl(
      kubeconfig,
      ['get', 'flinkdeployments', '-A', '-o', 'jsonpath={.items[*].metadata.name}'],
      { home: double.dir },
    );
    const leases = fds.stdout.split(/\s+/).filter(Boolean).map(leaseNameFor);
    for (const name of names) expect(leases, `a sidecar's Lease is named ${name}`).toContain(name);
  }
  const onNamespace = resource === 'namespace' || resource === 'namespaces' || resource === 'ns';
  const writes = ['label', 'annotate', 'delete', 'create', 'patch', 'apply'].includes(verb ?? '');
  const extra = onNamespace && writes ? ['--dry-run=client'] : [];
  // Files (-f charts/…) are the repository's.
  const absolute = args.map((word, i) =>
    i > 0 && ['-f', '--filename'].includes(args[i - 1] as string) ? join(root, word) : word,
  );
  const result = await runKubectl(kubeconfig, [...absolute, ...extra], { home: double.dir });
  expect(result.code, `kubectl ${args.join(' ')}\n${result.stderr}`).toBe(0);
}

function checkDocker(words: string[]): void {
  const verb = words[1];
  const args = words.slice(2);
  if (verb === 'build') {
    const tag = flag(args, '--tag', '-t');
    const [context] = positionals(args, ['-t', '--tag', '-f', '--file', '--build-arg', '--target']);
    expect(existsSync(join(root, context ?? '.', 'Dockerfile')), 'the build context has the Dockerfile').toBe(
      true,
    );
    const match = /^(?:(.+)\/)?([^/:]+):([^/:]+)$/.exec(tag ?? '');
    expect(match, `docker build -t ${tag}`).not.toBeNull();
    expect(match?.[2], "the image is the chart's image.repository").toBe(values.image.repository);
    expect(match?.[3], "the tag is the chart's appVersion (image.tag's default)").toBe(chart.appVersion);
    images.add(tag as string);
  } else if (verb === 'push') {
    expect(images, `docker push ${args[0]} of an image built above`).toContain(args[0]);
  } else throw new Error(`the README test does not know docker ${verb}`);
}

function checkCurl(words: string[]): void {
  const url = new URL(words.find((w) => /^https?:\/\//.test(w)) ?? '');
  const body = flag(words, '--data', '-d');
  if (url.hostname === 'localhost' || url.hostname === '127.0.0.1') {
    expect(url.port, "the sidecar's port").toBe(String(DEFAULT_SIDECAR_PORT));
    const routes = readFileSync(join(root, 'sidecar/src/http/read-routes.ts'), 'utf8');
    expect(routes, `the sidecar serves GET ${url.pathname}`).toContain(`router.get('${url.pathname}'`);
    return;
  }
  const [service, namespace, svc] = url.hostname.split('.');
  expect(svc).toBe('svc');
  const install = installs.at(-1);
  const found = install?.objects.some(
    (o) =>
      o.kind === 'Service' &&
      o.metadata.name === service &&
      (o.metadata.namespace ?? install.namespace) === namespace,
  );
  expect(found, `the chart renders the Service ${service} in ${namespace}`).toBe(true);
  const route = /^\/api\/v1\/namespaces\/[^/]+\/flinkdeployments\/[^/]+\/(scale|scale\/access|status)$/.exec(
    url.pathname,
  );
  expect(route, `a gateway route: ${url.pathname}`).not.toBeNull();
  const server = readFileSync(join(root, 'sidecar/src/gateway/server.ts'), 'utf8');
  expect(server).toContain("const BASE = '/api/v1/namespaces/:namespace/flinkdeployments/:name'");
  expect(server).toContain(body === undefined ? `\${BASE}/${route?.[1]}\`` : '`${BASE}/scale`');
  if (body !== undefined)
    expect(() => parseScaleBody(Buffer.from(body), DEFAULT_MAX_HOLD_SECONDS)).not.toThrow();
}

/** A `flink-autoscaler` invocation (or a pipe into one), run against the built CLI. */
function isCli(command: Command): boolean {
  const stages = pipeline(command.text);
  const { words } = withoutEnv(stages[0] as string[]);
  return stages.length > 1 || (words[0] === 'npx' ? words[1] : words[0]) === 'flink-autoscaler';
}

describe("the README's and docs' checked commands", () => {
  it('include the quick start, the install, the opt-in and the troubleshooting commands', () => {
    const readme = commands.filter((c) => c.file === 'README.md').map((c) => c.text);
    expect(readme).toContain('npm start');
    expect(readme).toContain('npm test');
    expect(readme.some((c) => c.startsWith('helm install') && c.includes('charts/flink-autoscaler'))).toBe(
      true,
    );
    expect(readme.some((c) => c.startsWith('helm package'))).toBe(true);
    expect(readme.some((c) => c.startsWith('helm uninstall'))).toBe(true);
    expect(readme).toContain('kubectl apply -f charts/flink-autoscaler/examples/flinkdeployment.yaml');
  });

  for (const command of commands.filter((c) => !isCli(c))) {
    it(`${command.file}:${command.line} ${command.text.slice(0, 100)}`, async () => {
      const { words } = withoutEnv(pipeline(command.text)[0] as string[]);
      const tool = words[0];
      switch (tool) {
        case 'npm':
          return checkNpm(words);
        case 'helm':
          return checkHelm(command, words);
        case 'kubectl':
          return checkKubectl(words);
        case 'docker':
          return checkDocker(words);
        case 'curl':
          return checkCurl(words);
        default:
          throw new Error(
            `the README test does not know how to check "${tool}": teach test/readme/readme.test.ts`,
          );
      }
    });
  }
});

// The command line's invocations depend on nothing above: they run side by side.
describe.concurrent("the README's and docs' flink-autoscaler commands", () => {
  for (const command of commands.filter(isCli)) {
    it(`${command.file}:${command.line} ${command.text.slice(0, 100)}`, () => runCli(command));
  }
});

describe('links in README.md and docs/', () => {
  const links = MARKDOWN.flatMap((file) => linksOf(file, text(file))).filter(
    (l) => !/^(https?|mailto):/.test(l.target),
  );

  it('there are links to docs/ from the README', () => {
    expect(
      links.filter((l) => l.file === 'README.md' && l.target.startsWith('docs/')).length,
    ).toBeGreaterThan(5);
  });

  for (const link of links) {
    it(`${link.file}:${link.line} ${link.target}`, () => {
      const [path, anchor] = link.target.split('#');
      const target =
        path === '' ? join(root, link.file) : resolve(dirname(join(root, link.file)), path as string);
      expect(existsSync(target), `${link.target} from ${link.file}`).toBe(true);
      if (anchor !== undefined && target.endsWith('.md')) {
        expect([...anchorsOf(readFileSync(target, 'utf8'))]).toContain(anchor);
      }
    });
  }
});

/** The string members of a TypeScript union type declared in a source file (`export type Name = | 'a' | 'b';`). */
function unionMembers(file: string, name: string): string[] {
  const source = text(file);
  const declaration = new RegExp(`export type ${name} =([^;]*);`).exec(source);
  if (!declaration) throw new Error(`${file} declares no type ${name}`);
  return [...(declaration[1] as string).matchAll(/'([^']+)'/g)].map((m) => m[1] as string);
}

describe("the README's troubleshooting names every reason the code gives", () => {
  const readme = text('README.md');
  const troubleshooting = readme.slice(readme.indexOf('## Troubleshooting'));
  const item = (name: string): boolean => troubleshooting.includes(`- \`${name}\`:`);
  const eventReason = (reason: string): string =>
    `SidecarNotInjected${reason
      .split('-')
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join('')}`;

  it.each(unionMembers('sidecar/src/flink/collect.ts', 'DropReason'))('drop reason %s', (reason) => {
    expect(item(reason), `a "- \`${reason}\`:" line in the README's troubleshooting`).toBe(true);
  });
  it.each([
    ...unionMembers('shared/src/autoscaler/autoscaler.ts', 'Gate'),
    ...unionMembers('sidecar/src/loop/sidecar.ts', 'SidecarGate'),
  ])('gate %s', (gate) => {
    expect(item(gate), `a "- \`${gate}\`:" line in the README's troubleshooting`).toBe(true);
  });
  it.each([...GUARD_IDS])('guard %s', (guard) => {
    expect(item(guard), `a "- \`${guard}\`:" line in the README's troubleshooting`).toBe(true);
  });
  // The injector's reasons for leaving a pod alone; those that are no fault (the pod did not ask, already
  // has the sidecar, is no pod CREATE) get no Event and need no line.
  const quiet = ['not-requested', 'already-injected', 'not-a-pod-create'];
  const skips = [...text('sidecar/src/injector/admit.ts').matchAll(/skip\(\s*'([a-z-]+)'/g)].map(
    (m) => m[1] as string,
  );
  it.each([...new Set(skips)].filter((r) => !quiet.includes(r)))('injector skip %s', (reason) => {
    expect(troubleshooting).toContain(`- \`${eventReason(reason)}\`:`);
  });
  it('the injector still has the quiet reasons it names', () => {
    for (const reason of quiet) expect(skips).toContain(reason);
  });
});

describe("the README's comparison of the policy", () => {
  it('is the targets table the benchmark wrote (test/bench/results.md), so it cannot drift from the runs', () => {
    const table = (md: string) => {
      const from = md.indexOf('| trace | state | ours: × reference');
      expect(from).toBeGreaterThanOrEqual(0);
      return md.slice(from).split('\n\n')[0]?.trim();
    };
    expect(table(text('README.md'))).toBe(table(readFileSync(join(root, 'test/bench/results.md'), 'utf8')));
  });

  it.each(['1 GiB', '8 GiB'])(
    'has the summary at %s of state the benchmark wrote, every policy on every load',
    (state) => {
      // The first table after the line naming the summary, in README.md and in results.md alike.
      const summary = (md: string) => {
        const at = md.indexOf(`Summary, ${state} of state`);
        expect(at, `"Summary, ${state} of state"`).toBeGreaterThanOrEqual(0);
        const from = md.indexOf('\n| trace |', at);
        return md
          .slice(from + 1)
          .split('\n\n')[0]
          ?.trim();
      };
      expect(summary(text('README.md'))).toBe(
        summary(readFileSync(join(root, 'test/bench/results.md'), 'utf8')),
      );
    },
  );

  it('shows one picture per load, each with every policy', () => {
    const pictures = readdirSync(join(root, 'test/bench')).filter((f) => f.endsWith('.svg'));
    const loads = readdirSync(join(root, 'sidecar/traces'))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.replace(/\.json$/, ''));
    expect(loads.length).toBeGreaterThanOrEqual(12);
    for (const load of loads) {
      expect(pictures, `test/bench/${load}.svg`).toContain(`${load}.svg`);
      expect(text('README.md')).toContain(`](test/bench/${load}.svg)`);
    }
  });
});

describe('paths named in README.md and docs/ exist', () => {
  // Named relative to their folder's row (grafana-plugin/) or made by a build, not kept in the repository.
  const notInTree = new Map([
    ['docs/architecture.md', ['scripts/build.ts']],
    ['docs/grafana.md', ['grafana-plugin/zips/']],
  ]);
  const named = MARKDOWN.flatMap((file) =>
    [...text(file).matchAll(/`((?:charts|sidecar|shared|test|docs|scripts|grafana-plugin|\.ci)\/[^`\s]*)`/g)]
      .map((m) => m[1] as string)
      .filter((path) => !/[*<>…{}]/.test(path) && !(notInTree.get(file) ?? []).includes(path))
      .map((path) => ({ file, path })),
  );

  it.each(named)('$file: $path', ({ path }) => {
    expect(existsSync(join(root, (path.split(':')[0] as string).replace(/\/$/, '')))).toBe(true);
  });
});

describe('the versions the README states are the ones the chart and the tests use', () => {
  const readme = text('README.md');
  /** A list item of the README's "Prerequisites and supported versions" (`- **What**: …`), lines joined. */
  const row = (what: string): string => {
    const section = readme.slice(readme.indexOf('## Prerequisites'), readme.indexOf('## Install the chart'));
    const item = section.split(/\n(?=- )/).find((i) => i.startsWith(`- **${what}**:`));
    if (item === undefined) throw new Error(`the README's prerequisites have no ${what} item`);
    return item.replace(/\s*\n\s*/g, ' ');
  };

  it('Kubernetes: the chart installs from the stated minimum and refuses the minor before it', () => {
    const minimum = /≥\s*1\.(\d+)/.exec(row('Kubernetes'))?.[1];
    expect(minimum, 'a "≥ 1.N" in the Kubernetes item').toBeDefined();
    const render = (minor: number) => helm(['template', 'fa', chartDir, '--kube-version', `1.${minor}.0`]);
    expect(render(Number(minimum)).code, render(Number(minimum)).stderr).toBe(0);
    const before = render(Number(minimum) - 1);
    expect(before.code).not.toBe(0);
    expect(before.stderr).toMatch(/kubeVersion/i);
  });

  it("Helm: the version the chart's tests run", () => {
    expect(row('Helm')).toContain(HELM_VERSION);
  });

  it('Kubernetes: the version the Kubernetes double answers', async () => {
    const version = (await (await fetch(`${double.url}/version`)).json()) as { gitVersion: string };
    expect(row('Kubernetes')).toContain(version.gitVersion.replace(/^v/, ''));
  });

  it('Flink: the version the Flink double answers by default', async () => {
    const flink = await startFlinkDouble();
    try {
      const overview = (await (await fetch(`${flink.url}/overview`)).json()) as { 'flink-version': string };
      expect(row('Flink')).toContain(`Flink ${overview['flink-version']}`);
    } finally {
      await flink.close();
    }
  });

  it("Flink: the example FlinkDeployment's image and flinkVersion", () => {
    const example = parseYaml(text('charts/flink-autoscaler/examples/flinkdeployment.yaml')) as {
      spec: { image: string; flinkVersion: string; mode: string; flinkConfiguration: Record<string, string> };
    };
    expect(row('Flink')).toContain(`\`${example.spec.image}\``);
    expect(row('Flink')).toContain(`\`flinkVersion: ${example.spec.flinkVersion}\``);
    expect(example.spec.mode).toBe('standalone');
    expect(example.spec.flinkConfiguration['scheduler-mode']).toBe('reactive');
  });
});
