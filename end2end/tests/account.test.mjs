// The account page: who is signed in, an API token made (its secret shown
// once, and working as a Bearer token), revoked (and then refused), and
// signing out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openHydrated } from '../browser.mjs';
import { useServerAndBrowser, signIn } from '../harness.mjs';

const env = useServerAndBrowser();

test('tokens are made and revoked, and signing out ends the session', async () => {
  const context = await env.browser.newContext();
  await signIn(context, env.server.url);
  const page = await openHydrated(context, `${env.server.url}/account`);
  await page.locator('[data-user="admin"]').waitFor();
  assert.match(await page.locator('[data-user]').textContent(), /Signed in as admin \(admin in \*\)/);

  const form = page.getByRole('form', { name: 'make a token' });
  await form.getByLabel('Name').fill('laptop');
  await form.getByRole('button', { name: 'Make token' }).click();
  const secret = await page.locator('[data-token]').getAttribute('data-token');
  assert.match(secret, /^kst_/);
  const use = (token) => fetch(`${env.server.url}/api/v1/workflows/default`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal((await use(secret)).status, 200, 'the token works');

  const row = page.locator('tr[data-name="laptop"]');
  await row.getByRole('button', { name: 'Revoke' }).click();
  await page.waitForFunction(() => document.querySelector('tr[data-name="laptop"]')?.textContent.includes('revoked'));
  assert.equal((await use(secret)).status, 401, 'a revoked token is refused');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${env.server.url}/login`);
  const again = await openHydrated(context, `${env.server.url}/workflows`);
  await again.waitForURL(`${env.server.url}/login?next=%2Fworkflows`);
  await context.close();
});

test('the theme chosen in the header is applied and kept', async () => {
  const context = await env.browser.newContext({ colorScheme: 'dark' });
  const page = await openHydrated(context, `${env.server.url}/login`);
  const theme = page.getByRole('button', { name: /^Theme:/ });
  assert.equal(await theme.textContent(), 'Theme: auto');
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(await background(), 'rgb(20, 23, 26)', 'the system says dark');
  await theme.click();
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light');
  assert.equal(await background(), 'rgb(255, 255, 255)');
  await page.reload();
  await page.waitForSelector('[data-hydrated="true"]');
  await page.waitForFunction(() => document.documentElement.dataset.theme === 'light');
  assert.equal(await theme.textContent(), 'Theme: light');
  await context.close();
});
