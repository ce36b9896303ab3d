// The pages work under their content security policy, and the policy is enforced: a script
// injected without the response's nonce does not run.
import { expect, takeViolations, test } from './support/guard';

test('pages hydrate under a nonce CSP and an injected inline script is refused', async ({ page }) => {
  const first = await page.goto('/login');
  const csp = first!.headers()['content-security-policy'];
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=_-]{16,}' 'wasm-unsafe-eval'/);
  expect(csp).not.toContain('unsafe-inline');
  await expect(page.locator('html[data-hydrated]')).toBeAttached();
  const nonce = /'nonce-([^']+)'/.exec(csp)![1];
  const second = await page.goto('/login');
  expect(second!.headers()['content-security-policy']).not.toContain(nonce);
  await expect(page.locator('html[data-hydrated]')).toBeAttached();

  const ran = await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__injected = true';
    document.body.appendChild(s);
    return (window as unknown as { __injected?: boolean }).__injected === true;
  });
  expect(ran).toBe(false);
  await expect.poll(() => takeViolations().join('\n')).toMatch(/inline script/i);
});
