// A failing workflow: the failed node is red with its message, what
// depends on it did not run, and Retry (once the cause is fixed) makes the
// run succeed — all on the live page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useServerAndBrowser, signIn, shots, submitWorkflow } from '../harness.mjs';
import { openHydrated } from '../browser.mjs';

const env = useServerAndBrowser();

test('a failed node is red, its dependents do not run, and Retry fixes the run', async () => {
  // The build fails until this file exists.
  const marks = join(process.env.E2E_TMP || '.', 'e2e-marks', `${process.pid}-${Date.now()}`);
  mkdirSync(marks, { recursive: true });
  const fixed = join(marks, 'fixed');

  const context = await env.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await signIn(context, env.server.url);
  const step = (name, command) => ({ name, container: { image: 'alpine', command: ['sh', '-c', command] } });
  const status = await submitWorkflow(page, { metadata: { name: 'breaks-once' }, spec: { entrypoint: 'main', templates: [
    { name: 'main', dag: { tasks: [
      { name: 'build', template: 'build' },
      { name: 'deploy', template: 'deploy', dependencies: ['build'] },
    ] } },
    step('build', `echo compiling; if [ -f ${fixed} ]; then echo ok; else echo 'missing header' >&2; exit 3; fi`),
    step('deploy', 'echo deployed'),
  ] } });
  assert.equal(status, 200);

  const run = await openHydrated(context, `${env.server.url}/workflows/default/breaks-once?tab=graph`);
  await run.locator('.badge[data-phase="Failed"]').waitFor({ timeout: 30000 });
  const build = run.locator('g.node[data-label="build"]');
  assert.equal(await build.getAttribute('data-phase'), 'Failed');
  const stroke = await build.locator('rect').evaluate((r) => getComputedStyle(r).stroke);
  assert.equal(stroke, 'rgb(233, 109, 118)', 'the failed node is drawn red');
  const deploy = run.locator('g.node[data-label="deploy"]');
  assert.ok((await deploy.count()) === 0 || !['Running', 'Succeeded'].includes(await deploy.getAttribute('data-phase')),
    'deploy did not run');

  await build.click();
  const panel = run.getByRole('complementary', { name: 'node details' });
  await panel.getByRole('heading', { name: 'build' }).waitFor();
  const facts = await panel.locator('dl.facts').textContent();
  assert.match(facts, /exit code 3/i, `the message says why: ${facts}`);
  await panel.locator('.log-lines', { hasText: 'compiling' }).waitFor();
  await run.screenshot({ path: `${shots}/workflow-failed.png` });

  // Not applicable actions say why; Retry applies.
  const stop = run.locator('button[data-action="stop"]');
  assert.ok(await stop.isDisabled());
  assert.equal(await stop.getAttribute('title'), 'the workflow has finished');
  writeFileSync(fixed, '');
  await run.locator('button[data-action="retry"]').click();
  await run.locator('.badge[data-phase="Succeeded"]').waitFor({ timeout: 30000 });
  await run.locator('g.node[data-label="deploy"][data-phase="Succeeded"]').waitFor();
  assert.equal(await build.getAttribute('data-phase'), 'Succeeded');

  // Deleting asks first; Cancel keeps the run, the dialog's Delete goes
  // to the list.
  await run.locator('button[data-action="delete"]').click();
  const dialog = run.getByRole('alertdialog');
  await dialog.getByText('Delete breaks-once and the logs? This cannot be undone.').waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  await run.locator('button[data-action="delete"]').click();
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await run.waitForURL(`${env.server.url}/workflows`);
  await context.close();
});
