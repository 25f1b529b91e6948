// Signing in through the page: a wrong password is refused with a
// message; the right one lands on the workflows page, signed in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_PASSWORD } from '../server.mjs';
import { openHydrated } from '../browser.mjs';
import { useServerAndBrowser, shots } from '../harness.mjs';

const env = useServerAndBrowser();

test('a wrong password is refused, the right one signs in', async () => {
  const context = await env.browser.newContext();
  const page = await openHydrated(context, `${env.server.url}/login`);
  await page.getByLabel('User').fill('admin');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const error = page.getByRole('alert');
  await error.waitFor();
  assert.match(await error.textContent(), /wrong user name or password/i);
  assert.equal(new URL(page.url()).pathname, '/login');

  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${env.server.url}/workflows`);
  await page.screenshot({ path: `${shots}/login-done.png` });
  // The session works for the API, as the page will use it.
  const me = await page.evaluate(async () => (await fetch('/api/v1/userinfo')).json());
  assert.equal(me.subject, 'admin');
  await context.close();
});
