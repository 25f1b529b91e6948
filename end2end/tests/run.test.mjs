// The workflow page: the CI pipeline template submitted from its form with
// a changed parameter goes straight to the live run, whose graph shows
// each task turn Running then Succeeded, in order; a running task's log
// shows lines before the task ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { openHydrated } from '../browser.mjs';
import { useServerAndBrowser, signIn, shots } from '../harness.mjs';

const examples = fileURLToPath(new URL('../../examples', import.meta.url));
const env = useServerAndBrowser({ args: ['--templates', examples] });

/// Record every phase each graph node shows, with the time it showed it,
/// from now on (nodes added later included).
async function recordPhases(page) {
  await page.evaluate(() => {
    window.phaseLog = [];
    const note = (g) => {
      const label = g.getAttribute('data-label');
      const phase = g.getAttribute('data-phase');
      const last = window.phaseLog.filter((e) => e.label === label).at(-1);
      if (!last || last.phase !== phase) window.phaseLog.push({ label, phase, at: performance.now() });
    };
    const scan = () => document.querySelectorAll('g.node[data-label]').forEach(note);
    new MutationObserver(scan).observe(document.body, {
      subtree: true, childList: true, attributes: true, attributeFilter: ['data-phase'],
    });
    scan();
  });
}

test('the CI pipeline runs task after task on the live graph, with live logs', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 900 } });
  await signIn(context, env.server.url);
  const page = await openHydrated(context, `${env.server.url}/templates/default/ci-pipeline`);
  const form = page.getByRole('form', { name: 'Submit ci-pipeline' });
  await form.waitFor();
  await form.getByLabel('branch').fill('release-1');
  await form.getByRole('button', { name: 'Submit' }).click();

  // Straight to the run's own page.
  await page.waitForURL(/\/workflows\/default\/ci-pipeline-[a-z0-9]+(\?|$)/);
  const name = new URL(page.url()).pathname.split('/').at(-1);
  // It opens on the run's summary: the parameters it was submitted with.
  const summary = page.getByRole('region', { name: 'run summary' });
  assert.equal(await summary.getByRole('table', { name: 'parameters' }).getByLabel('branch').inputValue(), 'release-1');
  assert.equal(await summary.locator('[data-creator]').textContent(), 'admin', 'who submitted it');
  await summary.getByRole('link', { name: 'all runs of it' }).waitFor();
  await page.screenshot({ path: `${shots}/workflow-summary.png` });
  await page.getByRole('tab', { name: 'Graph' }).click();
  await page.waitForURL(/[?&]tab=graph/);
  await recordPhases(page);
  const build = page.locator('g.node[data-label="build-docker"]');
  await build.waitFor({ timeout: 20000 });

  // Open the build while it runs: its log grows before it ends.
  await page.locator('g.node[data-label="build-docker"][data-phase="Running"]').waitFor({ timeout: 20000 });
  // What has not started yet is drawn already, as a ghost (the run was
  // submitted from a WorkflowTemplate: the plan is the template's).
  const ghost = page.locator('g.node.ghost[data-label="push-docker"]');
  await ghost.waitFor({ timeout: 3000 });
  assert.equal(await ghost.locator('title').textContent(), 'push-docker (not started yet)');
  // Each box says its phase by a glyph, its kind and its time in words.
  assert.equal(await build.locator('use.glyph').getAttribute('href'), '#glyph-run-Running');
  assert.equal(await build.locator('title').textContent(), 'build-docker (pod)');
  await page.getByRole('button', { name: 'build-docker (pod)' }).waitFor();
  assert.match(await build.locator('text.time').textContent(), /^\d+s$/);
  await build.click();
  const panel = page.getByRole('complementary', { name: 'node details' });
  await panel.getByRole('heading', { name: 'build-docker' }).waitFor();
  await panel.locator('.log-lines', { hasText: 'step 1/4' }).waitFor({ timeout: 10000 });
  assert.equal(await build.getAttribute('data-phase'), 'Running', 'the log showed lines while the task ran');
  await page.screenshot({ path: `${shots}/workflow-running.png` });

  await page.locator('.badge[data-phase="Succeeded"]').waitFor({ timeout: 60000 });
  // The ghost became the real task; the glyphs and times followed.
  assert.equal(await page.locator('g.node.ghost').count(), 0, 'no ghost is left once the run ends');
  await page.locator('g.node[data-label="push-docker"] use.glyph[href="#glyph-run-Succeeded"]').waitFor();
  assert.equal(await build.locator('use.glyph').getAttribute('href'), '#glyph-run-Succeeded');
  assert.match(await build.locator('text.time').textContent(), /^[4-9]s$/, 'build-docker took its four seconds');
  await panel.locator('.log-lines', { hasText: /^built$/m }).waitFor();
  const lines = (await panel.locator('.log-lines').textContent()).split('\n').filter((l) => l !== '');
  assert.deepEqual(lines, ['Building image for linux/amd64...', 'step 1/4', 'step 2/4', 'step 3/4', 'step 4/4', 'built'],
    'every line once, in order');

  // Each task went Running → Succeeded, and each started after the one
  // before it succeeded.
  const log = await page.evaluate(() => window.phaseLog);
  const when = (label, phase) => log.find((e) => e.label === label && e.phase === phase)?.at;
  const tasks = ['checkout-code', 'build-docker', 'push-docker'];
  for (const t of tasks) {
    assert.ok(when(t, 'Running') !== undefined, `${t} was seen Running: ${JSON.stringify(log)}`);
    assert.ok(when(t, 'Succeeded') > when(t, 'Running'), `${t} Running then Succeeded`);
  }
  for (let i = 1; i < tasks.length; i++) {
    assert.ok(when(tasks[i], 'Running') >= when(tasks[i - 1], 'Succeeded'), `${tasks[i]} after ${tasks[i - 1]}`);
  }

  // The parameter given in the form reached the run.
  const wf = await page.evaluate(async (n) => (await fetch(`/api/v1/workflows/default/${n}`)).json(), name);
  const params = Object.fromEntries(wf.spec.arguments.parameters.map((p) => [p.name, p.value]));
  assert.equal(params.branch, 'release-1');
  await page.screenshot({ path: `${shots}/workflow.png` });

  // Find: by template, by phase, by name — what does not match is dimmed.
  const find = page.getByLabel('find nodes');
  const dimmed = () => page.locator('g.node[data-label]').evaluateAll((gs) =>
    gs.filter((g) => getComputedStyle(g).opacity < 0.5).map((g) => g.dataset.label).sort());
  await find.fill('build-image');
  const labels = await page.locator('g.node[data-label]').evaluateAll((gs) => gs.map((g) => g.dataset.label));
  assert.deepEqual(await dimmed(), labels.filter((l) => l !== 'build-docker').sort(), 'by template: only build-docker stays');
  await find.fill('succeeded');
  assert.deepEqual(await dimmed(), [], 'by phase: every node succeeded');
  await find.fill('push-d');
  assert.deepEqual(await dimmed(), labels.filter((l) => l !== 'push-docker').sort(), 'by name');
  await find.fill('');
  assert.deepEqual(await dimmed(), []);

  // The same run as a timeline (tasks in start order) and as YAML.
  await page.getByRole('tab', { name: 'Timeline' }).click();
  const bars = page.locator('.timeline .bar');
  assert.deepEqual(await bars.evaluateAll((bs) => bs.map((b) => b.dataset.label)), tasks);
  await page.screenshot({ path: `${shots}/workflow-timeline.png` });
  // All the tasks' logs in one, merged by time, each line with its task.
  await page.getByRole('tab', { name: 'Logs' }).click();
  await page.waitForURL(/[?&]tab=logs/);
  const all = page.getByRole('region', { name: 'logs of all tasks' });
  await all.locator('[data-lines]', { hasText: '(ended)' }).waitFor({ timeout: 10000 });
  const merged = (await all.locator('.log-lines').textContent()).split('\n').filter((l) => l !== '');
  assert.deepEqual(merged, [
    'checkout-code | Checking out release-1...', 'checkout-code | checked out',
    'build-docker | Building image for linux/amd64...', 'build-docker | step 1/4', 'build-docker | step 2/4',
    'build-docker | step 3/4', 'build-docker | step 4/4', 'build-docker | built',
    'push-docker | Pushing image...', 'push-docker | pushed',
  ]);
  await page.getByRole('tab', { name: 'YAML' }).click();
  const yaml = await page.getByLabel('the workflow as YAML').textContent();
  assert.match(yaml, /workflowTemplateRef:\n\s+name: ci-pipeline/);
  assert.match(yaml, /value: release-1/);
  // The chosen node's template, with the inputs it ran with.
  const own = page.locator('details[data-field="node-template"]');
  assert.match(await own.locator('summary').textContent(), /template of build-docker/);
  assert.match(await own.textContent(), /name: build-image[\s\S]*value: linux\/amd64/);
  // Copied whole.
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByRole('button', { name: 'Copy the workflow' }).click();
  await page.getByText('Copied.').waitFor();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(copied, /^metadata:/m);
  assert.match(copied, /workflowTemplateRef:\n\s+name: ci-pipeline/);
  await page.screenshot({ path: `${shots}/workflow-yaml.png` });

  // A second run of the template: its summary says how long the first took.
  const again = await page.evaluate(async () => {
    const csrf = (await (await fetch('/api/v1/userinfo')).json()).csrfToken;
    const r = await fetch('/api/v1/workflows/default/submit', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify({ resourceKind: 'WorkflowTemplate', resourceName: 'ci-pipeline' }),
    });
    return (await r.json()).metadata.name;
  });
  await page.goto(`${env.server.url}/workflows/default/${again}`);
  const estimate = page.getByRole('region', { name: 'run summary' }).locator('[data-estimate]');
  await estimate.waitFor({ timeout: 10000 });
  const seconds = Number(await estimate.getAttribute('data-estimate'));
  assert.ok(seconds >= 6 && seconds <= 15, `the first run took ${seconds} s`);
  assert.match(await estimate.textContent(), /the median of 1\)/);
  await context.close();
});
