// Submitting a template from its form: enum → a select, description →
// help, defaults filled in; the changed parameters reach the workflow,
// whose page then follows it to Succeeded. The graph preview of a
// template matches the template.
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
  await tag.fill('v2');
  await registry.selectOption('localhost:5000');
  assert.equal(await form.getByLabel('entrypoint').inputValue(), 'build-and-push', 'the entrypoint is preselected');
  await form.getByLabel('labels').fill('team=data');
  await form.getByLabel('more parameters').fill('not-declared=extra value');
  await form.getByRole('button', { name: 'Submit' }).click();
  await page.waitForURL(/\/workflows\/default\/parameterized-build-[a-z0-9]+(\?|$)/);
  await page.locator('.badge[data-phase="Succeeded"]').waitFor({ timeout: 60000 });
  const name = new URL(page.url()).pathname.split('/').at(-1);
  const wf = await page.evaluate(async (n) => (await fetch(`/api/v1/workflows/default/${n}`)).json(), name);
  const params = Object.fromEntries(wf.spec.arguments.parameters.map((p) => [p.name, p.value]));
  assert.equal(params['image-tag'], 'v2');
  assert.equal(params.registry, 'localhost:5000');
  assert.equal(params['not-declared'], 'extra value', 'a parameter the template does not declare');
  assert.equal(wf.metadata.labels.team, 'data', 'the labels given reach the workflow');
  await context.close();
});

test('a link fills a template\'s form in, and the form gives the link to its values', async () => {
  const context = await env.browser.newContext();
  await signIn(context, env.server.url);
  const page = await openHydrated(context, `${env.server.url}/templates?template=parameterized-build&image-tag=from-a-link&registry=localhost%3A5000`);
  const form = page.getByRole('form', { name: 'Submit parameterized-build' });
  assert.equal(await form.getByLabel('image-tag').inputValue(), 'from-a-link');
  assert.equal(await form.getByLabel('registry').inputValue(), 'localhost:5000');
  // Other templates keep their defaults.
  const other = page.getByRole('form', { name: 'Submit ci-pipeline' });
  assert.equal(await other.getByLabel('branch').inputValue(), 'main');
  await form.getByLabel('image-tag').fill('v3');
  const href = await form.getByRole('link', { name: 'Link to these values' }).getAttribute('href');
  assert.match(href, /template=parameterized-build/);
  assert.match(href, /image-tag=v3/);
  await context.close();
});

test("a template's graph is shown before it runs, as the template says", async () => {
  const context = await env.browser.newContext();
  await signIn(context, env.server.url);
  const page = await openHydrated(context, `${env.server.url}/templates`);
  const section = page.locator('section.template[data-template="ci-pipeline"]');
  const preview = section.getByRole('region', { name: 'template graph' });
  await preview.locator('g.node').first().waitFor();
  const labels = await preview.locator('g.node').evaluateAll((gs) => gs.map((g) => g.dataset.label));
  assert.deepEqual(labels, ['build-and-push', 'checkout-code', 'build-docker', 'push-docker']);
  // The entrypoint leads to the first task; each task to the next.
  assert.equal(await preview.locator('.arrows path').count(), 3);
  const y = async (label) => Number((await preview.locator(`g.node[data-label="${label}"]`).getAttribute('transform')).match(/,([-\d.]+)\)/)[1]);
  assert.ok((await y('checkout-code')) < (await y('build-docker')));
  assert.ok((await y('build-docker')) < (await y('push-docker')));
  await page.screenshot({ path: `${shots}/templates.png` });
  await context.close();
});

test('a ClusterWorkflowTemplate is listed as cluster-wide and submitted as one', async () => {
  const context = await env.browser.newContext();
  const page = await signIn(context, env.server.url);
  const status = await page.evaluate(async () => {
    const csrf = (await (await fetch('/api/v1/userinfo')).json()).csrfToken;
    const r = await fetch('/api/v1/cluster-workflow-templates', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify({ template: { metadata: { name: 'cluster-hello' }, spec: { entrypoint: 'main',
        arguments: { parameters: [{ name: 'who', value: 'world' }] },
        templates: [{ name: 'main', container: { image: 'alpine', command: ['echo', 'hello {{workflow.parameters.who}}'] } }] } } }),
    });
    return r.status;
  });
  assert.equal(status, 200);
  const templates = await openHydrated(context, `${env.server.url}/templates`);
  const section = templates.locator('section.template[data-template="cluster-hello"][data-cluster="true"]');
  await section.waitFor();
  assert.match(await section.locator('h2').textContent(), /cluster-wide/);
  await section.getByLabel('who').fill('keelson');
  await section.getByRole('button', { name: 'Submit' }).click();
  await templates.waitForURL(/\/workflows\/default\/cluster-hello-[a-z0-9]+$/);
  await templates.locator('.badge[data-phase="Succeeded"]').waitFor({ timeout: 30000 });
  const name = templates.url().split('/').at(-1);
  const wf = await templates.evaluate(async (n) => (await fetch(`/api/v1/workflows/default/${n}`)).json(), name);
  assert.equal(wf.spec.workflowTemplateRef.clusterScope, true);
  await context.close();
});

test("a template's argument artifact is given a file from the form", async () => {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await signIn(context, env.server.url);
  const status = await page.evaluate(async () => {
    const csrf = (await (await fetch('/api/v1/userinfo')).json()).csrfToken;
    const r = await fetch('/api/v1/workflow-templates/default', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify({ template: { metadata: { name: 'reads-a-file' }, spec: { entrypoint: 'main',
        arguments: { artifacts: [{ name: 'data', raw: { data: 'the default' } }] },
        templates: [{ name: 'main', inputs: { artifacts: [{ name: 'data', path: '/tmp/data' }] },
          container: { image: 'alpine', command: ['cat', '/tmp/data'] } }] } } }),
    });
    return r.status;
  });
  assert.equal(status, 200);
  const templates = await openHydrated(context, `${env.server.url}/templates`);
  const section = templates.locator('section.template[data-template="reads-a-file"]');
  await section.getByLabel('data (artifact)').setInputFiles({ name: 'mine.txt', mimeType: 'text/plain', buffer: Buffer.from('uploaded from the form') });
  await section.getByRole('button', { name: 'Submit' }).click();
  await templates.waitForURL(/\/workflows\/default\/reads-a-file-[a-z0-9]+$/);
  await templates.locator('.badge[data-phase="Succeeded"]').waitFor({ timeout: 30000 });
  await templates.getByRole('tab', { name: 'Logs' }).click();
  const all = templates.getByRole('region', { name: 'logs of all tasks' });
  await all.locator('.log-lines', { hasText: 'uploaded from the form' }).waitFor({ timeout: 10000 });
  await context.close();
});
