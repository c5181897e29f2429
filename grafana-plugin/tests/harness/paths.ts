/** Where the harness finds the plugin builds, SystemJS and @grafana/ui's icons. */
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HARNESS_DIR = dirname(fileURLToPath(import.meta.url));
export const PLUGIN_ROOT = resolve(HARNESS_DIR, '../..');
export const PANEL_DIST = join(PLUGIN_ROOT, 'dist');
export const APP_DIST = join(PLUGIN_ROOT, 'app/dist');

const require = createRequire(import.meta.url);
export const SYSTEMJS_DIST = dirname(require.resolve('systemjs/dist/system.js'));
export const ICONS_DIR = join(dirname(require.resolve('@grafana/ui/package.json')), 'dist/public/img/icons');
