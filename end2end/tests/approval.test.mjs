// An approval step: the run's graph shows the step waiting with its own
// glyph and the steps after it as ghosts; the node panel resumes it, and
// the ghosts become the tasks that ran.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, signIn, submitWorkflow, shots } from '../harness.mjs';
import { openHydrated } from '../browser.mjs';

const env = useServerAndBrowser();

test('a waiting approval is resumed from its node, and the plan after it runs', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await signIn(context, env.server.url);
  assert.equal(await submitWorkflow(page, { metadata: { name: 'release' }, spec: { entrypoint: 'main',
    templates: [
      { name: 'main', steps: [
        [{ name: 'build', template: 'work' }],
        [{ name: 'approve', template: 'wait' }],
        [{ name: 'deploy', template: 'work' }, { name: 'announce', template: 'work' }],
      ] },
      { name: 'wait', suspend: {} },
      { name: 'work', container: { image: 'alpine', command: ['true'] } },
    ] } }), 200);
  const run = await openHydrated(context, `${env.server.url}/workflows/default/release?tab=graph`);
  const approve = run.locator('g.node[data-label="approve"]');
  await approve.locator('use.glyph[href="#glyph-run-Waiting"]').waitFor({ timeout: 30000 });
  assert.equal(await approve.getAttribute('data-kind'), 'suspend');
  // The last group is not started: a ghost group with its two steps.
  const ghosts = run.locator('g.node.ghost');
  assert.deepEqual((await ghosts.evaluateAll((gs) => gs.map((g) => g.dataset.label))).sort(),
    ['[2]', 'announce', 'deploy']);
  await run.screenshot({ path: `${shots}/workflow-approval.png` });

  // The page chose the waiting step; its panel resumes it.
  const panel = run.getByRole('complementary', { name: 'node details' });
  await panel.getByRole('heading', { name: 'approve' }).waitFor();
  await panel.getByRole('button', { name: 'Resume this step' }).click();
  await run.locator('.badge[data-phase="Succeeded"]').waitFor({ timeout: 30000 });
  await run.locator('g.node[data-label="deploy"][data-phase="Succeeded"]').waitFor();
  assert.equal(await ghosts.count(), 0);
  assert.equal(await approve.locator('use.glyph').getAttribute('href'), '#glyph-run-Succeeded');
  // Its events, from the run's journal: resumed, when.
  const events = panel.getByRole('list', { name: 'node events' });
  await events.locator('li[data-reason="Resumed"]').waitFor();
  assert.match(await events.locator('li[data-reason="Resumed"]').textContent(), /^\d\d:\d\d:\d\d Resumed resumed$/);
  assert.equal(await panel.getByRole('button', { name: 'Resume this step' }).count(), 0,
    'a resumed step has nothing to resume');
  assert.deepEqual(run.broken, []);
  await context.close();
});
