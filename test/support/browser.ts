/**
 * Debian's Chromium driven by playwright-core, for the browser tests: never a downloaded
 * browser; a fresh profile folder per launch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.HEAPFLOW_CHROMIUM ?? '/usr/bin/chromium';

export interface OpenBrowser {
  context: BrowserContext;
  close: () => Promise<void>;
}

export async function launchChromium(): Promise<OpenBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'heapflow-chromium-'));
  // playwright passes the fresh profile as --user-data-dir itself
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Runs `fn` on a fresh page; the browser is closed and its profile removed afterwards. */
export async function withChromiumPage<T>(fn: (page: Page) => Promise<T>): Promise<T> {
  const browser = await launchChromium();
  try {
    return await fn(browser.context.pages()[0] ?? await browser.context.newPage());
  } finally {
    await browser.close();
  }
}

/** Collects console errors and uncaught page errors of `page` from now on. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(`${e.name}: ${e.message}`));
  return errors;
}
