// The end of the run: no secret a test created may appear in the server's log or in any URL the
// browser requested or was redirected to. Names the kind of secret and where, never the value.
import { existsSync, readFileSync } from 'node:fs';
import { SECRETS_FILE, URLS_FILE } from './tests/support/guard';

interface Secret {
  kind: string;
  value: string;
}

/** Where `secret` occurs in `text`; short numeric codes only as a whole number. */
function occurs(text: string, secret: Secret): boolean {
  if (/^\d{1,8}$/.test(secret.value)) return new RegExp(`(?<!\\d)${secret.value}(?!\\d)`).test(text);
  return text.includes(secret.value) || text.includes(encodeURIComponent(secret.value));
}

export function sweep(logFile: string, canaries: { inLog: string; inUrls: string }): string[] {
  if (!existsSync(SECRETS_FILE)) return ['no secrets were recorded: the sweep would prove nothing'];
  const secrets: Secret[] = readFileSync(SECRETS_FILE, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const log = readFileSync(logFile, 'utf8');
  const urls = existsSync(URLS_FILE) ? readFileSync(URLS_FILE, 'utf8') : '';
  // What must be there, or the sweep is reading the wrong thing: the server logs its data folder
  // at start, and the browser visited the portal.
  if (!log.includes(canaries.inLog)) return ['the server log does not name its data folder: the sweep reads the wrong log'];
  if (!urls.includes(canaries.inUrls)) return ['no URL of the portal was recorded: the sweep sees no URLs'];
  const leaks: string[] = [];
  for (const s of secrets) {
    if (occurs(log, s)) leaks.push(`a ${s.kind} appears in the server log`);
    if (occurs(urls, s)) leaks.push(`a ${s.kind} appears in a URL`);
  }
  const kinds = new Set(secrets.map((s) => s.kind));
  console.log(`secrets sweep: ${secrets.length} secrets (${[...kinds].sort().join(', ')}) checked against ${log.length} bytes of log and ${urls.split('\n').length} URLs`);
  return [...new Set(leaks)];
}
