/**
 * Debian's Chromium driven by playwright-core (no browser download). Missing Chromium is an error, never
 * a skip: CI installs the `chromium` package.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium)`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

export interface HostPage {
  page: Page;
  /** Uncaught errors and console errors of the page. */
  errors: string[];
}

/** Opens the host page as `login` with `role` and waits until the host script is ready. */
export async function openHostPage(
  browser: Browser,
  url: string,
  role = 'Editor',
  size = { width: 1280, height: 900 },
  login = 'alice',
): Promise<HostPage> {
  const page = await browser.newPage({ viewport: size });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // A failed load is reported below with its URL.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      errors.push(`console: ${message.text()}`);
    }
  });
  page.on('response', (response) => {
    const url = new URL(response.url());
    // The page has no icon; answers of the proxies are the panel's to show, not page errors.
    if (response.status() >= 400 && url.pathname !== '/favicon.ico' && !url.pathname.startsWith('/api/')) {
      errors.push(`${response.status()} ${url.pathname}`);
    }
  });
  await page.goto(`${url}/?role=${encodeURIComponent(role)}&login=${encodeURIComponent(login)}`);
  await page.waitForFunction('window.fasHost !== undefined && window.fasHost.ready === true');
  return { page, errors };
}
