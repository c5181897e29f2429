/**
 * Builds the host page's script (host-entry.tsx) with esbuild: React, @grafana/* and friends in one IIFE,
 * as Grafana's own bundle carries them. `define` is undefined inside so UMD libraries (lodash) fill
 * module.exports instead of registering with SystemJS's AMD `define` (pitfall 1 of the notes).
 *
 * `host` picks whose React and @grafana/* (hosts.ts): the entry's own imports are resolved from that
 * host's folder, and a build that took any package from elsewhere (the workspace's node_modules above
 * it) is refused, so a host is never silently the workspace's 13.1.
 *
 * A build is kept under the host's node_modules/.cache, named by the hash of this file, the entry, the
 * host's lock file and esbuild's version: the test files and the benchmark that share a host build it
 * once (about 15 s each on an idle machine).
 */
import { build, version as esbuildVersion, type Plugin } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { ensureHost, type HostName } from './hosts.js';
import { HARNESS_DIR } from './paths.js';

const ENTRY = join(HARNESS_DIR, 'host-entry.tsx');

/** The entry's bare imports (react, @grafana/ui, …) resolved as if the entry sat in `dir`. */
function importsFrom(dir: string): Plugin {
  return {
    name: 'host-packages',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.importer !== ENTRY) return undefined;
        const found = await b.resolve(args.path, { kind: args.kind, resolveDir: dir });
        if (found.errors.length > 0) return { errors: found.errors };
        return { path: found.path, external: found.external, sideEffects: found.sideEffects };
      });
    },
  };
}

export async function buildHostBundle(outDir: string, options: { host?: HostName } = {}): Promise<string> {
  const host = await ensureHost(options.host);
  const own = host.dir !== resolve(HARNESS_DIR, '../..');
  // The workspace's packages are locked by the root's package-lock.json.
  const home = own ? host.dir : resolve(HARNESS_DIR, '../../..');
  const key = createHash('sha256');
  for (const file of [ENTRY, join(HARNESS_DIR, 'host-bundle.ts'), join(home, 'package-lock.json')]) {
    key.update(readFileSync(file));
  }
  key.update(esbuildVersion);
  const cacheDir = join(home, 'node_modules/.cache/fas-host-bundle');
  const cached = join(cacheDir, `${host.name}-${key.digest('hex').slice(0, 16)}.js`);
  const outfile = join(outDir, 'host.js');
  if (existsSync(cached)) {
    copyFileSync(cached, outfile);
    return outfile;
  }
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    format: 'iife',
    outfile,
    minify: true,
    jsx: 'automatic',
    target: 'es2022',
    logLevel: 'error',
    metafile: own,
    plugins: own ? [importsFrom(host.dir)] : [],
    define: {
      define: 'undefined',
      global: 'window',
      'process.env.NODE_ENV': '"production"',
      __FAS_HOST__: JSON.stringify({ name: host.name, grafana: host.grafana, react: host.react }),
    },
    // Fonts and styles of editors the panel never opens (monaco) are left out.
    loader: {
      '.svg': 'text',
      '.css': 'empty',
      '.ttf': 'empty',
      '.woff2': 'empty',
      '.woff': 'empty',
      '.png': 'empty',
    },
  });
  if (result.metafile) {
    const cwd = process.cwd();
    const inside = join(host.dir, 'node_modules');
    const foreign = Object.keys(result.metafile.inputs)
      // esbuild's own inputs (`<define:…>`, `<runtime>`) are no files.
      .filter((input) => !input.startsWith('<'))
      .map((input) => resolve(cwd, input.replace(/^[a-z-]+:/, '')))
      .filter((path) => path !== ENTRY && !path.startsWith(`${inside}/`));
    if (foreign.length > 0) {
      throw new Error(
        `host ${host.name} took ${foreign.length} files from outside ${relative(cwd, inside)}: ${foreign.slice(0, 5).join(', ')}`,
      );
    }
  }
  mkdirSync(cacheDir, { recursive: true });
  const partial = `${cached}.${process.pid}`;
  copyFileSync(outfile, partial);
  renameSync(partial, cached);
  return outfile;
}
