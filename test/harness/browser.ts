/**
 * Headless Chromium for the dashboard tests: Debian's /usr/bin/chromium (scripts/prepare/00-debian.sh)
 * driven by playwright-core, with a fresh profile per launch, removed on close. A missing browser
 * fails the test with the command that installs it; it is never skipped.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';
const flags = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(chromiumPath))
    throw new Error(`${chromiumPath} is missing: run scripts/prepare/00-debian.sh`);
  const profile = mkdtempSync(join(tmpdir(), 'holdfast-chromium-'));
  // launchPersistentContext is how playwright passes --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    args: flags,
    headless: true,
    ignoreHTTPSErrors: true,
    viewport: { width: 1400, height: 1000 },
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Screenshots go under bench/out/ (gitignored), never into the tree's tracked files. */
export const screenshotDir = new URL('../../bench/out/screenshots/', import.meta.url).pathname;

/** A page of `context` logged in to the dashboard at `url` with `token`. */
export async function loggedInPage(context: BrowserContext, url: string, token: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${url}/ui/login`);
  await page.fill('input[name=token]', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('#overview');
  return page;
}
