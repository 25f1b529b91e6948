// A workflow passes artifacts from one task to the next: the node panel
// lists them with store, key and size, downloads one, previews a text
// file, and lists the files inside a .tgz and previews one of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useServerAndBrowser, signIn, shots, submitWorkflow } from '../harness.mjs';
import { openHydrated } from '../browser.mjs';

const env = useServerAndBrowser();

test('the node panel lists, downloads and previews artifacts, inside a .tgz too', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  const page = await signIn(context, env.server.url);
  const status = await submitWorkflow(page, { metadata: { name: 'passes-files' }, spec: { entrypoint: 'main', templates: [
    { name: 'main', dag: { tasks: [
      { name: 'make', template: 'make' },
      { name: 'use', template: 'use', dependencies: ['make'],
        arguments: { artifacts: [{ name: 'bundle', from: '{{tasks.make.outputs.artifacts.bundle}}' }] } },
    ] } },
    { name: 'make',
      container: { image: 'alpine', command: ['sh', '-c',
        'echo "the report" > /tmp/report.txt && mkdir -p /tmp/out/deep && echo "inside the tgz" > /tmp/out/deep/notes.txt && echo a > /tmp/out/a.txt'] },
      outputs: { artifacts: [
        { name: 'report', path: '/tmp/report.txt', archive: { none: {} } },
        { name: 'bundle', path: '/tmp/out' },
      ] } },
    { name: 'use', inputs: { artifacts: [{ name: 'bundle', path: '/tmp/in' }] },
      container: { image: 'alpine', command: ['cat', '/tmp/in/deep/notes.txt'] } },
  ] } });
  assert.equal(status, 200);

  const run = await openHydrated(context, `${env.server.url}/workflows/default/passes-files?tab=graph`);
  await run.locator('.badge[data-phase="Succeeded"]').waitFor({ timeout: 30000 });
  await run.locator('g.node[data-label="make"]').click();
  const panel = run.getByRole('complementary', { name: 'node details' });
  const artifacts = panel.getByRole('region', { name: 'artifacts' });
  const report = artifacts.locator('li.artifact[data-artifact="report"]');
  await report.locator('.size', { hasText: '11 B' }).waitFor();
  assert.match(await report.locator('code.key').textContent(), /passes-files\/passes-files-make-\d+\/report\.txt$/);
  assert.match(await report.textContent(), /built-in/);

  // Download: the stored bytes, under the key's file name.
  const [download] = await Promise.all([
    run.waitForEvent('download'),
    report.getByRole('link', { name: 'Download' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'report.txt');
  assert.equal(readFileSync(await download.path(), 'utf8'), 'the report\n');

  // Preview of a text file, in a sandboxed frame.
  await report.getByRole('button', { name: 'Preview' }).click();
  const frame = run.frameLocator('figure.preview iframe');
  await frame.locator('body', { hasText: 'the report' }).waitFor();
  assert.equal(await run.locator('figure.preview iframe').getAttribute('sandbox'), '');

  // The .tgz: its files listed, one of them previewed.
  const bundle = artifacts.locator('li.artifact[data-artifact="bundle"]');
  await bundle.getByRole('button', { name: 'Files' }).click();
  const files = bundle.getByRole('list', { name: 'files of bundle' });
  await files.getByRole('button', { name: 'out/deep/notes.txt' }).click();
  await frame.locator('body', { hasText: 'inside the tgz' }).waitFor();
  assert.match(await run.locator('figure.preview figcaption').textContent(), /bundle: out\/deep\/notes\.txt/);
  assert.deepEqual(await files.getByRole('button').allTextContents(), ['out/a.txt', 'out/deep/notes.txt']);
  await run.screenshot({ path: `${shots}/artifacts-preview.png` });

  // The next task's input: the same object.
  await run.locator('g.node[data-label="use"]').click();
  const input = panel.locator('li.artifact[data-artifact="bundle"][data-side="input"]');
  await input.getByRole('button', { name: 'Files' }).click();
  await input.getByRole('button', { name: 'out/a.txt' }).waitFor();
  assert.deepEqual(run.broken, []);
  await context.close();
});
