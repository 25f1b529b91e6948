// Every page passes an automated accessibility audit (axe-core, WCAG 2
// A and AA rules): no serious or critical violation, signed in as an
// administrator, in the light and the dark theme. Each page's screenshot
// in each theme is taken on the way (docs/screenshots/pages).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { useServerAndBrowser, signIn, submitWorkflow, shots, apiPost } from '../harness.mjs';
import { openHydrated } from '../browser.mjs';

const require = createRequire(import.meta.url);
const axePath = require.resolve('axe-core/axe.min.js');
const examples = fileURLToPath(new URL('../../examples', import.meta.url));
const env = useServerAndBrowser({ args: ['--templates', examples] });

/// The serious and critical violations on `page`, one line each.
async function audit(page) {
  await page.addScriptTag({ path: axePath });
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}

test('every page has no serious or critical accessibility violation, in both themes', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await signIn(context, env.server.url);
  const step = (name, command) => ({ name, container: { image: 'alpine', command: ['sh', '-c', command] } });
  assert.equal(await submitWorkflow(page, { metadata: { name: 'audited' }, spec: { entrypoint: 'main', templates: [
    { name: 'main', dag: { tasks: [{ name: 'a', template: 'a' }, { name: 'b', template: 'b', dependencies: ['a'] }] } },
    step('a', 'echo a'), step('b', 'echo b; exit 1'),
  ] } }), 200);
  const run = await openHydrated(context, `${env.server.url}/workflows/default/audited`);
  await run.locator('.badge[data-phase="Failed"]').waitFor({ timeout: 30000 });
  await run.close();
  const cron = await apiPost(page, '/api/v1/cron-workflows/default', { cronWorkflow: { metadata: { name: 'nightly' }, spec: {
    schedule: '0 2 * * *',
    workflowSpec: { entrypoint: 'main', templates: [{ name: 'main', container: { image: 'alpine', command: ['true'] } }] } } } });
  assert.equal(cron, 200);
  const pages = ['/login', '/workflows', '/templates', '/templates/default/ci-pipeline', '/cron-workflows',
    '/cron-workflows/default/nightly', '/secrets', '/account', '/editor',
    ...['summary', 'graph', 'timeline', 'logs', 'yaml'].map((t) => `/workflows/default/audited?tab=${t}`)];
  const found = [];
  for (const theme of ['light', 'dark']) {
    for (const path of pages) {
      const p = await openHydrated(context, `${env.server.url}${path}`);
      await p.evaluate((t) => document.documentElement.setAttribute('data-theme', t), theme);
      mkdirSync(`${shots}/pages`, { recursive: true });
      const slug = path.replace(/^\/workflows\/default\/audited\?tab=/, 'run-').replace(/^\//, '').replace(/\/default\//, '-');
      await p.screenshot({ path: `${shots}/pages/${theme}-${slug}.png` });
      const violations = await audit(p);
      console.log(`axe ${theme} ${path}: ${violations.length} serious or critical`);
      for (const v of violations) found.push(`${theme} ${path}: ${v}`);
      await p.close();
    }
  }
  assert.deepEqual(found, []);
  await context.close();
});
