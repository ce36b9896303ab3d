// The admin area as people use it: an admin invites a colleague and an auditor, finds the
// colleague's token that has gone unused for 90 days in the credentials inventory and revokes it;
// the colleague reads why in their inbox; the auditor sees the same inventory without any way to
// revoke, and downloads the audit export, which holds the revocation.
import { readFileSync } from 'node:fs';
import { expect, test, watch } from './support/guard';
import type { Browser, Page } from '@playwright/test';
import { bootstrapLink, gatehouse, sql } from './support/server';
import { PASSWORD, signUp, uniqueEmail } from './support/accounts';

async function invite(page: Page, email: string, role: string): Promise<string> {
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Role', { exact: true }).selectOption(role);
  await page.getByRole('button', { name: 'Create invitation link' }).click();
  const link = page.getByLabel('Invitation link');
  await expect(link).toHaveValue(/\/signup\?invite=/);
  return link.inputValue();
}

/** Someone opens their invitation in their own browser; the link fixes the email address. */
async function newPerson(browser: Browser, link: string, email: string, name: string): Promise<Page> {
  const context = await browser.newContext();
  watch(context);
  const page = await context.newPage();
  await page.goto(link);
  await expect(page.getByLabel('Email')).toHaveValue(email);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Confirm password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Account security' })).toBeVisible();
  return page;
}

test('an admin revokes a colleague’s idle token, the colleague is told, an auditor can only look', async ({ page, browser }) => {
  await signUp(page, bootstrapLink(), uniqueEmail('admin'), 'Ada Admin');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
  await expect(page.getByRole('heading', { name: 'Users' })).toBeVisible();
  await expect(page.locator('html[data-hydrated]')).toBeAttached();
  const bobEmail = uniqueEmail('bob');
  const catEmail = uniqueEmail('cat');
  const bobLink = await invite(page, bobEmail, 'developer');
  const catLink = await invite(page, catEmail, 'auditor');

  const bob = await newPerson(browser, bobLink, bobEmail, 'Bob Builder');
  gatehouse('admin', 'create-token', bobEmail, '--name', 'old-ci', '--scopes', 'user:read', '--days', '90');
  gatehouse('admin', 'create-token', bobEmail, '--name', 'fresh-ci', '--scopes', 'user:read', '--days', '90');
  // The token was made, and last used, 91 days ago.
  const ago = Date.now() - 91 * 24 * 3600 * 1000;
  sql(`UPDATE personal_tokens SET created_at = ${ago}, last_used_at = ${ago} WHERE name = 'old-ci'`);

  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Credentials' }).click();
  await expect(page.getByRole('heading', { name: 'Credentials' })).toBeVisible();
  await page.getByLabel('Unused for at least (days)').fill('90');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(/unused_days=90/);
  await expect(page.locator('html[data-hydrated]')).toBeAttached();
  const rows = page.getByRole('table', { name: 'Personal access tokens' }).getByRole('row');
  await expect(rows.filter({ hasText: 'old-ci' })).toContainText('Bob Builder');
  await expect(rows.filter({ hasText: 'fresh-ci' })).toHaveCount(0);
  await page.getByLabel('Reason for revoke old-ci').fill('unused for 90 days');
  await page.getByRole('button', { name: 'Revoke old-ci' }).click();
  await page.getByRole('group', { name: 'Confirm: Revoke old-ci' }).getByRole('button', { name: 'Yes, revoke' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Revoked.' })).toBeVisible();
  await expect(rows.filter({ hasText: 'old-ci' })).toContainText('revoked (unused for 90 days)');

  await bob.goto('/tokens');
  await expect(bob.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inbox 1 unread' })).toBeVisible();
  await bob.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Inbox/ }).click();
  const notice = bob.getByRole('listitem').filter({ hasText: 'old-ci' });
  await expect(notice.getByRole('heading')).toContainText('A personal access token ended');
  await expect(notice).toContainText('was revoked by an admin');
  await expect(notice).toContainText('Reason: unused for 90 days.');

  const cat = await newPerson(browser, catLink, catEmail, 'Cat Auditor');
  await cat.goto('/admin/credentials');
  await expect(cat.locator('html[data-hydrated]')).toBeAttached();
  const catRows = cat.getByRole('table', { name: 'Personal access tokens' }).getByRole('row');
  await expect(catRows.filter({ hasText: 'fresh-ci' })).toContainText('Active');
  await expect(cat.getByRole('button', { name: /^Revoke/ })).toHaveCount(0);
  await expect(cat.getByRole('heading', { name: /Revoke all matching/ })).toHaveCount(0);

  await cat.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Audit trail' }).click();
  await cat.getByLabel('Event type').fill('token.revoked');
  await cat.getByRole('button', { name: 'Apply filters' }).click();
  await expect(cat.getByRole('table', { name: /Audit events/ }).getByRole('row').filter({ hasText: 'token.revoked' })).toHaveCount(1);
  const [download] = await Promise.all([cat.waitForEvent('download'), cat.getByRole('link', { name: 'CSV' }).click()]);
  const csv = readFileSync((await download.path())!, 'utf8');
  const lines = csv.trim().split('\n');
  expect(lines[0]).toBe('id,at,actor,credential,type,target,outcome,ip,user_agent,method,route,detail');
  expect(lines).toHaveLength(2);
  expect(lines[1]).toContain('token.revoked');
  expect(lines[1]).toContain('unused for 90 days');
});
