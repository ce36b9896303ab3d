// The forms are plain HTML forms rendered whole on the server, so they work before the wasm bundle
// has loaded, or with JavaScript off.
import { expect, test } from './support/guard';
import { bootstrapLink } from './support/server';
import { PASSWORD, uniqueEmail } from './support/accounts';

test.use({ javaScriptEnabled: false });

test('sign up, sign out and sign in work without JavaScript', async ({ page }) => {
  const email = uniqueEmail('nojs');
  await page.goto(bootstrapLink());
  await expect(page.getByRole('heading', { name: 'Create the first admin account' })).toBeVisible();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Name').fill('Grace Hopper');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Confirm password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Account security' })).toBeVisible();
  await expect(page.getByText('Grace Hopper')).toBeVisible();

  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Account security' })).toBeVisible();
});

test('the account page sends a signed-out visitor to sign in', async ({ page }) => {
  const res = await page.goto('/account');
  expect(res?.url()).toMatch(/\/login$/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
});
