// The UI's performance in the real browser, measured with the
// Performance API through Playwright: `make bench-ui` prints the tables
// for docs/performance.md. Goals: a 5,000-node workflow laid out in the
// WASM in ≤ 300 ms, the detail page's first paint ≤ 1.5 s on localhost,
// panning smooth, 100 node updates/s applied without freezing, the log
// responsive at 10,000 lines/s.
import { launch } from '../browser.mjs';
import { startServer, ADMIN_PASSWORD } from '../server.mjs';
import { submitWorkflow, wideWorkflow } from '../harness.mjs';

// Sleeping tasks cost nothing: let 2,000 run at once (the default is two
// per core).
const server = await startServer({ args: ['--task-parallelism', '2000'] });
// BENCH_ONLY=graph|huge|live|log runs one part.
const only = process.env.BENCH_ONLY;
const part = (name) => !only || only === name;
const browser = await launch();
const rows = [];
const row = (what, value, goal = '') => {
  rows.push([what, value, goal]);
  console.error(`${what}: ${value}`);
};

/// Long tasks (main thread busy ≥ 50 ms) and frame gaps, from now on.
const WATCH = () => {
  window.longTasks = [];
  new PerformanceObserver((l) => l.getEntries().forEach((e) => window.longTasks.push(e.duration)))
    .observe({ type: 'longtask', buffered: false });
  window.frames = [];
  let last = performance.now();
  const tick = (t) => { window.frames.push(t - last); last = t; requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  // When the graph first shows a box (in the server's HTML, as it is
  // parsed), and when the WASM has taken the page over.
  new MutationObserver(() => {
    if (window.firstBox === undefined && document.querySelector('g.node')) window.firstBox = performance.now();
    if (window.hydratedAt === undefined && document.querySelector('[data-hydrated="true"]')) window.hydratedAt = performance.now();
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-hydrated'] });
};

async function signedIn() {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const r = await context.request.post(`${server.url}/api/v1/login`, { data: { username: 'admin', password: ADMIN_PASSWORD } });
  if (!r.ok()) throw new Error(`login: ${r.status()}`);
  await context.addInitScript(WATCH);
  return context;
}

const stat = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  return { p50: at(0.5), p95: at(0.95), max: s.at(-1) ?? 0, sum: s.reduce((a, b) => a + b, 0), n: s.length };
};
const ms = (x) => `${x.toFixed(0)} ms`;

/// Wait until workflow `name` is in `phase`, asking the API from here
/// (a predicate that returns a promise would count as true at once).
async function waitPhase(page, name, phase, timeout = 300000) {
  const until = Date.now() + timeout;
  for (;;) {
    const r = await page.request.get(`${server.url}/api/v1/workflows/default/${name}?fields=status.phase`);
    if (r.ok() && (await r.json()).status?.phase === phase) return;
    if (Date.now() > until) throw new Error(`${name} is not ${phase} after ${timeout} ms`);
    await new Promise((done) => setTimeout(done, 500));
  }
}

/// Pan graph `name` on page `run` for a second: frame gaps and long
/// tasks while dragging.
async function pan(run, name) {
  const box = await run.locator('svg.graph-canvas').boundingBox();
  await run.evaluate(() => { window.frames = []; window.longTasks = []; });
  await run.mouse.move(box.x + 500, box.y + 300);
  await run.mouse.down();
  for (let i = 0; i < 60; i++) {
    await run.mouse.move(box.x + 500 - i * 5, box.y + 300 - i * 2);
    await run.waitForTimeout(16);
  }
  await run.mouse.up();
  const frames = stat(await run.evaluate(() => window.frames));
  const long = stat(await run.evaluate(() => window.longTasks));
  row(`${name}: panning, frame interval p50 / p95 / max`, `${ms(frames.p50)} / ${ms(frames.p95)} / ${ms(frames.max)}`);
  row(`${name}: panning, long tasks (count, longest)`, `${long.n}, ${ms(long.max)}`);
}

/// A layered DAG: `layers` × `width` tasks, each needing two of the layer
/// above.
function layered(name, layers, width) {
  const tasks = [];
  let seed = 12345;
  const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  for (let l = 0; l < layers; l++) {
    for (let j = 0; j < width; j++) {
      const deps = l === 0 ? [] : [...new Set([rnd(width), rnd(width)])].map((k) => `t${l - 1}-${k}`);
      tasks.push({ name: `t${l}-${j}`, template: 'work', ...(deps.length ? { dependencies: deps } : {}) });
    }
  }
  return { metadata: { name }, spec: { entrypoint: 'main', templates: [
    { name: 'main', dag: { tasks } },
    { name: 'work', container: { image: 'alpine', command: ['true'] } },
  ] } };
}

// 1. Finished 5,000-node workflows: first paint, layout, unfold, pan.
if (part('graph')) {
  const context = await signedIn();
  const page = await context.newPage();
  await page.goto(`${server.url}/api/v1/version`);
  await submitWorkflow(page, wideWorkflow('wide-5000', 4998));
  await submitWorkflow(page, layered('layered-5000', 50, 100));
  await waitPhase(page, 'wide-5000', 'Succeeded');
  await waitPhase(page, 'layered-5000', 'Succeeded');

  for (const [name, fold] of [['wide-5000', true], ['layered-5000', false]]) {
    const run = await context.newPage();
    await run.goto(`${server.url}/workflows/default/${name}?tab=graph`);
    await run.waitForFunction(() => window.firstBox !== undefined, null, { timeout: 60000 });
    const first = await run.evaluate(() => window.firstBox);
    const nodes = await run.locator('svg.graph-canvas').getAttribute('data-nodes');
    row(`${name}: first paint of the graph (navigation → first box; ${nodes} boxes)`, ms(first), '≤ 1,500 ms');
    // Where that time went: the server's page (the run rendered in it,
    // and its data for the WASM), the WASM, hydration.
    await run.waitForFunction(() => window.hydratedAt !== undefined, null, { timeout: 60000 });
    const timing = await run.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const wasm = performance.getEntriesByType('resource').filter((e) => /keelson_bg\.wasm/.test(e.name)).at(-1);
      return { html: nav.responseEnd, bytes: nav.transferSize, wasm: wasm?.responseEnd ?? 0, hydrated: window.hydratedAt };
    });
    row(`${name}: … page received (${(timing.bytes / 1024).toFixed(0)} KiB) / WASM loaded / live (hydrated)`, `${ms(timing.html)} / ${ms(timing.wasm)} / ${ms(timing.hydrated)}`);
    if (fold) {
      row(`${name}: layout in WASM, folded (${nodes} boxes)`, `${await run.locator('svg.graph-canvas').getAttribute('data-layout-ms')} ms`);
      const t0 = await run.evaluate(() => performance.now());
      await run.locator('g.node.folded').click();
      await run.waitForFunction(() => document.querySelectorAll('g.node').length >= 5000, null, { timeout: 60000 });
      const t1 = await run.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(performance.now()))));
      row(`${name}: unfold to 5,001 boxes (click → painted)`, ms(t1 - t0));
    }
    const layoutMs = await run.locator('svg.graph-canvas').getAttribute('data-layout-ms');
    row(`${name}: layout in WASM, ${await run.locator('svg.graph-canvas').getAttribute('data-nodes')} boxes`, `${layoutMs} ms`, '≤ 300 ms');

    await pan(run, name);
    await run.close();
  }
  await context.close();
}

// 1b. A finished 20,000-node workflow: first paint, layout, pan.
if (part('huge')) {
  const context = await signedIn();
  const page = await context.newPage();
  await page.goto(`${server.url}/api/v1/version`);
  await submitWorkflow(page, layered('layered-20000', 200, 100));
  await waitPhase(page, 'layered-20000', 'Succeeded', 1800000);
  const run = await context.newPage();
  await run.goto(`${server.url}/workflows/default/layered-20000?tab=graph`);
  await run.waitForFunction(() => window.firstBox !== undefined, null, { timeout: 120000 });
  const nodes = await run.locator('svg.graph-canvas').getAttribute('data-nodes');
  row(`layered-20000: first paint of the graph (navigation → first box; ${nodes} boxes)`, ms(await run.evaluate(() => window.firstBox)), '≤ 1,500 ms');
  await run.waitForFunction(() => window.hydratedAt !== undefined, null, { timeout: 120000 });
  const timing = await run.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return { html: nav.responseEnd, bytes: nav.transferSize, hydrated: window.hydratedAt };
  });
  row(`layered-20000: … page received (${(timing.bytes / 1024).toFixed(0)} KiB) / live (hydrated)`, `${ms(timing.html)} / ${ms(timing.hydrated)}`);
  row(`layered-20000: layout in WASM, ${await run.locator('svg.graph-canvas').getAttribute('data-nodes')} boxes`, `${await run.locator('svg.graph-canvas').getAttribute('data-layout-ms')} ms`, '≤ 500 ms');
  await pan(run, 'layered-20000');
  await context.close();
}

// 2. Live updates: 2,000 tasks finishing at ~100 per second for 20 s
// while the unfolded graph is on screen.
if (part('live')) {
  const context = await signedIn();
  const page = await context.newPage();
  await page.goto(`${server.url}/api/v1/version`);
  await submitWorkflow(page, wideWorkflow('live-2000', 2000, ['sh', '-c', 'sleep $(( {{inputs.parameters.n}} % 20 + 2 ))']));
  await page.goto(`${server.url}/workflows/default/live-2000?tab=graph`);
  await page.locator('g.node.folded').waitFor({ timeout: 60000 });
  await page.locator('g.node.folded').click();
  await page.waitForFunction(() => document.querySelectorAll('g.node').length >= 2000, null, { timeout: 60000 });
  await page.evaluate(() => {
    window.frames = []; window.longTasks = []; window.changes = 0;
    new MutationObserver((records) => { window.changes += records.length; })
      .observe(document.querySelector('svg.graph-canvas'), { subtree: true, attributes: true, attributeFilter: ['data-phase'] });
    window.watchStart = performance.now();
  });
  await page.locator('.badge[data-phase="Succeeded"]').waitFor({ timeout: 120000 });
  const r = await page.evaluate(() => ({ changes: window.changes, seconds: (performance.now() - window.watchStart) / 1000, frames: window.frames, long: window.longTasks }));
  const frames = stat(r.frames);
  const long = stat(r.long);
  row('2,000 running tasks: node phase changes applied', `${r.changes} in ${r.seconds.toFixed(1)} s (${(r.changes / r.seconds).toFixed(0)}/s)`, '100/s without freezing');
  row('2,000 running tasks: frame interval p50 / p95 / max', `${ms(frames.p50)} / ${ms(frames.p95)} / ${ms(frames.max)}`);
  row('2,000 running tasks: long tasks (count, total, longest)', `${long.n}, ${ms(long.sum)}, ${ms(long.max)}`);
  await context.close();
}

// 3. A log written at 10,000 lines/s for 5 s, followed in the node panel.
if (part('log')) {
  const context = await signedIn();
  const page = await context.newPage();
  await page.goto(`${server.url}/api/v1/version`);
  const script = 'sleep 2; i=0; while [ $i -lt 250 ]; do seq -f "line %g of a fast log" 1 200; sleep 0.02; i=$((i+1)); done';
  await submitWorkflow(page, { metadata: { name: 'chatty' }, spec: { entrypoint: 'main', templates: [
    { name: 'main', container: { image: 'alpine', command: ['sh', '-c', script] } }] } });
  await page.goto(`${server.url}/workflows/default/chatty?tab=graph`);
  const node = page.locator('g.node[data-label="chatty"]');
  await node.waitFor({ timeout: 30000 });
  await node.click();
  await page.evaluate(() => { window.frames = []; window.longTasks = []; window.logStart = performance.now(); });
  await page.locator('.badge[data-phase="Succeeded"]').waitFor({ timeout: 120000 });
  await page.waitForFunction(() => document.querySelector('[data-lines]')?.dataset.lines === '50000', null, { timeout: 60000 });
  const r = await page.evaluate(() => ({ seconds: (performance.now() - window.logStart) / 1000, frames: window.frames, long: window.longTasks, shown: [...document.querySelectorAll('.log-lines .block')].reduce((n, b) => n + Number(b.dataset.lines), 0) }));
  const frames = stat(r.frames);
  const long = stat(r.long);
  row('log at 10,000 lines/s: lines received / kept on the page', `50,000 in ${r.seconds.toFixed(1)} s / ${r.shown}`);
  row('log at 10,000 lines/s: frame interval p50 / p95 / max', `${ms(frames.p50)} / ${ms(frames.p95)} / ${ms(frames.max)}`, 'responsive');
  row('log at 10,000 lines/s: long tasks (count, total, longest)', `${long.n}, ${ms(long.sum)}, ${ms(long.max)}`);
  await context.close();
}

await browser.close();
await server.stop();
console.log('| measure | value | goal |\n|---|---:|---|');
for (const [what, value, goal] of rows) console.log(`| ${what} | ${value} | ${goal} |`);
