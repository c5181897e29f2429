/**
 * The image, without a Docker engine: the Dockerfile is read, its runtime stage is replayed into a clean
 * temporary directory (each COPY from the build context or from the build stage, whose `tsc -b` output is
 * the repository's own build; each RUN executed there, so production dependencies come from the npm
 * registry exactly as in the image), and the CLI runs from that copy with Node 24, as the ENTRYPOINT does.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workedExamples } from '../fixtures/policy-examples.js';
import { ROOT } from './helm.js';

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** The Dockerfile's stages (continuation lines joined, comments dropped). */
function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op = '', args = ''] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    if (op.toUpperCase() === 'FROM') {
      const [from = '', , name] = args.split(/\s+/);
      stages.push({ from, name, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

/** .dockerignore patterns (the simple forms this repository uses: names, dirs, `**` prefixes, `*.ext`). */
function ignored(path: string, patterns: string[]): boolean {
  return patterns.some((p) => {
    const re = new RegExp(
      `^${p
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*\//g, '(.*/)?')
        .replace(/\*/g, '[^/]*')}(/.*)?$`,
    );
    return re.test(path);
  });
}

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const stages = parseDockerfile(dockerfile);
const runtime = stages.at(-1) as Stage;
const build = stages.find((s) => s.name !== undefined && s !== runtime);
const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const value = (op: string, stage: Stage = runtime) =>
  stage.instructions.filter((i) => i.op === op).map((i) => i.args);

describe('the Dockerfile', () => {
  it('builds in one stage and runs on Node 24 LTS slim in another', () => {
    expect(stages).toHaveLength(2);
    for (const stage of stages)
      expect(stage.from).toMatch(/^node:24(\.\d+)*-[a-z]+-slim$|^node:24(\.\d+)*-slim$/);
    expect(build?.instructions.some((i) => i.op === 'RUN' && i.args.includes('tsc -b'))).toBe(true);
  });

  it('runs as a non-root user, in production mode, with the CLI as entrypoint', () => {
    const [user] = value('USER');
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    expect(user).toMatch(/^1000(:1000)?$/); // the uid the chart's securityContext names
    expect(value('ENV')).toContain('NODE_ENV=production');
    expect(JSON.parse(value('ENTRYPOINT')[0] as string)).toEqual([
      'node',
      '/app/sidecar/bin/flink-autoscaler.js',
    ]);
  });

  it('installs only production dependencies in the image', () => {
    const runs = value('RUN');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatch(/^npm ci --omit=dev /);
  });

  it('copies from the build context only files that exist and .dockerignore keeps', () => {
    for (const stage of stages) {
      for (const copy of value('COPY', stage).filter((c) => !c.startsWith('--from'))) {
        for (const src of copy.split(/\s+/).slice(0, -1)) {
          expect(existsSync(join(ROOT, src)), src).toBe(true);
          expect(ignored(src, ignore), `${src} is excluded by .dockerignore`).toBe(false);
        }
      }
    }
    expect(
      ignored('node_modules', ignore) && ignored('sidecar/dist', ignore) && ignored('.tools', ignore),
    ).toBe(true);
  });
});

describe('the image layout, replayed in a clean directory', () => {
  let root = '';
  let app = '';
  const node = process.execPath;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'flink-autoscaler-image-'));
    let workdir = '/';
    const buildWorkdir = value('WORKDIR', build as Stage).at(-1) ?? '/';
    for (const { op, args } of runtime.instructions) {
      if (op === 'WORKDIR') {
        workdir = posix.resolve(workdir, args);
        mkdirSync(join(root, workdir), { recursive: true });
      } else if (op === 'COPY') {
        const parts = args.split(/\s+/);
        const fromBuild = parts[0]?.startsWith('--from=') ? parts.shift() : undefined;
        const rawDest = parts.pop() as string;
        const dest = posix.resolve(workdir, rawDest);
        const intoDir = rawDest.endsWith('/') || parts.length > 1;
        for (const src of parts) {
          // The build stage's files are the repository's: it copies them to its WORKDIR and runs tsc -b,
          // the same build the test set-up runs here.
          const from = fromBuild ? join(ROOT, posix.relative(buildWorkdir, src)) : join(ROOT, src);
          const to = intoDir ? join(root, dest, posix.basename(src)) : join(root, dest);
          mkdirSync(dirname(to), { recursive: true });
          cpSync(from, to, { recursive: true });
        }
      } else if (op === 'RUN') {
        const result = spawnSync('sh', ['-c', args], {
          cwd: join(root, workdir),
          encoding: 'utf8',
          timeout: 240_000,
          env: {
            ...process.env,
            PATH: `${dirname(node)}:${process.env['PATH'] ?? ''}`,
            NODE_ENV: 'production',
          },
        });
        if (result.status !== 0)
          throw new Error(`RUN ${args} failed (${result.status}): ${result.stdout}\n${result.stderr}`);
      }
    }
    app = join(root, workdir);
  }, 300_000);

  afterAll(() => {
    if (root !== '') rmSync(root, { recursive: true, force: true });
  });

  const cli = (args: string[], input?: string) =>
    spawnSync(node, [join(app, 'sidecar', 'bin', 'flink-autoscaler.js'), ...args], {
      cwd: tmpdir(),
      input,
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: dirname(node), NODE_ENV: 'production' },
    });

  it('runs on Node 24, as the image does', () => {
    expect(Number(process.versions.node.split('.')[0])).toBe(24);
  });

  it('holds the built CLI and production dependencies only (no TypeScript, vitest, eslint)', () => {
    expect(existsSync(join(app, 'sidecar', 'dist', 'cli', 'main.js'))).toBe(true);
    expect(existsSync(join(app, 'node_modules', 'commander'))).toBe(true);
    for (const dev of ['typescript', 'vitest', 'eslint', 'prettier', 'tsx', '@types/express']) {
      expect(existsSync(join(app, 'node_modules', dev)), dev).toBe(false);
    }
    expect(existsSync(join(app, 'test'))).toBe(false);
    expect(existsSync(join(app, 'sidecar', 'src'))).toBe(false);
  });

  it('answers --help with its subcommands', () => {
    const result = cli(['--help']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    for (const command of ['sidecar', 'decide', 'options']) expect(result.stdout).toContain(command);
  });

  it('decides as policy.md says', () => {
    const example = workedExamples()[0];
    if (example === undefined) throw new Error('no worked example');
    const result = cli(['decide'], JSON.stringify({ signals: example.signals, config: example.config }));
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const out = JSON.parse(result.stdout) as { action: string; desiredWorkers: number };
    expect(out.action).toBe(example.action);
    expect(out.desiredWorkers).toBe(example.desiredWorkers);
  });

  it('lists the policy options (the flags the chart passes to the injector)', () => {
    const result = cli(['options']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--scale-up-cpu');
  });
});
