/**
 * The built zips (scripts/build.ts) against Grafana's plugin validator rules that can be judged offline
 * (tests/catalog-rules.ts): a LICENSE (Apache-2.0), no relative links in the README, a CHANGELOG, screenshots
 * inside the zip. And the rule checker itself, on the failures it exists to find.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { isApacheLicense, relativeLinks, validate } from './catalog-rules';

const root = resolve(import.meta.dirname, '..');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

/** The plugin's files in the zip, named relative to its folder. */
function plugin(id: string): Record<string, Uint8Array> {
  const path = join(root, 'zips', `${id}-${version}.zip`);
  if (!existsSync(path))
    throw new Error(`${path} is missing: build the plugin (npm run build -w grafana-plugin)`);
  const files = unzipSync(new Uint8Array(readFileSync(path)));
  return Object.fromEntries(
    Object.entries(files).map(([name, bytes]) => [name.slice(id.length + 1), bytes] as const),
  );
}

describe.each(['fas-flinkautoscaler-panel', 'fas-flinkautoscaler-app'])('the zip of %s', (id) => {
  const files = plugin(id);

  it("passes the plugin validator's offline rules: no errors, no warnings", () => {
    expect(validate(files)).toEqual([]);
  });

  it('carries a CHANGELOG with an entry for its version', () => {
    const changelog = new TextDecoder().decode(files['CHANGELOG.md']);
    expect(changelog).toMatch(new RegExp(`^## ${version.replaceAll('.', '\\.')}\\b`, 'm'));
  });

  it('lists screenshots with names, each a real image of a readable size', () => {
    const meta = JSON.parse(new TextDecoder().decode(files['plugin.json'])) as {
      info: { screenshots: { name: string; path: string }[] };
    };
    expect(meta.info.screenshots.length).toBeGreaterThan(0);
    for (const shot of meta.info.screenshots) {
      expect(shot.name.length, shot.path).toBeGreaterThan(0);
      const png = files[shot.path]!;
      // PNG IHDR: width and height, big-endian, at bytes 16..23.
      const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
      expect(view.getUint32(16), `${shot.path} width`).toBeGreaterThanOrEqual(320);
      expect(view.getUint32(20), `${shot.path} height`).toBeGreaterThanOrEqual(200);
    }
  });
});

describe('the offline validator rules', () => {
  const apache = readFileSync(join(root, 'LICENSE'), 'utf8');
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
  const meta = (info: object) => new TextEncoder().encode(JSON.stringify({ info }));
  const good = {
    'plugin.json': meta({
      logos: { small: 'img/logo.svg', large: 'img/logo.svg' },
      screenshots: [{ name: 'Panel', path: 'img/shot.png' }],
      links: [{ name: 'Source', url: 'https://example.org/src' }],
    }),
    'img/logo.svg': new TextEncoder().encode('<svg/>'),
    'img/shot.png': png,
    'README.md': new TextEncoder().encode('[site](https://example.org) [top](#top) [m](mailto:a@b.c)'),
    'CHANGELOG.md': new TextEncoder().encode('## 0.1.0\n\nFirst.\n'),
    LICENSE: new TextEncoder().encode(apache),
  };

  it('accept a complete plugin', () => {
    expect(validate(good)).toEqual([]);
  });

  it('find what the issue found in the old zips: no LICENSE, a relative link, no CHANGELOG, no screenshots', () => {
    const old = {
      ...good,
      'plugin.json': meta({ logos: { small: 'img/logo.svg', large: 'img/logo.svg' }, screenshots: [] }),
      'README.md': new TextEncoder().encode('A panel for [flink-autoscaler](../README.md).'),
    } as Record<string, Uint8Array>;
    delete old['LICENSE'];
    delete old['CHANGELOG.md'];
    expect(validate(old).map((f) => `${f.severity} ${f.rule}`)).toEqual([
      'error license-not-provided',
      'error relative-link',
      'warning missing-changelog',
      'warning screenshots',
    ]);
  });

  it('refuse a screenshot that is missing or not an image, and a license that is not Apache 2.0', () => {
    const bad = {
      ...good,
      'plugin.json': meta({
        logos: { small: 'img/logo.svg', large: 'img/logo.svg' },
        screenshots: [
          { name: 'Gone', path: 'img/gone.png' },
          { name: 'Text', path: 'README.md' },
          { name: 'Empty', path: ' ' },
        ],
      }),
      LICENSE: new TextEncoder().encode('MIT License\n\nPermission is hereby granted, free of charge'),
    };
    expect(validate(bad).map((f) => f.message)).toEqual([
      'Valid license not found (not the Apache License 2.0 text)',
      'plugin.json: screenshot img/gone.png is not in the zip',
      'plugin.json: screenshot README.md is not a PNG, JPEG or GIF image',
      'plugin.json: invalid empty screenshot path: "Empty"',
    ]);
    expect(isApacheLicense(apache.slice(0, apache.indexOf('5. Submission')))).toBe(false);
  });

  it('read links as the validator does: image titles stripped, anchors and mailto allowed', () => {
    expect(
      relativeLinks('![shot](img/a.png "A") [x](https://a.b/c) [y](#y) [z](docs/z.md) [w](./w)'),
    ).toEqual(['img/a.png', 'docs/z.md', './w']);
  });
});
