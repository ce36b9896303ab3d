// Every page, loaded whole by the browser rather than reached by a click inside the app, becomes
// interactive: its module arrives, its view hydrates against the server's HTML (below the lazy
// route without the asynchronous path, app/src/sync_hydrate.rs), and a panic or uncaught error on
// the way fails the test (support/guard.ts). Each page then proves it is live with a client-side
// navigation, which only a hydrated router performs.
import type { Page } from '@playwright/test';
import { expect, test } from './support/guard';
import { bootstrapLink } from './support/server';
import { signUp, uniqueEmail } from './support/accounts';

async function loadWhole(page: Page, path: string, heading: string | RegExp) {
  await page.goto(path);
  await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
  await expect(page.locator('html[data-hydrated]')).toBeAttached();
}

/** Leaves the page through the main navigation without a new document: the router is live. */
async function navigatesInPlace(page: Page) {
  const marker = await page.evaluate(() => ((window as unknown as { e2eMarker: number }).e2eMarker = Math.random()));
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
  await expect(page.getByRole('heading', { name: 'Account security' })).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { e2eMarker?: number }).e2eMarker)).toBe(marker);
}

test('every page hydrates on a full load and is live afterwards', async ({ page }) => {
  await signUp(page, bootstrapLink(), uniqueEmail('pages'));

  // Something for the token page to show.
  await loadWhole(page, '/tokens/new', 'New personal access token');
  await page.getByLabel('Name', { exact: true }).fill('hydration check');
  await page.getByRole('checkbox', { name: /^user:read\b/ }).check();
  await page.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByLabel('Token', { exact: true })).toHaveValue(/^gat_/);
  await loadWhole(page, '/tokens', 'Personal access tokens');
  const detail = await page.getByRole('link', { name: 'hydration check' }).getAttribute('href');
  expect(detail).toMatch(/^\/tokens\/./);

  const pages: [string, string | RegExp][] = [
    ['/', 'Account security'], // the home page sends a signed-in person to their account
    ['/account', 'Account security'],
    ['/tokens', 'Personal access tokens'],
    ['/tokens/new', 'New personal access token'],
    [detail!, 'hydration check'],
    ['/clients', 'OAuth clients'],
    ['/apps', 'Authorized apps'],
    ['/inbox', 'Inbox'],
    ['/admin/users', 'Users'],
    ['/admin/credentials', 'Credentials'],
    ['/admin/policy', 'Policy'],
    ['/admin/audit', 'Audit trail'],
    ['/admin/webhooks', 'Webhooks'],
  ];
  for (const [path, heading] of pages) {
    await loadWhole(page, path, heading);
    await navigatesInPlace(page);
  }
});

test('the signed-out pages hydrate on a full load', async ({ page }) => {
  for (const [path, heading] of [
    ['/login', 'Sign in'],
    ['/signup', 'Create your account'],
    ['/login/recovery', 'Sign in with a recovery code'],
  ] as [string, string | RegExp][]) {
    await loadWhole(page, path, heading);
  }
  // Live: the sign-in form answers a wrong password on the page itself.
  await page.goto('/login');
  await expect(page.locator('html[data-hydrated]')).toBeAttached();
  await page.getByLabel('Email').fill(uniqueEmail('nobody'));
  await page.getByLabel('Password').fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(page).toHaveURL(/\/login$/);
});
