// What a viewer sees: the templates and runs, but no Submit button, and
// every action on a run disabled with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { openHydrated } from '../browser.mjs';
import { useServerAndBrowser, signIn, submitWorkflow } from '../harness.mjs';

const examples = fileURLToPath(new URL('../../examples', import.meta.url));
const env = useServerAndBrowser({ args: ['--templates', examples] });

test('a viewer cannot see the Submit button nor use the actions', async () => {
  const admin = await env.browser.newContext();
  const page = await signIn(admin, env.server.url);
  const made = await page.evaluate(async () => {
    const csrf = (await (await fetch('/api/v1/userinfo')).json()).csrfToken;
    const post = (path, body) => fetch(path, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify(body),
    }).then((r) => r.status);
    return [
      await post('/api/v1/users', { name: 'vera', password: 'viewer-password-1', roles: { default: 'viewer' } }),
    ];
  });
  assert.deepEqual(made, [200]);
  assert.equal(await submitWorkflow(page, { metadata: { name: 'seen' }, spec: { entrypoint: 'main',
    templates: [{ name: 'main', container: { image: 'alpine', command: ['true'] } }] } }), 200);
  await admin.close();

  const context = await env.browser.newContext();
  const login = await openHydrated(context, `${env.server.url}/login`);
  await login.getByLabel('User').fill('vera');
  await login.getByLabel('Password').fill('viewer-password-1');
  await login.getByRole('button', { name: 'Sign in' }).click();
  await login.waitForURL(`${env.server.url}/workflows`);

  const templates = await openHydrated(context, `${env.server.url}/templates/default/ci-pipeline`);
  // The header offers the namespaces vera has a role in.
  await templates.waitForFunction(() => document.querySelectorAll('#known-namespaces option').length === 1);
  assert.deepEqual(await templates.locator('#known-namespaces option').evaluateAll((os) => os.map((o) => o.value)), ['default']);
  const form = templates.getByRole('form', { name: 'Submit ci-pipeline' });
  await form.getByText('Submitting needs the editor role.').waitFor();
  assert.equal(await templates.getByRole('button', { name: 'Submit' }).count(), 0);

  const run = await openHydrated(context, `${env.server.url}/workflows/default/seen`);
  await run.locator('.badge[data-phase="Succeeded"]').waitFor({ timeout: 30000 });
  const resubmit = run.locator('button[data-action="resubmit"]');
  await run.waitForFunction(() => document.querySelector('button[data-action="resubmit"]')?.title.includes('editor'));
  assert.ok(await resubmit.isDisabled());
  assert.equal(await resubmit.getAttribute('title'), 'needs the editor role in default (you are vera)');
  await context.close();
});
