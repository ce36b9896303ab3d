// The first journey: bootstrap link → sign up → enrol TOTP → sign out → sign in with password and
// TOTP → a replayed code is refused → sign in with a recovery code → the used code is refused →
// revoke another session.
import { expect, remember, test, watch } from './support/guard';
import { bootstrapLink } from './support/server';
import { codeAt, signInWithPassword, signOut, signUp, totpFor, uniqueEmail } from './support/accounts';

test('an admin signs up, enrols TOTP and signs in with every second factor', async ({ page, browser }) => {
  const email = uniqueEmail('admin');
  await signUp(page, bootstrapLink(), email);
  await expect(page.getByText('admin', { exact: false }).first()).toBeVisible();

  // Enrol an authenticator app.
  await page.getByRole('button', { name: 'Set up authenticator app' }).click();
  await expect(page.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
  const secret = (await page.getByLabel('Setup key').textContent())!.trim();
  expect(secret).toMatch(/^[A-Z2-7]{32}$/);
  const totp = totpFor(secret);
  await page.getByLabel('Code from your app').fill(codeAt(totp, 0));
  await page.getByRole('button', { name: 'Confirm and turn on' }).click();
  const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
  await expect(codes).toHaveCount(10);
  const recovery = (await codes.allTextContents()).map((c) => remember('recovery code', c.trim()));
  await expect(page.getByText('Authenticator app: on')).toBeVisible();

  // Sign out, then in with password and a fresh code.
  await signOut(page);
  await signInWithPassword(page, email);
  await expect(page.getByRole('heading', { name: 'Two-factor authentication' })).toBeVisible();
  const code = codeAt(totp, 1);
  await page.getByLabel('Authentication code').fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('heading', { name: 'Account security' })).toBeVisible();

  // The same code again is refused.
  await signOut(page);
  await signInWithPassword(page, email);
  await page.getByLabel('Authentication code').fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('alert')).toContainText('wrong or was already used');

  // A recovery code works once.
  await page.getByRole('link', { name: 'Use a recovery code instead' }).click();
  await page.getByLabel('Recovery code').fill(recovery[0]);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Account security' })).toBeVisible();
  await expect(page.getByText('Recovery codes left: 9')).toBeVisible();
  await signOut(page);
  await signInWithPassword(page, email);
  await page.getByRole('link', { name: 'Use a recovery code instead' }).click();
  await page.getByLabel('Recovery code').fill(recovery[0]);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert')).toContainText('wrong or was already used');
  await page.getByLabel('Recovery code').fill(recovery[1]);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Account security' })).toBeVisible();

  // A second browser signs in; the first one revokes it.
  const other = await browser.newContext();
  watch(other);
  const otherPage = await other.newPage();
  await signInWithPassword(otherPage, email);
  await otherPage.getByRole('link', { name: 'Use a recovery code instead' }).click();
  await otherPage.getByLabel('Recovery code').fill(recovery[2]);
  await otherPage.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(otherPage.getByRole('heading', { name: 'Account security' })).toBeVisible();

  await page.reload();
  const revoke = page.getByRole('button', { name: /^Revoke session:/ });
  await expect(revoke).toHaveCount(1);
  await revoke.click();
  await expect(page.getByRole('button', { name: /^Revoke session:/ })).toHaveCount(0);
  await expect(page.getByText('This session')).toBeVisible();

  await otherPage.goto('/account');
  await expect(otherPage.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await other.close();
});
