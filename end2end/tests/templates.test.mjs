// Submitting a template from its form: enum → a select, description →
// help, defaults filled in; the changed parameters reach the workflow,
// whose page then follows it to Succeeded. The graph preview of a
// template matches the template.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { openHydrated } from '../browser.mjs';
import { useServerAndBrowser, signIn, shots, apiPost } from '../harness.mjs';

const examples = fileURLToPath(new URL('../../examples', import.meta.url));
const env = useServerAndBrowser({ args: ['--templates', examples] });

test('the parameterized build is submitted with changed parameters and runs', async () => {
  const context = await env.browser.newContext();
  await signIn(context, env.server.url);

  const page = await openHydrated(context, `${env.server.url}/templates`);
  // The list: each template a row, found by name or description.
  const rows = page.locator('table.templates tbody tr');
  const listed = await rows.evaluateAll((trs) => trs.map((t) => t.dataset.name));
  for (const name of ['ci-pipeline', 'parameterized-build']) assert.ok(listed.includes(name), `${name} is listed: ${listed}`);
  await page.getByLabel('find templates').fill('param');
  await page.waitForFunction(() => document.querySelectorAll('table.templates tbody tr').length === 1);
  assert.equal(await rows.first().getAttribute('data-name'), 'parameterized-build');
  assert.match(await page.locator('.pager [role="status"]').textContent(), /^1–1 of 1$/);
  await page.getByLabel('find templates').fill('no such template');
  await page.getByText('No template matches.').waitFor();
  await page.getByLabel('find templates').fill('');
  await page.getByRole('link', { name: 'parameterized-build', exact: true }).click();
  await page.waitForURL(/\/templates\/default\/parameterized-build$/);
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
  // A link that names the template in the query goes to its page,
  // values and all.
  const old = await openHydrated(context, `${env.server.url}/templates?template=parameterized-build&image-tag=from-a-link&registry=localhost%3A5000`);
  await old.waitForURL(/\/templates\/default\/parameterized-build\?/);
  assert.match(old.url(), /image-tag=from-a-link/);
  const oldForm = old.getByRole('form', { name: 'Submit parameterized-build' });
  assert.equal(await oldForm.getByLabel('image-tag').inputValue(), 'from-a-link');
  assert.equal(await oldForm.getByLabel('registry').inputValue(), 'localhost:5000');
  // Without values, the defaults.
  const page = await openHydrated(context, `${env.server.url}/templates/default/parameterized-build`);
  const form = page.getByRole('form', { name: 'Submit parameterized-build' });
  assert.equal(await form.getByLabel('image-tag').inputValue(), 'latest');
  await form.getByLabel('image-tag').fill('v3');
  const href = await form.getByRole('link', { name: 'Link to these values' }).getAttribute('href');
  assert.equal(href, '/templates/default/parameterized-build?image-tag=v3&registry=registry.example.com');
  const shared = await openHydrated(context, `${env.server.url}${href}`);
  assert.equal(await shared.getByRole('form', { name: 'Submit parameterized-build' }).getByLabel('image-tag').inputValue(), 'v3');
  await context.close();
});

test("a template's graph is shown before it runs, as the template says", async () => {
  const context = await env.browser.newContext();
  await signIn(context, env.server.url);
  const page = await openHydrated(context, `${env.server.url}/templates/default/ci-pipeline`);
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
  const listed = templates.locator('tr[data-name="cluster-hello"][data-cluster="true"]');
  assert.match(await listed.textContent(), /cluster-wide/);
  await listed.getByRole('link', { name: 'cluster-hello', exact: true }).click();
  await templates.waitForURL(/\/cluster-templates\/cluster-hello\?namespace=default$/);
  assert.match(await templates.getByRole('heading', { level: 1 }).textContent(), /cluster-hello cluster-wide/);
  const section = templates.locator('section.template[data-template="cluster-hello"][data-cluster="true"]');
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
  const templates = await openHydrated(context, `${env.server.url}/templates/default/reads-a-file`);
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

test("a template's page lists its runs and its YAML, and deletes it after asking", async () => {
  const context = await env.browser.newContext();
  const page = await signIn(context, env.server.url);
  const status = await page.evaluate(async () => {
    const csrf = (await (await fetch('/api/v1/userinfo')).json()).csrfToken;
    const r = await fetch('/api/v1/workflow-templates/default', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify({ template: { metadata: { name: 'short-lived',
        annotations: { 'workflows.argoproj.io/description': 'Says hello, then goes' } }, spec: { entrypoint: 'main', parallelism: 2,
        arguments: { parameters: [{ name: 'count', value: '3' }] },
        templates: [{ name: 'main', container: { image: 'alpine', command: ['true'] } }] } } }),
    });
    return r.status;
  });
  assert.equal(status, 200);
  const list = await openHydrated(context, `${env.server.url}/templates`);
  assert.match(await list.locator('tr[data-name="short-lived"]').textContent(), /Says hello, then goes/);
  const tpl = await openHydrated(context, `${env.server.url}/templates/default/short-lived`);
  assert.equal(await tpl.locator('p.description').textContent(), 'Says hello, then goes');
  const runs = tpl.getByRole('region', { name: 'Runs' });
  await runs.getByText('No runs yet.').waitFor();
  await tpl.getByRole('form', { name: 'Submit short-lived' }).getByRole('button', { name: 'Submit' }).click();
  await tpl.waitForURL(/\/workflows\/default\/short-lived-[a-z0-9]+$/);
  const run = new URL(tpl.url()).pathname.split('/').at(-1);
  await tpl.locator('.badge[data-phase="Succeeded"]').waitFor({ timeout: 30000 });

  const again = await openHydrated(context, `${env.server.url}/templates/default/short-lived`);
  const row = again.getByRole('region', { name: 'Runs' }).locator(`tr[data-name="${run}"]`);
  assert.match(await row.textContent(), /Succeeded/);
  assert.equal(await row.getByRole('link', { name: run }).getAttribute('href'), `/workflows/default/${run}`);
  // The YAML, folded, its keys and values marked.
  const yaml = again.getByRole('region', { name: 'the template as YAML' });
  await yaml.locator('summary').click();
  assert.match(await yaml.locator('pre.yaml').textContent(), /name: short-lived/);
  assert.deepEqual(await yaml.locator('pre.yaml span.n').allTextContents(), [': 2'], 'a number');
  assert.equal(await yaml.locator('pre.yaml span.s', { hasText: ': "3"' }).count(), 1, 'a quoted number is a string');
  await again.screenshot({ path: `${shots}/template-page.png`, fullPage: true });

  // Delete: asked first; Cancel keeps it.
  await again.getByRole('button', { name: 'Delete' }).click();
  const dialog = again.getByRole('alertdialog');
  assert.equal(await dialog.locator('p').textContent(), 'Delete the template short-lived? Its runs are kept.');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  assert.equal(await again.getByRole('alertdialog').count(), 0);
  await again.getByRole('button', { name: 'Delete' }).click();
  await again.getByRole('alertdialog').locator('button[data-confirm="Delete"]').click();
  await again.waitForURL(/\/templates\?namespace=default$/);
  await again.locator('table.templates tbody tr').first().waitFor();
  assert.equal(await again.locator('tr[data-name="short-lived"]').count(), 0);
  const kept = await again.evaluate(async (n) => (await fetch(`/api/v1/workflows/default/${n}`)).status, run);
  assert.equal(kept, 200, 'its run is kept');
  await context.close();
});

test('grouped by templateRef, each call into another template is one box', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await signIn(context, env.server.url);
  const post = (path, body) => apiPost(page, path, body);
  const step = (name) => ({ name, container: { image: 'alpine', command: ['true'] } });
  assert.equal(await post('/api/v1/workflow-templates/default', { template: { metadata: { name: 'lib' }, spec: { templates: [
    { name: 'build', dag: { tasks: [{ name: 'compile', template: 'compile' }, { name: 'test', template: 'test', dependencies: ['compile'] }] } },
    step('compile'), step('test'),
  ] } } }), 200);
  assert.equal(await post('/api/v1/workflows/default', { workflow: { metadata: { name: 'uses-lib' }, spec: { entrypoint: 'main', templates: [
    { name: 'main', dag: { tasks: [
      { name: 'build', templateRef: { name: 'lib', template: 'build' } },
      { name: 'deploy', template: 'deploy', dependencies: ['build'] },
    ] } },
    step('deploy'),
  ] } } }), 200);
  const run = await openHydrated(context, `${env.server.url}/workflows/default/uses-lib?tab=graph`);
  await run.locator('.badge[data-phase="Succeeded"]').waitFor({ timeout: 30000 });
  const labels = () => run.locator('svg.graph-canvas g.node').evaluateAll((gs) => gs.map((g) => g.dataset.label).sort());
  await run.waitForFunction(() => document.querySelectorAll('svg.graph-canvas g.node').length === 5);
  assert.deepEqual(await labels(), ['build', 'compile', 'deploy', 'test', 'uses-lib']);
  await run.getByRole('toolbar', { name: 'what the graph shows' }).getByLabel('Group by templateRef').check();
  await run.waitForFunction(() => document.querySelectorAll('svg.graph-canvas g.node').length === 3);
  assert.deepEqual(await labels(), ['build', 'deploy', 'uses-lib']);
  // The call leads straight to what came after it.
  assert.equal(await run.locator('svg.graph-canvas .arrows path').count(), 2);
  await run.getByRole('toolbar', { name: 'what the graph shows' }).getByLabel('Group by templateRef').uncheck();
  await run.waitForFunction(() => document.querySelectorAll('svg.graph-canvas g.node').length === 5);
  await context.close();
});
