// The workflow list: signed out, it sends you to sign in; signed in, it
// lists the namespace's workflows and follows them live — a workflow
// submitted through the API appears and turns Succeeded without a reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { startServer, ADMIN_PASSWORD } from '../server.mjs';
import { launch, openHydrated } from '../browser.mjs';

let server;
let browser;
const shots = process.env.E2E_SCREENSHOTS || 'screenshots';

before(async () => {
  mkdirSync(shots, { recursive: true });
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function signIn(context) {
  const page = await openHydrated(context, `${server.url}/login`);
  await page.getByLabel('User').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${server.url}/workflows`);
  return page;
}

test('signed out, the list sends you to sign in', async () => {
  const context = await browser.newContext();
  const page = await openHydrated(context, `${server.url}/workflows`);
  await page.waitForURL(`${server.url}/login`);
  await context.close();
});

test('the list follows a new workflow live until it succeeds', async () => {
  const context = await browser.newContext();
  const page = await signIn(context);
  await page.waitForSelector('table.workflows');
  // Submitted by another client (the API with the session of this page).
  const created = await page.evaluate(async () => {
    const r = await fetch('/api/v1/workflows/default', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': (await (await fetch('/api/v1/userinfo')).json()).csrfToken },
      body: JSON.stringify({ workflow: { metadata: { name: 'live-one' }, spec: { entrypoint: 'main', templates: [
        { name: 'main', container: { image: 'alpine', command: ['sh', '-c', 'sleep 1; echo done'] } }] } } }),
    });
    return r.status;
  });
  assert.equal(created, 200);
  const row = page.locator('tr[data-name="live-one"]');
  await row.waitFor();
  await page.locator('tr[data-name="live-one"] td.phase.succeeded').waitFor({ timeout: 30000 });
  assert.equal(await row.locator('td').nth(1).textContent(), 'Succeeded');
  await page.screenshot({ path: `${shots}/workflows.png` });
  await context.close();
});
