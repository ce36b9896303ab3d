// Personal access tokens, as a developer uses them: create one, copy it from the page, see that it
// is gone after a reload, call the API with it (200), outside its scopes (403), revoke it (then
// 401), and find the calls on the token's page, with a narrower replacement pre-filled.
import { expect, remember, test } from './support/guard';
import { bootstrapLink } from './support/server';
import { signUp, uniqueEmail } from './support/accounts';

test('a token is shown once, works within its scopes, records its calls and dies when revoked', async ({ page, context, baseURL }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  await signUp(page, bootstrapLink(), uniqueEmail('tokens'));

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tokens' }).click();
  await expect(page.getByRole('heading', { name: 'Personal access tokens' })).toBeVisible();
  await expect(page.getByText('You have no tokens yet.')).toBeVisible();
  await page.getByRole('link', { name: 'New token' }).click();
  await expect(page.locator('html[data-hydrated]')).toBeAttached();

  await page.getByLabel('Name', { exact: true }).fill('e2e deploys');
  await page.getByRole('checkbox', { name: /^user:read\b/ }).check();
  await page.getByRole('checkbox', { name: /^clients:read\b/ }).check();
  await page.getByLabel('Expiration').selectOption('7');
  await page.getByRole('button', { name: 'Create token' }).click();

  const shown = page.getByLabel('Token', { exact: true });
  await expect(shown).toHaveValue(/^gat_[0-9A-Za-z]{36}$/);
  await expect(page.getByText('It will not be shown again')).toBeVisible();
  await page.getByRole('button', { name: 'Copy' }).click();
  await expect(page.getByRole('status')).toContainText('Copied');
  const token = remember('personal access token', await page.evaluate(() => navigator.clipboard.readText()));
  expect(token).toBe(await shown.inputValue());

  // Never shown again: not after a reload, not on the list.
  await page.reload();
  await expect(page.getByRole('button', { name: 'Create token' })).toBeVisible();
  await expect(page.getByLabel('Token', { exact: true })).toHaveCount(0);
  expect(await page.content()).not.toContain(token);
  await page.goto('/tokens');
  await expect(page.getByRole('link', { name: 'e2e deploys' })).toBeVisible();
  expect(await page.content()).not.toContain(token);

  // The API, as a script would call it.
  const call = (path: string) => fetch(`${baseURL}${path}`, { headers: { authorization: `Bearer ${token}`, 'user-agent': 'e2e-script/1.0' } });
  const me = await call('/api/v1/user');
  expect(me.status).toBe(200);
  expect((await me.json()).name).toBe('Ada Lovelace');
  const outside = await call('/api/v1/tokens');
  expect(outside.status).toBe(403);
  expect(outside.headers.get('www-authenticate')).toContain('error="insufficient_scope"');

  // Its calls show on its page (the activity buffer is written within a second).
  await page.getByRole('link', { name: 'e2e deploys' }).click();
  await expect(page.getByRole('heading', { name: 'e2e deploys' })).toBeVisible();
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole('cell', { name: 'GET /api/v1/user' })).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 15_000 });
  await expect(page.getByRole('cell', { name: 'GET /api/v1/tokens' })).toBeVisible();
  await expect(page.getByRole('cell', { name: '403' })).toBeVisible();
  await expect(page.getByRole('cell', { name: 'e2e-script/1.0' }).first()).toBeVisible();
  await expect(page.getByRole('img', { name: /Calls per day .*: 2 in all/ })).toBeVisible();

  // It used only user:read: the narrower replacement is pre-filled with just that.
  await page.getByRole('link', { name: 'Create a narrower replacement' }).click();
  await expect(page.getByRole('heading', { name: 'New personal access token' })).toBeVisible();
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue('e2e deploys (narrower)');
  await expect(page.getByRole('checkbox', { name: /^user:read\b/ })).toBeChecked();
  await expect(page.getByRole('checkbox', { name: /^clients:read\b/ })).not.toBeChecked();

  // Revoke, with confirmation; the token stops working at once and stays listed, greyed.
  await page.goto('/tokens');
  await expect(page.locator('html[data-hydrated]')).toBeAttached();
  await page.getByRole('button', { name: 'Revoke e2e deploys' }).click();
  await page.getByRole('group', { name: 'Confirm revoking e2e deploys' }).getByRole('button', { name: 'Yes, revoke' }).click();
  await expect(page.getByRole('row', { name: /e2e deploys/ })).toContainText('Revoked');
  const after = await call('/api/v1/user');
  expect(after.status).toBe(401);
  expect(after.headers.get('www-authenticate')).toContain('error="invalid_token"');
});
