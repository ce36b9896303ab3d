// OAuth as a developer and a person use it: register a client and see its secret once, run the
// consent screen of an authorization-code flow the test starts (PKCE), redeem the code, then
// withdraw the app's access on the Authorized apps page.
import { createHash, randomBytes } from 'node:crypto';
import { expect, remember, test } from './support/guard';
import { bootstrapLink } from './support/server';
import { signUp, uniqueEmail } from './support/accounts';

const REDIRECT = 'https://app.example.test/callback';

test('a client is registered, a person consents, and withdrawing ends its tokens', async ({ page, baseURL }) => {
  // The app's redirect target, served by the test instead of the network.
  await page.route('https://app.example.test/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>Example app</h1>' }));
  await signUp(page, bootstrapLink(), uniqueEmail('oauth'));

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Clients' }).click();
  await expect(page.getByRole('heading', { name: 'OAuth clients' })).toBeVisible();
  await expect(page.locator('html[data-hydrated]')).toBeAttached();
  await page.getByLabel('Client name').fill('Example app');
  await page.getByLabel('Client type').selectOption('confidential');
  await page.getByLabel('Redirect URIs').fill(REDIRECT);
  await page.getByRole('checkbox', { name: /^Authorization code/ }).check();
  await page.getByRole('checkbox', { name: /^Refresh tokens/ }).check();
  await page.getByRole('checkbox', { name: /^user:read\b/ }).check();
  await page.getByRole('button', { name: 'Register client' }).click();

  const shown = page.getByLabel('Client secret', { exact: true });
  await expect(shown).toHaveValue(/^gac_[0-9A-Za-z]{36}$/);
  await expect(page.getByText('It will not be shown again')).toBeVisible();
  const secret = remember('client secret', await shown.inputValue());
  const clientId = (await page.getByRole('region', { name: /Client secret of/ }).locator('code').textContent())!.trim();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Example app' })).toBeVisible();
  await expect(page.getByLabel('Client secret', { exact: true })).toHaveCount(0);
  expect(await page.content()).not.toContain(secret);

  // The app sends the person to Gatehouse with a PKCE challenge.
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const params = new URLSearchParams({
    response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, scope: 'user:read',
    state: 'e2e-state', code_challenge: challenge, code_challenge_method: 'S256',
  });
  await page.goto(`/oauth/authorize?${params}`);
  await expect(page.getByRole('heading', { name: 'Example app wants to access your Gatehouse account' })).toBeVisible();
  await expect(page.getByRole('listitem').filter({ hasText: 'user:read' })).toContainText('Read your profile');
  await expect(page.locator('html[data-hydrated]')).toBeAttached();
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL(/^https:\/\/app\.example\.test\/callback\?/);
  const back = new URL(page.url());
  expect(back.searchParams.get('state')).toBe('e2e-state');
  expect(back.searchParams.get('iss')).toBe(baseURL);
  const code = back.searchParams.get('code')!;

  // The app's server redeems the code.
  const basic = 'Basic ' + Buffer.from(`${clientId}:${secret}`).toString('base64');
  const token = await fetch(`${baseURL}/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }),
  });
  expect(token.status).toBe(200);
  const tokens = await token.json();
  remember('access token', tokens.access_token);
  remember('refresh token', tokens.refresh_token);
  expect(tokens.scope).toBe('user:read');
  const me = await fetch(`${baseURL}/api/v1/user`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  expect(me.status).toBe(200);

  // The person withdraws the app's access.
  await page.goto('/apps');
  await expect(page.getByRole('heading', { name: 'Authorized apps' })).toBeVisible();
  await expect(page.getByRole('row', { name: /Example app/ })).toContainText('user:read');
  await expect(page.locator('html[data-hydrated]')).toBeAttached();
  await page.getByRole('button', { name: 'Withdraw access of Example app' }).click();
  await expect(page.getByText('You have not allowed any app.')).toBeVisible();
  const refresh = await fetch(`${baseURL}/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token }),
  });
  expect(refresh.status).toBe(400);
  expect((await refresh.json()).error).toBe('invalid_grant');
});
