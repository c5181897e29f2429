/**
 * The panel's module.js as built (scripts/build.ts): without zod (the config schema's validator, 68 KB of a
 * 107 KB bundle when the panel took the policy defaults from the schema), its size reported.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const module = join(root, 'dist/module.js');

/** Names zod's runtime carries into any bundle that holds it (class names and its global config key). */
const ZOD_MARKERS = ['$ZodType', '$ZodError', 'ZodError', '__zod_globalConfig', '$ZodObject'];

describe("the panel's built module.js", () => {
  if (!existsSync(module))
    throw new Error(`${module} is missing: build the plugin (npm run build -w grafana-plugin)`);
  const code = readFileSync(module, 'utf8');

  it('holds no zod', () => {
    expect(ZOD_MARKERS.filter((marker) => code.includes(marker))).toEqual([]);
  });

  it('stays small, and says how small', () => {
    const bytes = statSync(module).size;
    const out = join(root, '..', '.test-results');
    mkdirSync(out, { recursive: true });
    writeFileSync(
      join(out, 'grafana-panel-bundle.json'),
      `${JSON.stringify({ module: 'dist/module.js', bytes })}\n`,
    );
    process.stdout.write(`grafana-plugin dist/module.js: ${bytes} bytes\n`);
    expect(bytes).toBeLessThan(80_000);
  });
});
