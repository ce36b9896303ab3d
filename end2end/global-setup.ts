// Starts the real server on a fresh SQLite data directory and waits until it is ready.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BINARY, STATE_FILE, type E2eState } from './tests/support/server';

export default async function globalSetup() {
  const port = Number(process.env.E2E_PORT ?? 3917);
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-'));
  const logFile = join(dataDir, 'server.log');
  const out = openSync(logFile, 'a');
  const child = spawn(BINARY, ['serve'], {
    env: {
      ...process.env,
      GATEHOUSE_LISTEN: `127.0.0.1:${port}`,
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_PUBLIC_URL: `http://localhost:${port}`,
      RUST_LOG: 'info',
    },
    stdio: ['ignore', out, out],
    detached: true,
  });
  child.unref();
  const state: E2eState = { pid: child.pid!, dataDir, logFile, baseURL: `http://localhost:${port}` };
  writeFileSync(STATE_FILE, JSON.stringify(state));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${state.baseURL}/readyz`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the server did not become ready; see ${logFile}`);
}
