// The server under test, and operator commands run against its data directory.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
