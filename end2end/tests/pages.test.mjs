// The cron workflows page (schedules in words, suspend/resume) and the
// secrets page (values written once, never shown).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openHydrated } from '../browser.mjs';
import { useServerAndBrowser, signIn, shots, apiPost } from '../harness.mjs';

const env = useServerAndBrowser();

test('cron workflows show their schedule in words and can be suspended', async () => {
  const context = await env.browser.newContext();
  const page = await signIn(context, env.server.url);
  const status = await apiPost(page, '/api/v1/cron-workflows/default', { cronWorkflow: { metadata: { name: 'nightly' }, spec: {
        schedule: '30 2 * * 1-5', timezone: 'Europe/Paris',
        workflowSpec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'alpine', command: ['true'] } }] },
      } } });
  assert.equal(status, 200);
  const crons = await openHydrated(context, `${env.server.url}/cron-workflows`);
  const row = crons.locator('tr[data-name="nightly"]');
  await row.waitFor();
  assert.match(await row.textContent(), /30 2 \* \* 1-5 — at 02:30 on Mon–Fri/);
  assert.match(await row.textContent(), /time zone Europe\/Paris/);
  assert.match(await row.locator('td.next-run').textContent(), /^in \d/, 'when it runs next');
  await row.getByRole('button', { name: 'Suspend' }).click();
  await crons.locator('tr[data-name="nightly"] td[data-state="suspended"]').waitFor();
  await crons.screenshot({ path: `${shots}/crons.png` });
  await row.getByRole('button', { name: 'Resume' }).click();
  await crons.locator('tr[data-name="nightly"] td[data-state="active"]').waitFor();
  // Submitted now, outside its schedule: its run's page, then its runs.
  await row.getByRole('button', { name: 'Submit now' }).click();
  await crons.waitForURL(/\/workflows\/default\/nightly-[a-z0-9]+$/);
  const run = new URL(crons.url()).pathname.split('/').at(-1);
  await crons.locator('.badge[data-phase="Succeeded"]').waitFor({ timeout: 30000 });
  await crons.goto(`${env.server.url}/cron-workflows`);
  await crons.getByRole('link', { name: 'Runs of nightly' }).click();
  await crons.waitForURL(/labels=workflows.argoproj.io%2Fcron-workflow%3Dnightly/);
  await crons.locator(`tr[data-name="${run}"]`).waitFor();
  await context.close();
});

test("a cron workflow's page tells its schedule, next runs and history, and acts on it", async () => {
  const context = await env.browser.newContext();
  const page = await signIn(context, env.server.url);
  const status = await apiPost(page, '/api/v1/cron-workflows/default', { cronWorkflow: { metadata: { name: 'hourly' }, spec: {
        schedule: '15 3 1 * *', timezone: 'UTC', concurrencyPolicy: 'Forbid',
        workflowSpec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'alpine', command: ['true'] } }] },
      } } });
  assert.equal(status, 200);
  const list = await openHydrated(context, `${env.server.url}/cron-workflows`);
  await list.locator('tr[data-name="hourly"]').getByRole('link', { name: 'hourly', exact: true }).click();
  await list.waitForURL(/\/cron-workflows\/default\/hourly$/);
  const cron = await openHydrated(context, list.url());
  const facts = cron.locator('dl.facts');
  assert.match(await facts.textContent(), /15 3 1 \* \* — at 03:15 on day 1 of the month/);
  assert.match(await facts.textContent(), /Time zone\s*UTC/);
  assert.match(await facts.textContent(), /Forbid: a run due while one runs is skipped/);
  const next = cron.getByRole('list', { name: 'next runs' }).locator('li');
  assert.ok(await next.count() >= 2, 'several next runs');
  for (const at of await next.evaluateAll((li) => li.map((l) => l.dataset.at))) {
    assert.match(at, /-01T03:15:00Z$/, 'each on the 1st at 03:15');
  }
  assert.match(await facts.textContent(), /Last run\s*never/);
  await cron.getByRole('region', { name: 'Runs' }).getByText('No runs yet.').waitFor();
  await cron.getByRole('button', { name: 'Suspend' }).click();
  await cron.locator('dl.facts dd[data-state="suspended"]').waitFor();
  assert.match(await facts.textContent(), /none while suspended/);
  await cron.getByRole('button', { name: 'Resume' }).click();
  await cron.locator('dl.facts dd[data-state="active"]').waitFor();
  await cron.getByRole('button', { name: 'Submit now' }).click();
  await cron.waitForURL(/\/workflows\/default\/hourly-[a-z0-9]+$/);
  const run = new URL(cron.url()).pathname.split('/').at(-1);
  await cron.locator('.badge[data-phase="Succeeded"]').waitFor({ timeout: 30000 });
  const again = await openHydrated(context, `${env.server.url}/cron-workflows/default/hourly`);
  assert.match(await again.getByRole('region', { name: 'Runs' }).locator(`tr[data-name="${run}"]`).textContent(), /Succeeded/);
  await again.screenshot({ path: `${shots}/cron-page.png`, fullPage: true });
  await again.getByRole('button', { name: 'Delete' }).click();
  await again.getByRole('alertdialog').locator('button[data-confirm="Delete"]').click();
  await again.waitForURL(/\/cron-workflows\?namespace=default$/);
  await again.getByText('No cron workflows.').or(again.locator('tr[data-name="nightly"]')).first().waitFor();
  assert.equal(await again.locator('tr[data-name="hourly"]').count(), 0);
  await context.close();
});

test('a secret is created with its value written once, and deleted', async () => {
  const context = await env.browser.newContext();
  await signIn(context, env.server.url);
  const page = await openHydrated(context, `${env.server.url}/secrets`);
  const form = page.getByRole('form', { name: 'create a secret' });
  await form.getByLabel('Name').fill('db');
  await form.getByLabel('Key').fill('password');
  await form.getByLabel('Value').fill('s3cret-value');
  await form.getByRole('button', { name: 'Create' }).click();
  const row = page.locator('tr[data-name="db"]');
  await row.waitFor();
  assert.equal(await row.locator('td').nth(1).textContent(), 'password');
  assert.equal(await form.getByLabel('Value').inputValue(), '', 'the value left the page');
  await page.reload();
  await page.waitForSelector('[data-hydrated="true"]');
  await row.waitFor();
  assert.ok(!(await page.content()).includes('s3cret-value'), 'the value is never shown');
  await row.getByRole('button', { name: 'Delete' }).click();
  await row.waitFor({ state: 'detached' });
  await context.close();
});

test('the pages fit a phone-sized screen, and the graph works from the keyboard', async () => {
  const context = await env.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await signIn(context, env.server.url);
  const status = await page.evaluate(async () => {
    const csrf = (await (await fetch('/api/v1/userinfo')).json()).csrfToken;
    const r = await fetch('/api/v1/workflows/default', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify({ workflow: { metadata: { name: 'small-screen' }, spec: { entrypoint: 'main', templates: [
        { name: 'main', container: { image: 'alpine', command: ['echo', 'fits'] } }] } } }),
    });
    return r.status;
  });
  assert.equal(status, 200);
  for (const path of ['/workflows', '/templates', '/cron-workflows', '/secrets', '/account', '/workflows/default/small-screen?tab=graph']) {
    const p = await openHydrated(context, `${env.server.url}${path}`);
    const { scroll, width } = await p.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
    assert.ok(scroll <= width + 1, `${path} is ${scroll} px wide on a ${width} px screen`);
    if (path.startsWith('/workflows/default/')) {
      await p.screenshot({ path: `${shots}/workflow-phone.png` });
      // The boxes are buttons: focused and Enter opens the node's panel.
      const node = p.locator('g.node[data-label="small-screen"]');
      await node.focus();
      await p.keyboard.press('Enter');
      await p.getByRole('complementary', { name: 'node details' }).getByRole('heading', { name: 'small-screen' }).waitFor();
    }
    await p.close();
  }
  await context.close();
});
