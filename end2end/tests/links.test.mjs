// The run page's URL says what it shows: a failed run opens on its failed
// task, choosing a node or a view is a step in the history (Back and
// Forward move between them), and a shared link opens the same view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, signIn, submitWorkflow } from '../harness.mjs';
import { openHydrated } from '../browser.mjs';

const env = useServerAndBrowser();

test('deep links hold the node and the view; a failed run opens on its failed task', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await signIn(context, env.server.url);
  const step = (name, command) => ({ name, container: { image: 'alpine', command: ['sh', '-c', command] } });
  const status = await submitWorkflow(page, { metadata: { name: 'linked' }, spec: { entrypoint: 'main', templates: [
    { name: 'main', dag: { tasks: [
      { name: 'fetch', template: 'fetch' },
      { name: 'check', template: 'check', dependencies: ['fetch'] },
    ] } },
    step('fetch', 'echo fetched'),
    step('check', 'echo checking; exit 4'),
  ] } });
  assert.equal(status, 200);

  const run = await openHydrated(context, `${env.server.url}/workflows/default/linked?tab=graph`);
  await run.locator('.badge[data-phase="Failed"]').waitFor({ timeout: 30000 });
  // Opened again once it has failed: on its failed task, said in the URL.
  await run.reload();
  await run.waitForSelector('[data-hydrated="true"]');
  const panel = run.getByRole('complementary', { name: 'node details' });
  await panel.getByRole('heading', { name: 'check' }).waitFor();
  await run.waitForURL(/[?&]node=linked-\d+/);
  const checkUrl = run.url();

  // A choice is a step in the history.
  await run.locator('g.node[data-label="fetch"]').click();
  await panel.getByRole('heading', { name: 'fetch' }).waitFor();
  await run.waitForURL((u) => u.href !== checkUrl);
  const fetchUrl = run.url();
  await run.getByRole('tab', { name: 'Timeline' }).click();
  await run.waitForURL(/[?&]tab=timeline/);
  const timelineUrl = run.url();
  await run.goBack();
  await run.waitForURL(fetchUrl);
  assert.equal(await run.getByRole('tab', { name: 'Graph' }).getAttribute('aria-selected'), 'true');
  await run.goBack();
  await run.waitForURL(checkUrl);
  await panel.getByRole('heading', { name: 'check' }).waitFor();
  await run.goForward();
  await panel.getByRole('heading', { name: 'fetch' }).waitFor();

  // A shared link opens as it was: the view and the node, rendered so by
  // the server too.
  const shared = await context.newPage();
  await shared.goto(timelineUrl);
  assert.equal(await shared.getByRole('tab', { name: 'Timeline' }).getAttribute('aria-selected'), 'true');
  await shared.getByRole('complementary', { name: 'node details' }).getByRole('heading', { name: 'fetch' }).waitFor();
  assert.deepEqual(run.broken, []);
  await context.close();
});
