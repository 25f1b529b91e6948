// The workflow list: signed out, it sends you to sign in; signed in, it
// lists the namespace's workflows and follows them live — a workflow
// submitted through the API appears and turns Succeeded without a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openHydrated } from '../browser.mjs';
import { useServerAndBrowser, signIn, shots } from '../harness.mjs';

const env = useServerAndBrowser();

test('signed out, the list sends you to sign in', async () => {
  const context = await env.browser.newContext();
  const page = await openHydrated(context, `${env.server.url}/workflows`);
  await page.waitForURL(`${env.server.url}/login`);
  await context.close();
});

test('the list follows a new workflow live until it succeeds', async () => {
  const context = await env.browser.newContext();
  const page = await signIn(context, env.server.url);
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
