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

/// Open a page and wait until the WASM has taken it over — cleanly: a
/// panic (a hydration mismatch is one) or an uncaught error fails it.
export async function openHydrated(context, url) {
  const page = await context.newPage();
  const broken = [];
  page.on('pageerror', (e) => broken.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /panicked|hydrat/i.test(m.text())) broken.push(m.text());
  });
  await page.goto(url);
  await page.waitForSelector('[data-hydrated="true"]', { timeout: 15000 });
  await page.waitForTimeout(50);
  if (broken.length > 0) throw new Error(`${url} did not hydrate cleanly:\n${broken.join('\n')}`);
  // Still heard afterwards: a test may check that nothing broke later.
  page.broken = broken;
  return page;
}
