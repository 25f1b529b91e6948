// Reading without JavaScript: the server renders each page with the
// signed-in user's data — the list, a run's graph with its phases, the
// templates — and signed out, sends the browser to the sign-in page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, signIn, submitWorkflow, shots } from '../harness.mjs';

const env = useServerAndBrowser();

test('pages read without JavaScript', async () => {
  const live = await env.browser.newContext();
  const page = await signIn(live, env.server.url);
  const step = (name, deps) => ({ name, template: 'echo', dependencies: deps });
  const status = await submitWorkflow(page, { metadata: { name: 'readable' }, spec: { entrypoint: 'main', templates: [
    { name: 'main', dag: { tasks: [step('fetch', []), step('build', ['fetch']), step('test', ['build'])] } },
    { name: 'echo', container: { image: 'alpine', command: ['echo', 'hi'] } },
  ] } });
  assert.equal(status, 200);
  await page.locator('tr[data-name="readable"] td.phase.succeeded').waitFor({ timeout: 30000 });

  // The same session, no script at all.
  const plain = await env.browser.newContext({ javaScriptEnabled: false, storageState: await live.storageState() });
  const list = await plain.newPage();
  await list.goto(`${env.server.url}/workflows`);
  assert.equal(await list.locator('tr[data-name="readable"] td.phase').textContent(), 'Succeeded');
  // The filter form works as a plain form too (several phases at once).
  const filters = list.getByRole('form', { name: 'filter workflows' });
  await filters.getByLabel('Failed').check();
  await filters.getByLabel('Succeeded').check();
  await filters.getByRole('button', { name: 'Apply' }).click();
  await list.waitForURL(/phase=Succeeded/);
  assert.equal(await list.locator('tr[data-name="readable"]').count(), 1, 'Succeeded or Failed: listed');
  await list.goto(`${env.server.url}/workflows?phase=Failed&phase=Error`);
  assert.equal(await list.locator('tr[data-name="readable"]').count(), 0, 'not Failed nor Error');
  await list.goto(`${env.server.url}/workflows`);
  await list.locator('tr[data-name="readable"] a').click();
  await list.waitForURL(`${env.server.url}/workflows/default/readable`);
  // The views are links: the graph without any script too.
  await list.getByRole('tab', { name: 'Graph' }).click();
  await list.waitForURL(`${env.server.url}/workflows/default/readable?tab=graph`);
  for (const task of ['fetch', 'build', 'test']) {
    assert.equal(await list.locator(`g.node[data-label="${task}"]`).getAttribute('data-phase'), 'Succeeded', task);
  }
  assert.equal(await list.locator('.badge').getAttribute('data-phase'), 'Succeeded');
  await list.screenshot({ path: `${shots}/workflow-without-javascript.png` });
  await list.goto(`${env.server.url}/templates`);
  await list.getByRole('heading', { name: 'Templates' }).waitFor();

  // Another namespace, picked in the header: kept by the links.
  await list.getByLabel('Namespace').fill('elsewhere');
  await list.getByLabel('Namespace').press('Enter');
  await list.waitForURL(`${env.server.url}/templates?namespace=elsewhere`);
  assert.equal(await list.getByRole('link', { name: 'Workflows', exact: true }).getAttribute('href'), '/workflows?namespace=elsewhere');
  await list.getByRole('link', { name: 'Workflows', exact: true }).click();
  await list.getByText('No workflows match.').waitFor();
  assert.equal(await list.locator('tr[data-name="readable"]').count(), 0, 'not in this namespace');

  // Signed out: the sign-in page.
  const stranger = await env.browser.newContext({ javaScriptEnabled: false });
  const lost = await stranger.newPage();
  await lost.goto(`${env.server.url}/workflows/default/readable`);
  assert.equal(new URL(lost.url()).pathname, '/login');
  await Promise.all([live.close(), plain.close(), stranger.close()]);
});
