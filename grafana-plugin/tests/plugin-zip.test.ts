/**
 * The zips npm test builds (scripts/build.ts): laid out as Grafana installs a plugin (one folder named
 * after the id), with a valid plugin.json (the fields Grafana's plugin.json schema requires, the id
 * pattern, a grafanaDependency covering Grafana 12 and 13) and an AMD module.js that leaves Grafana's
 * shared packages external.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const ID_PATTERN = /^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource|secretsmanager|transformer)$/;

interface PluginJson {
  type: string;
  name: string;
  id: string;
  info: { logos: { small: string; large: string }; version: string; updated: string; keywords: string[] };
  dependencies: { grafanaDependency: string };
  routes?: {
    path: string;
    method: string;
    reqRole: string;
    url: string;
    headers: { name: string; content: string }[];
  }[];
}

function unzip(id: string): Record<string, Uint8Array> {
  const path = join(root, 'zips', `${id}-${version}.zip`);
  if (!existsSync(path))
    throw new Error(`${path} is missing: build the plugin (npm run build -w grafana-plugin)`);
  return unzipSync(new Uint8Array(readFileSync(path)));
}

/** The lowest version of a ">=x.y.z" range; any other form is refused. */
function lowest(range: string): number[] {
  const match = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(range);
  if (!match) throw new Error(`unexpected grafanaDependency ${range}`);
  return match.slice(1).map(Number);
}
const atLeast = (v: number[], min: number[]) => (v[0]! - min[0]! || v[1]! - min[1]! || v[2]! - min[2]!) >= 0;

describe.each([
  ['fas-flinkautoscaler-panel', 'panel'],
  ['fas-flinkautoscaler-app', 'app'],
])('the zip of %s', (id, type) => {
  const files = unzip(id);
  const names = Object.keys(files);
  const text = (name: string) => new TextDecoder().decode(files[`${id}/${name}`]);
  const meta = JSON.parse(text('plugin.json')) as PluginJson;

  it('holds one folder named after the plugin id, with module.js, plugin.json, the logo and a README', () => {
    expect(names.every((n) => n.startsWith(`${id}/`))).toBe(true);
    for (const name of ['module.js', 'plugin.json', 'img/logo.svg', 'README.md'])
      expect(names).toContain(`${id}/${name}`);
  });

  it('has a plugin.json Grafana accepts', () => {
    expect(meta.id).toBe(id);
    expect(meta.id).toMatch(ID_PATTERN);
    expect(meta.type).toBe(type);
    expect(meta.name.length).toBeGreaterThan(0);
    expect(meta.info.version).toBe(version);
    expect(meta.info.updated).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(meta.info.keywords.length).toBeGreaterThan(0);
    for (const logo of [meta.info.logos.small, meta.info.logos.large])
      expect(names).toContain(`${id}/${logo}`);
    const min = lowest(meta.dependencies.grafanaDependency);
    for (const grafana of [
      [12, 4, 0],
      [13, 0, 0],
      [13, 2, 0],
    ])
      expect(atLeast(grafana, min), grafana.join('.')).toBe(true);
    expect(JSON.stringify(meta)).not.toContain('%');
  });

  it('has an AMD module.js that leaves React and @grafana/* to Grafana', () => {
    const module = text('module.js');
    const deps = /^define\((\[[^\]]*\])/.exec(module)?.[1];
    expect(deps).toBeDefined();
    expect(JSON.parse(deps ?? '[]')).toEqual(
      expect.arrayContaining(['react', '@grafana/data', '@grafana/ui']),
    );
    expect(module).not.toMatch(/react-dom\.production|__SECRET_INTERNALS/);
  });
});

describe('the companion app routes', () => {
  it('let viewers GET (may I scale?) and editors POST (scale), with the URL and token from the app settings', () => {
    const meta = JSON.parse(
      new TextDecoder().decode(unzip('fas-flinkautoscaler-app')['fas-flinkautoscaler-app/plugin.json']),
    ) as PluginJson;
    const route = (method: string, reqRole: string) => ({
      // Grafana matches route paths as a tree: `gateway/*` takes every path below and forwards the rest.
      path: 'gateway/*',
      method,
      reqRole,
      url: '{{ .JsonData.gatewayUrl }}',
      headers: [{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.gatewayToken }}' }],
    });
    expect(meta.routes).toEqual([route('GET', 'Viewer'), route('POST', 'Editor')]);
    // Grafana sets X-Grafana-Id and X-Grafana-User before the route's headers: a route must never set them.
    expect(JSON.stringify(meta.routes)).not.toMatch(/X-Grafana-(Id|User)/i);
  });
});
