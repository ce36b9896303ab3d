// Starts the real server on a fresh SQLite data directory and waits until it is ready.
import { writeFileSync } from 'node:fs';
import { STATE_FILE, startServer, type E2eState } from './tests/support/server';

export default async function globalSetup() {
  const s = await startServer(Number(process.env.E2E_PORT ?? 3917));
  const state: E2eState = { pid: s.pid, dataDir: s.dataDir, logFile: s.logFile, baseURL: s.baseURL };
  writeFileSync(STATE_FILE, JSON.stringify(state));
}
