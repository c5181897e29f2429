/**
 * The hosts the built plugin is loaded into: what a Grafana page gives a plugin (React and @grafana/*), in
 * three versions. `grafana-13.1-react-18` is the workspace's own packages (the default); the others are
 * folders under tests/hosts/ with their own package.json and package-lock.json, outside the workspaces,
 * installed on demand with `npm ci --prefix <dir>` and kept while the lock file's hash (in a stamp) is the
 * same, as scripts/with-env.sh keeps the workspace's. A host that cannot be installed is an error, never a
 * skip. Concurrent test files wait for one another's install (a lock directory).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PLUGIN_ROOT } from './paths.js';

export const HOST_NAMES = ['grafana-13.1-react-18', 'grafana-12-react-18', 'grafana-13.2-react-19'] as const;
export type HostName = (typeof HOST_NAMES)[number];
export const DEFAULT_HOST: HostName = 'grafana-13.1-react-18';

export interface HostPackages {
  name: HostName;
  /** The folder whose node_modules holds the host's React and @grafana/* (the workspace for the default). */
  dir: string;
  /** Versions as installed (read from node_modules), for the page's boot data and the tests. */
  grafana: string;
  react: string;
}

const HOSTS_DIR = join(PLUGIN_ROOT, 'tests/hosts');
const STAMP = 'node_modules/.fas-host-install';
/** An install lock older than this was left by a killed process. */
const STALE_LOCK_MS = 15 * 60 * 1000;

function versionOf(dir: string, pkg: string): string {
  // The workspace's packages may be hoisted to the root; a host's must be in its own node_modules.
  const file =
    dir === PLUGIN_ROOT
      ? createRequire(import.meta.url).resolve(`${pkg}/package.json`)
      : join(dir, 'node_modules', pkg, 'package.json');
  if (!existsSync(file)) throw new Error(`${pkg} is not installed in ${dir}`);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

function packagesIn(name: HostName, dir: string): HostPackages {
  return { name, dir, grafana: versionOf(dir, '@grafana/ui'), react: versionOf(dir, 'react') };
}

/** What the stamp of an up-to-date install holds: node's version and the lock file's hash. */
function wanted(dir: string): string {
  const lock = readFileSync(join(dir, 'package-lock.json'));
  return `${process.version} ${createHash('sha256').update(lock).digest('hex')}`;
}

function upToDate(dir: string): boolean {
  const stamp = join(dir, STAMP);
  return existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted(dir);
}

function npmCi(dir: string): Promise<void> {
  return new Promise((done, fail) => {
    const args = ['ci', '--prefix', dir, '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'];
    const child = spawn('npm', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0 ? done() : fail(new Error(`npm ${args.join(' ')} failed (${code}): ${stderr.slice(-2000)}`)),
    );
  });
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * The host's packages, installed first when its lock changed or nothing is installed. Progress goes to
 * stderr (an install from scratch takes about a minute).
 */
export async function ensureHost(name: HostName = DEFAULT_HOST): Promise<HostPackages> {
  if (!HOST_NAMES.includes(name)) throw new Error(`unknown host ${name}: one of ${HOST_NAMES.join(', ')}`);
  if (name === DEFAULT_HOST) return packagesIn(name, PLUGIN_ROOT);
  const dir = join(HOSTS_DIR, name);
  if (!existsSync(join(dir, 'package-lock.json'))) throw new Error(`${dir} has no package-lock.json`);
  const lock = join(dir, '.install-lock');
  for (;;) {
    if (upToDate(dir)) return packagesIn(name, dir);
    try {
      mkdirSync(lock);
    } catch {
      // Another process installs this host: wait for it, unless it died long ago.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS)
        rmSync(lock, { force: true, recursive: true });
      await sleep(1000);
      continue;
    }
    try {
      if (upToDate(dir)) return packagesIn(name, dir);
      const started = Date.now();
      process.stderr.write(`[host] installing ${name} (npm ci --prefix ${dir})\n`);
      rmSync(join(dir, STAMP), { force: true });
      await npmCi(dir);
      writeFileSync(join(dir, STAMP), wanted(dir));
      process.stderr.write(`[host] ${name} installed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      return packagesIn(name, dir);
    } finally {
      rmSync(lock, { force: true, recursive: true });
    }
  }
}
