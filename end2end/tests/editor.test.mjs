// The YAML editor: lint runs in the browser as you type — the same
// findings as `keelson lint`, at the same line — the graph follows the
// text, and the fixed workflow is submitted and runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { useServerAndBrowser, signIn, shots } from '../harness.mjs';
import { openHydrated } from '../browser.mjs';
import { KEELSON } from '../server.mjs';

const env = useServerAndBrowser();

/// `keelson lint -o json` of `text`: its findings.
function cliLint(text) {
  const file = join(mkdtempSync(join(process.env.E2E_TMP || tmpdir(), 'lint-')), 'wf.yaml');
  writeFileSync(file, text);
  let out;
  try {
    out = execFileSync(KEELSON, ['lint', '-o', 'json', file], { encoding: 'utf8' });
  } catch (e) {
    out = e.stdout; // it exits non-zero when there are errors
  }
  return JSON.parse(out).findings;
}

test('the editor lints as you type, shows the graph, and submits once fixed', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 900 } });
  await signIn(context, env.server.url);
  const page = await openHydrated(context, `${env.server.url}/editor`);
  const status = page.getByRole('status');
  await status.filter({ hasText: 'No problems found.' }).waitFor({ timeout: 20000 });
  const graph = page.getByRole('region', { name: 'graph of the YAML' });
  await graph.locator('g.node[data-label="reply"]').waitFor();

  // A typo: an error at its line, as `keelson lint` says it.
  const yaml = page.getByRole('textbox', { name: 'YAML', exact: true });
  const good = await yaml.inputValue();
  const bad = good.replace('- name: reply\n        template: say', '- name: reply\n        template: sya');
  assert.notEqual(bad, good);
  await yaml.fill(bad);
  const finding = page.getByRole('region', { name: 'lint findings' }).locator('li[data-code="unknown-template"]');
  await finding.waitFor({ timeout: 10000 });
  const [cli] = cliLint(bad);
  assert.equal(cli.code, 'unknown-template');
  assert.equal(await finding.getAttribute('data-line'), String(cli.line));
  assert.match(await finding.textContent(), new RegExp(`line ${cli.line}, column ${cli.column}`));
  assert.ok((await finding.textContent()).includes(cli.message), `${await finding.textContent()} says ${cli.message}`);
  await page.locator(`.gutter span[data-line="${cli.line}"][data-severity="error"]`).waitFor();
  const submit = page.getByRole('button', { name: 'Submit' });
  assert.ok(await submit.isDisabled());
  assert.equal(await submit.getAttribute('title'), 'fix the 1 error first');
  // The finding takes the cursor to where it is.
  await finding.getByRole('button').click();
  const caret = await yaml.evaluate((t) => t.selectionStart);
  const expected = bad.split('\n').slice(0, cli.line - 1).join('\n').length + 1 + cli.column - 1;
  assert.equal(caret, expected);
  await page.screenshot({ path: `${shots}/editor.png` });

  // Fixed, with a third task: no findings, the graph has it, it runs.
  const more = good.replace('  - name: say\n', '      - name: bye\n        template: say\n        dependencies: [reply]\n  - name: say\n');
  await yaml.fill(more);
  await graph.locator('g.node[data-label="bye"]').waitFor({ timeout: 10000 });
  await status.filter({ hasText: 'No problems found.' }).waitFor();
  assert.deepEqual(cliLint(more), []);
  await submit.click();
  await page.waitForURL(/\/workflows\/default\/hello-[a-z0-9]+/);
  await page.locator('.badge[data-phase="Succeeded"]').waitFor({ timeout: 30000 });
  assert.deepEqual(page.broken, []);
  await context.close();
});

test('a template is created from the editor, then edited in place', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 900 } });
  await signIn(context, env.server.url);
  const page = await openHydrated(context, `${env.server.url}/editor`);
  const yaml = page.getByRole('textbox', { name: 'YAML', exact: true });
  await yaml.fill(`apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata:
  name: greeter
spec:
  entrypoint: say
  arguments:
    parameters:
    - name: who
      value: world
  templates:
  - name: say
    container:
      image: alpine
      command: [echo, "hello {{workflow.parameters.who}}"]
`);
  await page.getByRole('status').filter({ hasText: 'No problems found.' }).waitFor({ timeout: 20000 });
  await page.getByRole('button', { name: 'Create template' }).click();
  await page.waitForURL(/\/templates/);
  const form = page.getByRole('form', { name: 'Submit greeter' });
  assert.equal(await form.getByLabel('who').inputValue(), 'world');

  // Edit it: the editor opens on its YAML, and saves it in place.
  await page.getByRole('link', { name: 'Edit YAML of greeter' }).click();
  await page.waitForURL(/\/editor\?namespace=default&template=greeter/);
  await page.getByRole('heading', { name: 'Edit WorkflowTemplate greeter' }).waitFor();
  const text = await yaml.inputValue();
  assert.match(text, /name: greeter/);
  assert.doesNotMatch(text, /uid|resourceVersion|creationTimestamp/);
  // A new name would make another template: refused here.
  await yaml.fill(text.replace('name: greeter', 'name: other'));
  const save = page.getByRole('button', { name: 'Save' });
  await page.waitForFunction(() => document.querySelector('.editor-side button.primary')?.title.includes('its kind and name stay'));
  assert.ok(await save.isDisabled());
  await yaml.fill(text.replace('value: world', 'value: keelson'));
  await page.getByRole('status').filter({ hasText: 'No problems found.' }).waitFor();
  await page.waitForFunction(() => !document.querySelector('.editor-side button.primary')?.disabled);
  await save.click();
  await page.waitForURL(/\/templates/);
  assert.equal(await page.getByRole('form', { name: 'Submit greeter' }).getByLabel('who').inputValue(), 'keelson');
  assert.equal(await page.locator('section.template[data-template="other"]').count(), 0);
  await context.close();
});
