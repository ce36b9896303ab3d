// Starts the real server on a fresh SQLite data directory and waits until it is ready; starts the
// secrets sweep's records afresh.
import { rmSync, writeFileSync } from 'node:fs';
import { STATE_FILE, startServer, type E2eState } from './tests/support/server';
import { SECRETS_FILE, URLS_FILE } from './tests/support/guard';

export default async function globalSetup() {
  rmSync(SECRETS_FILE, { force: true });
  rmSync(URLS_FILE, { force: true });
  // Debug logging: the sweep should see everything the server could say.
  const s = await startServer(Number(process.env.E2E_PORT ?? 3917), { RUST_LOG: 'debug,hyper=info,hyper_util=info,h2=info,rustls=info' });
  const state: E2eState = { pid: s.pid, dataDir: s.dataDir, logFile: s.logFile, baseURL: s.baseURL };
  writeFileSync(STATE_FILE, JSON.stringify(state));
}
