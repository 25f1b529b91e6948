// A fresh `keelson server` for a test: a free port, a temporary data
// directory, a known administrator password; stopped with the test.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ADMIN_PASSWORD = 'e2e-admin-password';
export const KEELSON = process.env.KEELSON;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/// `args`: more `keelson server` arguments (e.g. `--templates DIR`).
export async function startServer({ args = [] } = {}) {
  if (!KEELSON) throw new Error('set KEELSON to the keelson binary (make test does)');
  // Not under /tmp: tasks get a private /tmp.
  const data = mkdtempSync(join(process.env.E2E_TMP || tmpdir(), 'keelson-e2e-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = [];
  const child = spawn(KEELSON, ['server', '--listen', `127.0.0.1:${port}`, '--data-dir', data, ...args], {
    env: { ...process.env, KEELSON_ADMIN_PASSWORD: ADMIN_PASSWORD, KEELSON_LOG: 'info' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.on('data', (d) => log.push(d.toString()));
  // Ready, and ours: /readyz answers on this port while our child lives.
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`keelson server exited:\n${log.join('')}`);
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    log: () => log.join(''),
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(data, { recursive: true, force: true });
    },
  };
}
