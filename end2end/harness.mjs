// What every browser test file needs: its own server and browser for the
// file (started before, stopped after), a place for screenshots, and
// signing in through the page.
import { before, after } from 'node:test';
import { mkdirSync } from 'node:fs';
import { startServer, ADMIN_PASSWORD } from './server.mjs';
import { launch, openHydrated } from './browser.mjs';

export const shots = process.env.E2E_SCREENSHOTS || 'screenshots';

/// Register the file's server (with `options`, see `startServer`) and
/// browser; the returned object has `server` and `browser` once started.
export function useServerAndBrowser(options) {
  const env = {};
  before(async () => {
    mkdirSync(shots, { recursive: true });
    env.server = await startServer(options);
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

/// Sign in as the administrator through the page; the page it lands on.
export async function signIn(context, url) {
  const page = await openHydrated(context, `${url}/login`);
  await page.getByLabel('User').fill('admin');
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${url}/workflows`);
  return page;
}

/// Create `workflow` through the API with the page's session (as any
/// other client would); the HTTP status.
export async function submitWorkflow(page, workflow) {
  return page.evaluate(async (workflow) => {
    const csrf = (await (await fetch('/api/v1/userinfo')).json()).csrfToken;
    const r = await fetch('/api/v1/workflows/default', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify({ workflow }),
    });
    return r.status;
  }, workflow);
}

/// POST `body` as JSON to API `path` with the page's session and CSRF
/// token; the HTTP status.
export async function apiPost(page, path, body) {
  return page.evaluate(async ([path, body]) => {
    const csrf = (await (await fetch('/api/v1/userinfo')).json()).csrfToken;
    const r = await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body),
    });
    return r.status;
  }, [path, body]);
}

/// A fan-out of `count` tasks running `command` (which may use
/// `{{inputs.parameters.n}}`, the task's number), then one gathering task.
export function wideWorkflow(name, count, command = ['true']) {
  return {
    metadata: { name },
    spec: {
      entrypoint: 'main',
      templates: [
        { name: 'main', dag: { tasks: [
          { name: 'shard', template: 'work', withSequence: { count: String(count) },
            arguments: { parameters: [{ name: 'n', value: '{{item}}' }] } },
          { name: 'gather', template: 'work', dependencies: ['shard'], arguments: { parameters: [{ name: 'n', value: '0' }] } },
        ] } },
        { name: 'work', inputs: { parameters: [{ name: 'n' }] }, container: { image: 'alpine', command } },
      ],
    },
  };
}
