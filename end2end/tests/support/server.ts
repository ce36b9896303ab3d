// The server under test, and operator commands run against its data directory.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const BINARY = process.env.GATEHOUSE_BIN ?? resolve(__dirname, '../../../target/debug/gatehouse');
export const STATE_FILE = join(__dirname, '../../.e2e-state.json');

export interface E2eState {
  pid: number;
  dataDir: string;
  logFile: string;
  baseURL: string;
}

export function state(): E2eState {
  return JSON.parse(readFileSync(STATE_FILE, 'utf8'));
}

/** Runs `gatehouse <args>` as an operator would, against the test server's data directory. */
export function gatehouse(...args: string[]): string {
  const s = state();
  return execFileSync(BINARY, args, {
    env: { ...process.env, GATEHOUSE_DATA_DIR: s.dataDir, GATEHOUSE_PUBLIC_URL: s.baseURL, RUST_LOG: 'warn' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/** A fresh one-time link that creates an admin account. */
export function bootstrapLink(): string {
  return gatehouse('admin', 'bootstrap');
}

export interface RunningServer extends E2eState {
  stop(): void;
}

/** Starts `gatehouse serve` on a fresh data directory and waits for /readyz. */
export async function startServer(port: number, env: Record<string, string> = {}): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-'));
  const logFile = join(dataDir, 'server.log');
  const out = openSync(logFile, 'a');
  const baseURL = `http://localhost:${port}`;
  const child = spawn(BINARY, ['serve'], {
    env: {
      ...process.env,
      GATEHOUSE_LISTEN: `127.0.0.1:${port}`,
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_PUBLIC_URL: baseURL,
      RUST_LOG: 'info',
      ...env,
    },
    stdio: ['ignore', out, out],
    detached: true,
  });
  child.unref();
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${baseURL}/readyz`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`the server did not become ready; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    pid: child.pid!,
    dataDir,
    logFile,
    baseURL,
    stop() {
      try {
        process.kill(child.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      if (!process.env.E2E_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `gatehouse admin bootstrap` against another server's data directory. */
export function bootstrapLinkFor(s: E2eState): string {
  return execFileSync(BINARY, ['admin', 'bootstrap'], {
    env: { ...process.env, GATEHOUSE_DATA_DIR: s.dataDir, GATEHOUSE_PUBLIC_URL: s.baseURL, RUST_LOG: 'warn' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/**
 * Runs one SQL statement on the test server's SQLite file, as a test's way to move data back in
 * time (e.g. a token last used 91 days ago); never used to check what the UI shows.
 */
export function sql(statement: string): void {
  execFileSync('sqlite3', [join(state().dataDir, 'gatehouse.db'), statement], { stdio: ['ignore', 'pipe', 'pipe'] });
}
