import { readFileSync, rmSync } from 'node:fs';
import { STATE_FILE, type E2eState } from './tests/support/server';

export default async function globalTeardown() {
  const state: E2eState = JSON.parse(readFileSync(STATE_FILE, 'utf8'));
  try {
    process.kill(state.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  if (!process.env.E2E_KEEP_DATA) rmSync(state.dataDir, { recursive: true, force: true });
  rmSync(STATE_FILE, { force: true });
}
