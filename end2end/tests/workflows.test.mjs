// The workflow list: signed out, it sends you to sign in; signed in, it
// lists the namespace's workflows and follows them live — a workflow
// submitted through the API appears and turns Succeeded without a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openHydrated } from '../browser.mjs';
import { useServerAndBrowser, signIn, shots, submitWorkflow, apiPost } from '../harness.mjs';
import { ADMIN_PASSWORD } from '../server.mjs';

const env = useServerAndBrowser();

test('signed out, the list sends you to sign in, and back afterwards', async () => {
  const context = await env.browser.newContext();
  const page = await openHydrated(context, `${env.server.url}/workflows?phase=Succeeded`);
  await page.waitForURL(`${env.server.url}/login?next=%2Fworkflows%3Fphase%3DSucceeded`);
  await page.getByLabel('User').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${env.server.url}/workflows?phase=Succeeded`);
  await page.getByRole('form', { name: 'filter workflows' }).waitFor();
  await context.close();
});

test('the list follows a new workflow live until it succeeds', async () => {
  const context = await env.browser.newContext();
  const page = await signIn(context, env.server.url);
  await page.waitForSelector('table.workflows');
  // Submitted by another client (the API with the session of this page).
  const created = await submitWorkflow(page, { metadata: { name: 'live-one' }, spec: { entrypoint: 'main', templates: [
    { name: 'main', container: { image: 'alpine', command: ['sh', '-c', 'sleep 1; echo done'] } }] } });
  assert.equal(created, 200);
  const row = page.locator('tr[data-name="live-one"]');
  await row.waitFor();
  await page.locator('tr[data-name="live-one"] td.phase.succeeded').waitFor({ timeout: 30000 });
  assert.equal(await row.locator('td.phase').textContent(), 'Succeeded');
  await context.close();
});

test('filters narrow the list (kept in the URL) and bulk actions act on the ticked rows', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await signIn(context, env.server.url);
  const wf = (name, labels, command) => ({ metadata: { name, labels }, spec: { entrypoint: 'main', templates: [
    { name: 'main', container: { image: 'alpine', command: ['sh', '-c', command] } }] } });
  for (const w of [wf('alpha-ok', { team: 'data' }, 'true'), wf('alpha-bad', { team: 'data' }, 'exit 1'), wf('beta-ok', { team: 'web' }, 'true')]) {
    assert.equal(await submitWorkflow(page, w), 200);
  }
  for (const [name, phase] of [['alpha-ok', 'succeeded'], ['alpha-bad', 'failed'], ['beta-ok', 'succeeded']]) {
    await page.locator(`tr[data-name="${name}"] td.phase.${phase}`).waitFor({ timeout: 30000 });
  }
  // Counts per phase above the list; why a run failed in its row.
  await page.locator('.phase-counts [data-phase="Failed"]', { hasText: '1 failed' }).waitFor();
  assert.match(await page.locator('tr[data-name="alpha-bad"] td.message').textContent(), /exit code 1/i);
  const names = () => page.locator('tbody tr').evaluateAll((rs) => rs.map((r) => r.dataset.name).sort());
  const filters = page.getByRole('form', { name: 'filter workflows' });

  await filters.getByLabel('Failed').check();
  await filters.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/phase=Failed/);
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
  assert.deepEqual(await names(), ['alpha-bad']);

  await filters.getByLabel('Failed').uncheck();
  await filters.getByLabel('Name starts with').fill('alpha');
  await filters.getByLabel('Labels').fill('team=data');
  await filters.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL(/prefix=alpha/);
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 2);
  assert.deepEqual(await names(), ['alpha-bad', 'alpha-ok']);
  // The labels the user gave are shown; the template column is there.
  assert.match(await page.locator('tr[data-name="alpha-ok"] td.labels').textContent(), /team=data/);

  // Back undoes the filter.
  await page.goBack();
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
  assert.deepEqual(await names(), ['alpha-bad']);

  // Tick two rows of the whole list and delete them.
  await page.goto(`${env.server.url}/workflows`);
  await page.waitForSelector('[data-hydrated="true"]');
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 4);
  const del = page.getByRole('toolbar', { name: 'actions on the selected workflows' }).locator('button[data-action="delete"]');
  assert.equal(await del.getAttribute('title'), 'tick the workflows first');
  await page.getByLabel('select alpha-ok').check();
  await page.getByLabel('select beta-ok').check();
  await del.click();
  // Asked first: Escape keeps them, the dialog's Delete deletes.
  const dialog = page.getByRole('alertdialog');
  await dialog.getByText('Delete 2 workflows and the logs? This cannot be undone.').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel', 'Cancel has the focus');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await page.locator('tbody tr').count(), 4);
  await del.click();
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 2);
  assert.deepEqual(await names(), ['alpha-bad', 'live-one']);
  await page.screenshot({ path: `${shots}/workflows.png` });
  await context.close();
});

test('an administrator lists every namespace at once, and acts on rows of several', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await signIn(context, env.server.url);
  const submitIn = (namespace, name) => apiPost(page, `/api/v1/workflows/${namespace}`, { workflow: { metadata: { name, labels: { spread: 'yes' } },
    spec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'alpine', command: ['true'] } }] } } });
  assert.equal(await submitIn('default', 'here'), 200);
  assert.equal(await submitIn('team-b', 'there'), 200);
  const list = await openHydrated(context, `${env.server.url}/workflows?namespace=*&labels=spread%3Dyes`);
  // The header offers every namespace to an administrator (role in `*`).
  await list.waitForFunction(() => [...document.querySelectorAll('#known-namespaces option')].some((o) => o.value === '*'));
  assert.equal(await list.locator('#known-namespaces option[value="*"]').getAttribute('label'), 'all namespaces');
  assert.equal(await list.getByLabel('Namespace').inputValue(), '*');
  const row = (ns, name) => list.locator(`tr[data-namespace="${ns}"][data-name="${name}"]`);
  await row('default', 'here').locator('td.phase.succeeded').waitFor({ timeout: 30000 });
  await row('team-b', 'there').locator('td.phase.succeeded').waitFor({ timeout: 30000 });
  assert.equal(await list.locator('thead th').nth(1).textContent(), 'Namespace');
  assert.equal(await row('team-b', 'there').getByRole('link', { name: 'there' }).getAttribute('href'), '/workflows/team-b/there');
  // Live: a new run in a third namespace appears.
  assert.equal(await submitIn('team-c', 'later'), 200);
  await row('team-c', 'later').waitFor({ timeout: 30000 });
  // Ticked in two namespaces, deleted together.
  await list.getByLabel('select here in default').check();
  await list.getByLabel('select there in team-b').check();
  await list.getByRole('toolbar', { name: 'actions on the selected workflows' }).locator('button[data-action="delete"]').click();
  await list.getByRole('alertdialog').locator('button[data-confirm="Delete"]').click();
  await list.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
  assert.deepEqual(await list.locator('tbody tr').evaluateAll((rs) => rs.map((r) => `${r.dataset.namespace}/${r.dataset.name}`)), ['team-c/later']);
  for (const [ns, name, status] of [['default', 'here', 404], ['team-b', 'there', 404], ['team-c', 'later', 200]]) {
    assert.equal(await list.evaluate(async ([ns, name]) => (await fetch(`/api/v1/workflows/${ns}/${name}`)).status, [ns, name]), status, `${ns}/${name}`);
  }
  // Pages that list one namespace at a time say so.
  const templates = await openHydrated(context, `${env.server.url}/templates?namespace=*`);
  await templates.getByText('Templates are listed one namespace at a time: pick one above.').waitFor();
  await context.close();
});

test('leaving a running workflow\'s page stops following it, without errors', async () => {
  const context = await env.browser.newContext();
  const page = await signIn(context, env.server.url);
  const status = await submitWorkflow(page, { metadata: { name: 'ticking' }, spec: { entrypoint: 'main', templates: [
    { name: 'main', steps: [[{ name: 'a', template: 'tick' }], [{ name: 'b', template: 'tick' }], [{ name: 'c', template: 'tick' }]] },
    { name: 'tick', container: { image: 'alpine', command: ['sh', '-c', 'sleep 1'] } },
  ] } });
  assert.equal(status, 200);
  const run = await openHydrated(context, `${env.server.url}/workflows/default/ticking?tab=graph`);
  await run.locator('g.node[data-phase="Running"]').first().waitFor({ timeout: 20000 });
  await run.getByRole('link', { name: 'Workflows', exact: true }).click();
  await run.locator('tr[data-name="ticking"]').waitFor();
  // The run goes on changing (and ends) while another page is shown.
  await run.locator('tr[data-name="ticking"] td.phase.succeeded').waitFor({ timeout: 30000 });
  assert.deepEqual(run.broken, [], 'no panic or error after leaving the page');
  await context.close();
});
