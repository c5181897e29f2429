/**
 * Builds the panel (dist/) and its companion app (app/dist/) as Grafana loads plugins: one AMD
 * `module.js` each, with React, @grafana/data|ui|runtime, @emotion/css, rxjs and the rest of Grafana's
 * shared packages left external; plugin.json (version and date filled in), logo and README beside it.
 * Then zips each as Grafana installs it: a folder named after the plugin id. Logs JSON lines to stderr.
 *
 * Usage: tsx scripts/build.ts [--no-zip]
 */
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import webpack, { type Configuration } from 'webpack';
import { zipReadme } from './readme-links';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
/** Where relative README links point in the zip: the repository's copy of this folder, when published. */
const repository = (
  JSON.parse(readFileSync(join(root, '..', 'package.json'), 'utf8')) as {
    repository?: string | { url?: string };
  }
).repository;
const repositoryUrl = typeof repository === 'string' ? repository : repository?.url;
const readmeBase = repositoryUrl?.startsWith('https://')
  ? `${repositoryUrl.replace(/\.git$/, '')}/blob/main/grafana-plugin/`
  : undefined;

function log(fields: Record<string, unknown>): void {
  process.stderr.write(
    `${JSON.stringify({ time: new Date().toISOString(), component: 'grafana-plugin-build', ...fields })}\n`,
  );
}

/** What Grafana provides to plugins at run time (create-plugin's .config/bundler/externals.ts). */
export const EXTERNALS: NonNullable<Configuration['externals']> = [
  { 'amd-module': 'module' },
  'lodash',
  'jquery',
  'moment',
  'slate',
  'emotion',
  '@emotion/react',
  '@emotion/css',
  'prismjs',
  'slate-plain-serializer',
  '@grafana/slate-react',
  'react',
  'react/jsx-runtime',
  'react/jsx-dev-runtime',
  'react-dom',
  'react-redux',
  'redux',
  'rxjs',
  'rxjs/operators',
  'i18next',
  'react-router',
  'd3',
  'angular',
  /^@grafana\/ui/i,
  /^@grafana\/runtime/i,
  /^@grafana\/data/i,
];

interface Target {
  /** Folder with src/module.ts and src/plugin.json. */
  dir: string;
  /** README copied into the plugin. */
  readme: string;
}

const TARGETS: Target[] = [
  { dir: root, readme: join(root, 'README.md') },
  { dir: join(root, 'app'), readme: join(root, 'README.md') },
];

function pluginId(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, 'src/plugin.json'), 'utf8')) as { id: string }).id;
}

function config(target: Target): Configuration {
  const id = pluginId(target.dir);
  return {
    mode: 'production',
    context: target.dir,
    entry: { module: './src/module.ts' },
    devtool: 'source-map',
    output: {
      path: join(target.dir, 'dist'),
      filename: '[name].js',
      library: { type: 'amd' },
      publicPath: `public/plugins/${id}/`,
      uniqueName: id,
      clean: true,
    },
    externals: EXTERNALS,
    resolve: { extensions: ['.ts', '.tsx', '.js', '.jsx'] },
    module: {
      rules: [
        {
          test: /\.[tj]sx?$/,
          exclude: /node_modules/,
          loader: 'esbuild-loader',
          options: { target: 'es2020', jsx: 'automatic', tsconfig: join(root, 'tsconfig.json') },
        },
      ],
    },
    plugins: [new webpack.DefinePlugin({ 'process.env.NODE_ENV': JSON.stringify('production') })],
    performance: { hints: false },
    infrastructureLogging: { level: 'error' },
  };
}

function run(configs: Configuration[]): Promise<webpack.MultiStats> {
  return new Promise((done, fail) => {
    webpack(configs, (error, stats) => {
      if (error) return fail(error);
      if (!stats) return fail(new Error('webpack gave no stats'));
      if (stats.hasErrors()) return fail(new Error(stats.toString({ all: false, errors: true })));
      done(stats);
    });
  });
}

/**
 * plugin.json with its version and date, the logo, the README (links that work inside the zip), LICENSE,
 * CHANGELOG.md and the screenshots plugin.json lists, beside module.js.
 */
function copyFiles(target: Target): void {
  const dist = join(target.dir, 'dist');
  const today = new Date().toISOString().slice(0, 10);
  const json = readFileSync(join(target.dir, 'src/plugin.json'), 'utf8')
    .replaceAll('%VERSION%', pkg.version)
    .replaceAll('%TODAY%', today);
  writeFileSync(join(dist, 'plugin.json'), json);
  mkdirSync(join(dist, 'img'), { recursive: true });
  writeFileSync(join(dist, 'img/logo.svg'), readFileSync(join(target.dir, 'src/img/logo.svg')));
  writeFileSync(join(dist, 'README.md'), zipReadme(readFileSync(target.readme, 'utf8'), readmeBase));
  for (const name of ['LICENSE', 'CHANGELOG.md'])
    writeFileSync(join(dist, name), readFileSync(join(root, name)));
  const meta = JSON.parse(json) as { info: { screenshots: { path: string }[] } };
  for (const { path } of meta.info.screenshots) {
    mkdirSync(dirname(join(dist, path)), { recursive: true });
    writeFileSync(join(dist, path), readFileSync(join(root, 'screenshots', basename(path))));
  }
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** The zip Grafana installs: `<id>/module.js`, `<id>/plugin.json`, … */
function zip(target: Target): string {
  const id = pluginId(target.dir);
  const dist = join(target.dir, 'dist');
  const entries: Record<string, Uint8Array> = {};
  for (const path of files(dist)) entries[`${id}/${relative(dist, path)}`] = readFileSync(path);
  const out = join(root, 'zips', `${id}-${pkg.version}.zip`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, zipSync(entries, { level: 9, mtime: new Date('2026-01-01T00:00:00Z') }));
  return out;
}

const started = Date.now();
const stats = await run(TARGETS.map(config));
for (const target of TARGETS) {
  copyFiles(target);
  const module = join(target.dir, 'dist/module.js');
  log({
    level: 'info',
    msg: 'built',
    plugin: pluginId(target.dir),
    module: relative(root, module),
    bytes: statSync(module).size,
  });
}
if (!process.argv.includes('--no-zip')) {
  for (const target of TARGETS) log({ level: 'info', msg: 'zipped', zip: relative(root, zip(target)) });
}
log({
  level: 'info',
  msg: 'done',
  ms: Date.now() - started,
  warnings: stats.stats.reduce((n, s) => n + s.compilation.warnings.length, 0),
});
