// A long log: the page keeps the last 5,000 lines, says how many earlier
// ones it does not show, and "Show earlier lines" puts them back, in
// order, until the first line is there again; a filter marks its matches;
// the view follows the end until the reader scrolls up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServerAndBrowser, signIn, submitWorkflow } from '../harness.mjs';
import { openHydrated } from '../browser.mjs';

const env = useServerAndBrowser();

test('earlier lines of a long log can be brought back', async () => {
  // A viewer half an hour off UTC: the log's times are on their clock.
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 900 }, timezoneId: 'Asia/Kolkata' });
  const page = await signIn(context, env.server.url);
  const status = await submitWorkflow(page, { metadata: { name: 'long-log' }, spec: { entrypoint: 'count',
    templates: [{ name: 'count', container: { image: 'alpine', command: ['seq', '1', '12000'] } }] } });
  assert.equal(status, 200);
  const run = await openHydrated(context, `${env.server.url}/workflows/default/long-log?tab=graph`);
  await run.locator('.badge[data-phase="Succeeded"]').waitFor({ timeout: 30000 });
  await run.locator('g.node[data-label="long-log"]').click();
  const panel = run.getByRole('complementary', { name: 'node details' });
  await panel.locator('[data-lines="12000"]', { hasText: '(ended)' }).waitFor({ timeout: 30000 });
  const lines = panel.locator('.log-lines');
  const first = async () => (await lines.textContent()).split('\n')[0];
  const shown = async () => (await lines.textContent()).split('\n').filter((l) => l !== '').length;
  // Lines arrive (and leave) in blocks: at most 5,000 stay.
  const hidden = async () => {
    const text = await panel.locator('p.hint', { hasText: 'earlier lines not shown' }).textContent();
    return Number(text.match(/^(\d+) earlier lines not shown/)[1]);
  };
  let before = await hidden();
  assert.ok(before >= 7000, `${before} hidden`);
  assert.equal(await shown(), 12000 - before, 'all the others are on the page');
  assert.equal(await first(), String(before + 1));

  // It follows the end; scrolled up it stops, "Jump to the end" goes back.
  const atEnd = () => { const p = document.querySelector('.log-lines'); return p && p.scrollTop + p.clientHeight >= p.scrollHeight - 4; };
  await run.waitForFunction(atEnd);
  await lines.evaluate((p) => { p.scrollTop = 0; });
  const jump = panel.getByRole('button', { name: 'Jump to the end' });
  await jump.waitFor();
  await jump.click();
  await run.waitForFunction(atEnd);
  await jump.waitFor({ state: 'detached' });
  // Long lines wrap, or not.
  await panel.getByLabel('Wrap lines').uncheck();
  assert.match(await lines.getAttribute('class'), /nowrap/);
  await panel.getByLabel('Wrap lines').check();
  assert.doesNotMatch(await lines.getAttribute('class'), /nowrap/);
  // Each line's time on request, in the viewer's time zone.
  await panel.getByLabel('Timestamps').check();
  const [clock, text] = (await first()).split(' ');
  assert.equal(text, String(before + 1));
  const seconds = (hms) => hms.split(':').reduce((s, p) => s * 60 + Number(p), 0);
  const there = new Date().toLocaleTimeString('en-GB', { timeZone: 'Asia/Kolkata', hour12: false });
  const apart = Math.abs(seconds(there) - seconds(clock));
  assert.ok(Math.min(apart, 86400 - apart) < 120, `written at ${clock}, now ${there} in Kolkata`);
  await panel.getByLabel('Timestamps').uncheck();
  assert.equal(await first(), String(before + 1));
  let clicks = 0;
  while (before > 0) {
    const n = Math.min(before, 5000);
    await panel.getByRole('button', { name: `Show ${n} earlier lines` }).click();
    before -= n;
    clicks += 1;
    if (before > 0) await panel.getByText(`${before} earlier lines not shown`).waitFor();
    assert.equal(await first(), String(before + 1), 'earlier lines in front, in order');
  }
  assert.ok(clicks >= 2);
  await panel.getByRole('button', { name: /earlier lines/ }).waitFor({ state: 'detached' });
  assert.equal(await first(), '1', 'back to the first line');
  const all = (await lines.textContent()).split('\n').filter((l) => l !== '');
  assert.equal(all.length, 12000);
  assert.ok(all.every((l, i) => l === String(i + 1)), 'every line once, in order');

  // The filter keeps the matching lines, their matches marked.
  await panel.getByLabel('filter log lines').fill('1200');
  const kept = (await lines.textContent()).split('\n').filter((l) => l !== '');
  assert.deepEqual(kept, ['1200', '11200', '12000']);
  assert.deepEqual(await lines.locator('mark').allTextContents(), ['1200', '1200', '1200']);
  // Matches counted; Next and Previous step through them.
  await panel.getByLabel('filter log lines').fill('999');
  await panel.getByText('21 matching lines').waitFor();
  await panel.getByRole('button', { name: 'Next' }).click();
  assert.equal(await lines.locator('mark').first().getAttribute('data-current'), 'true');
  await panel.getByRole('button', { name: 'Previous' }).click();
  assert.equal(await lines.locator('mark').last().getAttribute('data-current'), 'true');
  assert.equal(await lines.locator('mark[data-current]').count(), 1);
  await context.close();
});

test('JSON log lines are shown as their fields on request', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await signIn(context, env.server.url);
  const status = await submitWorkflow(page, { metadata: { name: 'json-log' }, spec: { entrypoint: 'say',
    templates: [{ name: 'say', container: { image: 'alpine', command: ['echo', '{"msg":"hi","level":"info"}'] } }] } });
  assert.equal(status, 200);
  const run = await openHydrated(context, `${env.server.url}/workflows/default/json-log?tab=logs`);
  const all = run.getByRole('region', { name: 'logs of all tasks' });
  await all.locator('[data-lines]', { hasText: '(ended)' }).waitFor({ timeout: 30000 });
  const lines = all.locator('.log-lines');
  assert.match(await lines.textContent(), /\| \{"msg":"hi","level":"info"\}\n$/);
  await all.getByLabel('JSON as fields').check();
  assert.match(await lines.textContent(), /\| msg=hi level=info\n$/);
  await context.close();
});
