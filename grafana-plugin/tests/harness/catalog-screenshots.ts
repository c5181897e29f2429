/**
 * The catalog's screenshots (grafana-plugin/screenshots/, listed in src/plugin.json): the built panel in
 * the newest host (@grafana 13.2, React 19), a week of one job with its scalings (week.ts), dark, light and
 * small. Run after a build: `tsx grafana-plugin/tests/harness/catalog-screenshots.ts [host]`. The
 * real-browser test takes the same pictures in every host (.test-results/grafana-panel/<host>/).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, openHostPage } from './browser.js';
import { buildHostBundle } from './host-bundle.js';
import { startHostServer } from './host-server.js';
import { HOST_NAMES, type HostName } from './hosts.js';
import { PANEL_DIST, PLUGIN_ROOT } from './paths.js';
import { drawWeek } from './week.js';

const host = (process.argv[2] ?? 'grafana-13.2-react-19') as HostName;
if (!HOST_NAMES.includes(host)) throw new Error(`unknown host ${host}: one of ${HOST_NAMES.join(', ')}`);
const dir = join(PLUGIN_ROOT, 'screenshots');
const server = await startHostServer({
  hostJs: await buildHostBundle(mkdtempSync(join(tmpdir(), 'fa-shots-')), { host }),
  host,
  plugins: { 'fas-flinkautoscaler-panel': PANEL_DIST },
});
const browser = await launchChromium();
try {
  const { page, errors } = await openHostPage(browser, server.url, 'Viewer', { width: 1100, height: 640 });
  for (const [name, theme, width, height] of [
    ['panel-week.png', 'dark', 1100, 640],
    ['panel-week-light.png', 'light', 1100, 640],
    ['panel-small.png', 'dark', 360, 240],
  ] as const) {
    await drawWeek(page, theme, width, height);
    await page.getByTestId('fas-headline').waitFor();
    await page.screenshot({ path: join(dir, name), clip: { x: 0, y: 0, width, height } });
    process.stdout.write(`${join(dir, name)} (${host}, ${theme}, ${width}×${height})\n`);
  }
  if (errors.length > 0) throw new Error(`the page reported errors: ${errors.join('; ')}`);
} finally {
  await browser.close();
  await server.close();
}
