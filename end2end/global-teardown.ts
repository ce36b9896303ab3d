import { readFileSync, rmSync } from 'node:fs';
import { STATE_FILE, type E2eState } from './tests/support/server';
import { SECRETS_FILE, URLS_FILE } from './tests/support/guard';
import { sweep } from './secrets-sweep';

export default async function globalTeardown() {
  const state: E2eState = JSON.parse(readFileSync(STATE_FILE, 'utf8'));
  try {
    process.kill(state.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  // Give the server its moment to write its last lines before the log is read.
  await new Promise((r) => setTimeout(r, 500));
  const leaks = sweep(state.logFile, { inLog: state.dataDir, inUrls: state.baseURL });
  if (!process.env.E2E_KEEP_DATA) {
    rmSync(state.dataDir, { recursive: true, force: true });
    rmSync(SECRETS_FILE, { force: true });
    rmSync(URLS_FILE, { force: true });
  }
  rmSync(STATE_FILE, { force: true });
  if (leaks.length > 0) throw new Error(`secrets leaked:\n${leaks.join('\n')}`);
}
