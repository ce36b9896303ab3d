// A CDP virtual authenticator: a platform passkey provider with resident keys and user verification.
import type { Page } from '@playwright/test';

export async function addVirtualAuthenticator(page: Page) {
  const client = await page.context().newCDPSession(page);
  await client.send('WebAuthn.enable');
  const { authenticatorId } = await client.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    async credentials() {
      const { credentials } = await client.send('WebAuthn.getCredentials', { authenticatorId });
      return credentials;
    },
  };
}
