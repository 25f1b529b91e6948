// A 2,000-task fan-out: drawn folded ("N hidden nodes"), unfolded on a
// click into all its boxes, and the view pans by dragging and zooms with
// the wheel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openHydrated } from '../browser.mjs';
import { useServerAndBrowser, signIn, shots, submitWorkflow, wideWorkflow } from '../harness.mjs';

const env = useServerAndBrowser();

test('a 2,000-node workflow renders, unfolds and can be panned and zoomed', async () => {
  const context = await env.browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await signIn(context, env.server.url);
  const status = await submitWorkflow(page, wideWorkflow('wide', 2000));
  assert.equal(status, 200);

  const run = await openHydrated(context, `${env.server.url}/workflows/default/wide?tab=graph`);
  await run.locator('.badge[data-phase="Succeeded"]').waitFor({ timeout: 120000 });
  const folded = run.locator('g.node.folded');
  await folded.waitFor();
  assert.equal(await folded.getAttribute('data-label'), '1992 hidden nodes');
  await folded.click();
  const canvas = run.locator('svg.graph-canvas');
  await run.waitForFunction(() => document.querySelector('svg.graph-canvas')?.dataset.nodes === '2003', null, { timeout: 30000 });
  assert.equal(await run.locator('g.node').count(), 2003);
  assert.equal(await run.locator('g.node[data-phase="Succeeded"]').count(), 2003);
  // Seen from this far, the boxes are drawn as one path per phase (the
  // boxes stay in the page, hidden); a click there picks the box drawn
  // under it.
  assert.equal(await canvas.getAttribute('data-far'), 'true');
  assert.equal(await run.locator('svg.graph-canvas .far-boxes path[data-phase="Succeeded"]').count(), 1);
  assert.equal((await run.locator('svg.graph-canvas .far-boxes path[data-phase="Succeeded"]').getAttribute('d')).split('M').length - 1, 2003);

  // Where a box is on the screen, from the drawing (seen from far, the
  // boxes are out of the page's layout).
  const centreOf = (label) => run.evaluate((label) => {
    const svg = document.querySelector('svg.graph-canvas');
    const g = svg.querySelector(`g.node[data-label="${label}"]`);
    const [tx, ty] = g.getAttribute('transform').match(/translate\(([-\d.]+),([-\d.]+)\)/).slice(1).map(Number);
    const rect = g.querySelector('rect');
    const [w, h] = [Number(rect.getAttribute('width')), Number(rect.getAttribute('height'))];
    const [px, py] = svg.dataset.pan.split(',').map(Number);
    const s = Number(svg.dataset.scale);
    const r = svg.getBoundingClientRect();
    return { x: r.x + px + (tx + w / 2) * s, y: r.y + py + (ty + h / 2) * s, width: w * s };
  }, label);

  // Drag to pan: the view moves by what the pointer moved.
  const box = await canvas.boundingBox();
  const before = (await canvas.getAttribute('data-pan')).split(',').map(Number);
  await run.mouse.move(box.x + 400, box.y + 300);
  await run.mouse.down();
  await run.mouse.move(box.x + 250, box.y + 260, { steps: 5 });
  await run.mouse.up();
  const after = (await canvas.getAttribute('data-pan')).split(',').map(Number);
  assert.deepEqual([after[0] - before[0], after[1] - before[1]], [-150, -40]);

  // The wheel zooms in around the pointer (here: a box in the middle of
  // the fan-out): the point of the drawing under the pointer stays under
  // it. The page itself does not scroll.
  const view = async () => {
    const [x, y] = (await canvas.getAttribute('data-pan')).split(',').map(Number);
    return { x, y, scale: Number(await canvas.getAttribute('data-scale')) };
  };
  const start = await view();
  const middle = await run.locator('g.node').nth(1000).getAttribute('data-label');
  const target = await centreOf(middle);
  const pointer = { x: target.x - box.x, y: target.y - box.y };
  await run.mouse.move(box.x + pointer.x, box.y + pointer.y);
  for (let i = 0; i < 12; i++) await run.mouse.wheel(0, -300);
  await run.waitForFunction((s) => Number(document.querySelector('svg.graph-canvas').dataset.scale) > s * 50, start.scale);
  const end = await view();
  const world = (v) => [(pointer.x - v.x) / v.scale, (pointer.y - v.y) / v.scale];
  const [a, b] = [world(start), world(end)];
  // (Within a pixel at the scale the zoom started from.)
  assert.ok(Math.abs(a[0] - b[0]) < 1 / start.scale && Math.abs(a[1] - b[1]) < 1 / start.scale,
    `the point under the pointer stayed: ${JSON.stringify([pointer, start, end, a, b])}`);
  assert.ok((await centreOf(middle)).width > target.width * 10, 'the box grew');
  // The overview: the whole drawing small, the part in view outlined; a
  // click there brings that part to the canvas's centre.
  const minimap = run.locator('svg.minimap');
  const [, , drawingW, drawingH] = (await minimap.getAttribute('viewBox')).split(' ').map(Number);
  const seen = Number(await minimap.locator('rect.seen').getAttribute('width'));
  assert.ok(seen < drawingW / 10, `zoomed in, the outline is small: ${seen} of ${drawingW}`);
  const map = await minimap.boundingBox();
  await run.mouse.click(map.x + map.width * 0.1, map.y + map.height * 0.5);
  const after2 = await view();
  const centreX = (box.width / 2 - after2.x) / after2.scale;
  const centreY = (box.height / 2 - after2.y) / after2.scale;
  assert.ok(Math.abs(centreX - drawingW * 0.1) < drawingW / map.width * 2, `centred across: ${centreX} ≈ ${drawingW * 0.1}`);
  assert.ok(Math.abs(centreY - drawingH * 0.5) < drawingH / map.height * 2, `centred down: ${centreY} ≈ ${drawingH * 0.5}`);
  assert.equal(await run.evaluate(() => window.scrollY), 0);
  await run.screenshot({ path: `${shots}/workflow-large.png` });

  // Folded again, all unfolded in one click; the succeeded tasks left
  // out (the DAG and the loop's group stay).
  const boxes = (n) => run.waitForFunction((n) => document.querySelector('svg.graph-canvas')?.dataset.nodes === n, n, { timeout: 30000 });
  const options = run.getByRole('toolbar', { name: 'what the graph shows' });
  await options.getByRole('button', { name: 'Fold fan-outs' }).click();
  await boxes('12');
  await options.getByRole('button', { name: 'Unfold all' }).click();
  await boxes('2003');
  await options.getByLabel('Hide succeeded tasks').check();
  await boxes('2');
  await options.getByLabel('Hide succeeded tasks').uncheck();
  await boxes('2003');

  // Fitted again, then zoomed in a little: still far, and a click picks
  // the box drawn under it.
  await run.getByRole('button', { name: 'Fit', exact: true }).click();
  await run.waitForFunction(() => document.querySelector('svg.graph-canvas').dataset.far === 'true');
  const centre = () => centreOf('gather');
  let gather = await centre();
  const fitted = Number(await canvas.getAttribute('data-scale'));
  await run.mouse.move(gather.x, gather.y);
  for (let i = 0; i < 6; i++) await run.mouse.wheel(0, -300);
  await run.waitForFunction((s) => Number(document.querySelector('svg.graph-canvas').dataset.scale) > s * 10, fitted);
  assert.equal(await canvas.getAttribute('data-far'), 'true');
  gather = await centre();
  // A drag that ends over a box moves the view and picks nothing.
  const chosenBefore = new URL(run.url()).searchParams.get('node');
  await run.mouse.move(gather.x + 60, gather.y + 30);
  await run.mouse.down();
  await run.mouse.move(gather.x + 30, gather.y + 15, { steps: 3 });
  await run.mouse.move(gather.x, gather.y, { steps: 3 });
  await run.mouse.up();
  await run.waitForTimeout(300);
  assert.equal(new URL(run.url()).searchParams.get('node'), chosenBefore, 'a drag picks nothing');
  gather = await centre();
  await run.mouse.click(gather.x, gather.y);
  await run.getByRole('complementary', { name: 'node details' }).getByRole('heading', { name: 'gather' }).waitFor();
  await run.locator('svg.graph-canvas .far-boxes path.far-chosen').waitFor();
  await context.close();
});
