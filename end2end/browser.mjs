// Debian's Chromium through playwright-core: headless, no sandbox (root in
// CI), no background networking (the machine's network is closed).
import { chromium } from 'playwright-core';

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/// Open a page and wait until the WASM has taken it over.
export async function openHydrated(context, url) {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForSelector('[data-hydrated="true"]', { timeout: 15000 });
  return page;
}
