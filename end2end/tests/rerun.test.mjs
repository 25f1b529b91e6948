// Run it again with a changed parameter, from the run's summary:
// "Resubmit with these" opens the new run, which got the new value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, signIn, submitWorkflow } from '../harness.mjs';
import { openHydrated } from '../browser.mjs';

const env = useServerAndBrowser();

test('a run is resubmitted with a changed parameter from its summary', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await signIn(context, env.server.url);
  assert.equal(await submitWorkflow(page, { metadata: { name: 'greets' }, spec: { entrypoint: 'say',
    arguments: { parameters: [{ name: 'who', value: 'world' }, { name: 'times', value: '1' }] },
    templates: [{ name: 'say', container: { image: 'alpine', command: ['echo', 'hello {{workflow.parameters.who}}'] } }] } }), 200);
  const run = await openHydrated(context, `${env.server.url}/workflows/default/greets`);
  await run.locator('.badge[data-phase="Succeeded"]').waitFor({ timeout: 30000 });
  const summary = run.getByRole('region', { name: 'run summary' });
  const who = summary.getByLabel('who');
  assert.equal(await who.inputValue(), 'world');
  // Retry applies to a failed run only: it says so.
  const retry = summary.locator('button[data-action="retry"]');
  assert.ok(await retry.isDisabled());
  assert.equal(await retry.getAttribute('title'), 'only a Failed or Error workflow can be retried');
  await who.fill('keelson');
  await summary.getByRole('button', { name: 'Resubmit with these' }).click();
  await run.waitForURL(/\/workflows\/default\/greets-[a-z0-9]+/);
  const name = new URL(run.url()).pathname.split('/').at(-1);
  await run.locator('.badge[data-phase="Succeeded"]').waitFor({ timeout: 30000 });
  const wf = await run.evaluate(async (n) => (await fetch(`/api/v1/workflows/default/${n}`)).json(), name);
  const params = Object.fromEntries(wf.spec.arguments.parameters.map((p) => [p.name, p.value]));
  assert.deepEqual(params, { who: 'keelson', times: '1' });
  assert.equal(await run.getByRole('region', { name: 'run summary' }).getByLabel('who').inputValue(), 'keelson');
  assert.deepEqual(run.broken, []);
  await context.close();
});
