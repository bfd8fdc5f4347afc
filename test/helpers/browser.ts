// A real headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, for tests
// whose browser step no person does (SSO logins, the desktop viewer).
import * as fs from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Why Chromium tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return fs.existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install chromium)`;
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A fresh profile (no cookies) that accepts the dev cluster's self-signed proxy certificate. */
export function freshContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ ignoreHTTPSErrors: true });
}

/**
 * Signs in on the IdP login page `url` leads to (the forms of src/devcluster/sso) and returns the
 * page once the browser has come back to the proxy's login_success / error page.
 */
export async function signInAtIdp(
  browser: Browser,
  url: string,
  creds: { username: string; password: string } | 'cancel',
): Promise<{ page: Page; context: BrowserContext; finalURL: string }> {
  const context = await freshContext(browser);
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForSelector('#username');
  if (creds === 'cancel') {
    await page.click('#cancel');
  } else {
    await page.fill('#username', creds.username);
    await page.fill('#password', creds.password);
    await page.click('#submit');
  }
  await page.waitForURL(/\/web\/msg\//, { timeout: 20_000 });
  return { page, context, finalURL: page.url() };
}
