// Submitting a template from its form: enum → a select, description →
// help, defaults filled in; the changed parameters reach the workflow,
// which the list then follows to Succeeded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { openHydrated } from '../browser.mjs';
import { useServerAndBrowser, signIn, shots } from '../harness.mjs';

const examples = fileURLToPath(new URL('../../examples', import.meta.url));
const env = useServerAndBrowser({ args: ['--templates', examples] });

test('the parameterized build is submitted with changed parameters and runs', async () => {
  const context = await env.browser.newContext();
  await signIn(context, env.server.url);

  const page = await openHydrated(context, `${env.server.url}/templates`);
  const form = page.getByRole('form', { name: 'Submit parameterized-build' });
  await form.waitFor();
  const tag = form.getByLabel('image-tag');
  assert.equal(await tag.inputValue(), 'latest', 'the default is filled in');
  assert.match(await form.textContent(), /Tag given to the built image/, 'the description is the help');
  const registry = form.getByLabel('registry');
  assert.equal(await registry.evaluate((e) => e.tagName), 'SELECT', 'an enum is a select');
  assert.deepEqual(await registry.locator('option').allTextContents(), ['registry.example.com', 'localhost:5000']);
  await page.screenshot({ path: `${shots}/templates.png` });

  await tag.fill('v2');
  await registry.selectOption('localhost:5000');
  await form.getByRole('button', { name: 'Submit' }).click();
  await page.waitForURL(`${env.server.url}/workflows`);
  const row = page.locator('tr[data-name^="parameterized-build-"]');
  await row.waitFor();
  await page.locator('tr[data-name^="parameterized-build-"] td.phase.succeeded').waitFor({ timeout: 60000 });
  const name = await row.getAttribute('data-name');
  const wf = await page.evaluate(async (n) => (await fetch(`/api/v1/workflows/default/${n}`)).json(), name);
  const params = Object.fromEntries(wf.spec.arguments.parameters.map((p) => [p.name, p.value]));
  assert.equal(params['image-tag'], 'v2');
  assert.equal(params.registry, 'localhost:5000');
  await context.close();
});
