// Passkeys in Debian chromium with a CDP virtual authenticator.
import { expect, test } from './support/guard';
import { bootstrapLink, bootstrapLinkFor, startServer } from './support/server';
import { signOut, signUp, uniqueEmail } from './support/accounts';
import { addVirtualAuthenticator } from './support/passkeys';

test('register a passkey, sign out, and sign in with it without typing an email', async ({ page }) => {
  const authenticator = await addVirtualAuthenticator(page);
  await signUp(page, bootstrapLink(), uniqueEmail('passkey'));

  await page.getByLabel('Passkey name').fill('Test laptop');
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  const list = page.getByRole('list', { name: 'Your passkeys' });
  await expect(list.getByText('Test laptop', { exact: true })).toBeVisible();
  expect(await authenticator.credentials()).toHaveLength(1);

  await signOut(page);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await expect(page.getByRole('heading', { name: 'Account security' })).toBeVisible();
  await expect(page.getByText('Signed in with a passkey')).toBeVisible();

  // Rename it.
  await page.getByText('Rename or remove Test laptop').click();
  await page.getByLabel('New name for Test laptop').fill('Work laptop');
  await page.getByRole('button', { name: 'Rename', exact: true }).click();
  await expect(list.getByText('Work laptop', { exact: true })).toBeVisible();
});

test('a passkey-only account signs up without a password and cannot remove its last passkey', async ({ page }) => {
  await addVirtualAuthenticator(page);
  const email = uniqueEmail('passkey-only');
  await page.goto(bootstrapLink());
  // The passkey button works through the browser bundle: wait until the page is live.
  await expect(page.locator('html[data-hydrated]')).toBeAttached();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Name').fill('Passkey Person');
  await page.getByRole('button', { name: 'Create account with a passkey' }).click();
  await expect(page.getByRole('heading', { name: 'Account security' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Password' })).toHaveCount(0);

  const list = page.getByRole('list', { name: 'Your passkeys' });
  await expect(list.getByRole('listitem')).toHaveCount(1);
  // The account page's own module arrives after its HTML: wait until it is live.
  await expect(page.locator('html[data-hydrated]')).toBeAttached();
  await page.getByText(/^Rename or remove /).click();
  await page.getByRole('button', { name: /^Remove passkey / }).click();
  await expect(page.getByRole('alert')).toContainText('only way to sign in');
  await expect(list.getByRole('listitem')).toHaveCount(1);

  // Passkey autofill: focusing the email field offers the passkey; the virtual authenticator picks it.
  await signOut(page);
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  expect(await page.evaluate(() => PublicKeyCredential.isConditionalMediationAvailable())).toBe(true);
  await page.getByLabel('Email').focus();
  await expect(page.getByRole('heading', { name: 'Account security' })).toBeVisible();
  await expect(page.getByText('Passkey Person')).toBeVisible();
});

test.describe('step-up', () => {
  // A server whose step-up window is a few seconds, so the test need not wait ten minutes.
  let server: Awaited<ReturnType<typeof startServer>>;
  test.beforeAll(async () => {
    server = await startServer(Number(process.env.E2E_PORT ?? 3917) + 1, { GATEHOUSE_STEP_UP_SECONDS: '4' });
  });
  test.afterAll(() => server.stop());

  test('changing credentials after the window asks to confirm with a passkey, then continues', async ({ page }) => {
    await addVirtualAuthenticator(page);
    await page.goto(bootstrapLinkFor(server));
    await page.getByLabel('Email').fill(uniqueEmail('stepup'));
    await page.getByLabel('Name').fill('Step Up');
    await page.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
    await page.getByLabel('Confirm password').fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Create account', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Account security' })).toBeVisible();
    await expect(page.locator('html[data-hydrated]')).toBeAttached();
    await page.getByLabel('Passkey name').fill('Phone');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    const list = page.getByRole('list', { name: 'Your passkeys' });
    await expect(list.getByText('Phone', { exact: true })).toBeVisible();

    await page.waitForTimeout(5_000);
    await page.reload();
    await expect(page.getByRole('heading', { name: "Confirm it's you" })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Add a passkey' })).toHaveCount(0);
    await expect(page.locator('html[data-hydrated]')).toBeAttached();
    await page.getByRole('button', { name: 'Confirm with a passkey' }).click();
    await expect(page.getByRole('heading', { name: "Confirm it's you" })).toHaveCount(0);

    await page.getByText('Rename or remove Phone').click();
    await page.getByRole('button', { name: 'Remove passkey Phone' }).click();
    await expect(page.getByText('No passkeys yet.')).toBeVisible();
  });
});

test('a browser without WebAuthn sees a clear message instead of a passkey button', async ({ page }) => {
  await page.addInitScript(() => {
    // @ts-expect-error: simulate a browser without WebAuthn
    delete window.PublicKeyCredential;
  });
  await page.goto('/login');
  await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
  await expect(page.getByRole('alert')).toContainText('does not support passkeys');
  await expect(page.getByRole('button', { name: 'Sign in with a passkey' })).toHaveCount(0);
  // Password sign-in is still there.
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
});
