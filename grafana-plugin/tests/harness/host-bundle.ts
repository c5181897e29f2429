/**
 * Builds the host page's script (host-entry.tsx) with esbuild: React, @grafana/* and friends in one IIFE,
 * as Grafana's own bundle carries them. `define` is undefined inside so UMD libraries (lodash) fill
 * module.exports instead of registering with SystemJS's AMD `define` (pitfall 1 of the notes).
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { HARNESS_DIR } from './paths.js';

export async function buildHostBundle(outDir: string): Promise<string> {
  const outfile = join(outDir, 'host.js');
  await build({
    entryPoints: [join(HARNESS_DIR, 'host-entry.tsx')],
    bundle: true,
    format: 'iife',
    outfile,
    minify: true,
    jsx: 'automatic',
    target: 'es2022',
    logLevel: 'error',
    define: { define: 'undefined', global: 'window', 'process.env.NODE_ENV': '"production"' },
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
  return outfile;
}
