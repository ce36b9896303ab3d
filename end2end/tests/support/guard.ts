// Every test runs under two watches. CSP and crashes: a page that logs a Content Security Policy
// violation, throws an uncaught error or panics in its wasm (a failed hydration does) fails its
// test. Secrets: what a test creates (passwords, TOTP seeds and codes, recovery codes,
// tokens, client secrets, e-mail addresses) is remembered with `remember`, and every URL the
// browser requested or was redirected to is recorded; the global teardown then fails the run if
// any secret appears in the server's log or in one of those URLs (see secrets-sweep.ts).
import { test as base, expect, type BrowserContext, type Page } from '@playwright/test';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

export { expect };

export const SECRETS_FILE = join(__dirname, '../../.e2e-secrets.jsonl');
export const URLS_FILE = join(__dirname, '../../.e2e-urls.txt');

/** Records a secret the test created, for the sweep at the end of the run. */
export function remember(kind: string, value: string | null | undefined): string {
  if (value) appendFileSync(SECRETS_FILE, JSON.stringify({ kind, value }) + '\n');
  return value ?? '';
}

const violations: string[] = [];

function recordUrl(url: string) {
  appendFileSync(URLS_FILE, url + '\n');
}

/** The violations seen so far in this test, which are then forgotten (for a test that provokes one). */
export function takeViolations(): string[] {
  return violations.splice(0, violations.length);
}

/** Watches every page of a context, now and later: CSP violations and the URLs it was sent to. */
export function watch(context: BrowserContext) {
  const onPage = (page: Page) => {
    page.on('console', (m) => {
      if (/content security policy|panicked at/i.test(m.text())) violations.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => violations.push(`${page.url()}: uncaught ${e.name}: ${e.message}`));
    page.on('request', (r) => recordUrl(r.url()));
    page.on('response', (r) => {
      const location = r.headers()['location'];
      if (location) recordUrl(new URL(location, r.url()).href);
    });
  };
  context.pages().forEach(onPage);
  context.on('page', onPage);
}

export const test = base.extend<{ guard: void }>({
  guard: [
    async ({ context }, use) => {
      violations.length = 0;
      watch(context);
      await use();
      expect(violations, 'pages run without CSP violations, uncaught errors or panics').toEqual([]);
    },
    { auto: true },
  ],
});
