// Helpers that act as a person would: fill labelled fields, press named buttons.
import { expect, type Page } from '@playwright/test';
import * as OTPAuth from 'otpauth';
import { remember } from './guard';

let counter = 0;
export function uniqueEmail(prefix: string): string {
  counter += 1;
  return remember('e-mail address', `${prefix}-${Date.now()}-${counter}@example.com`);
}

export const PASSWORD = remember('password', 'correct horse battery staple');

export async function signUp(page: Page, link: string, email: string, name = 'Ada Lovelace') {
  await page.goto(link);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  // Forms work before the page is interactive too (the browser posts them), but the next steps
  // use what needs the page's script (a secret shown once): go on once the page is live.
  await expect(page.locator('html[data-hydrated]')).toBeAttached();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Confirm password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Account security' })).toBeVisible();
  await expect(page.locator('html[data-hydrated]')).toBeAttached();
}

export async function signInWithPassword(page: Page, email: string, password = PASSWORD) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

export async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
}

export function totpFor(secret: string): OTPAuth.TOTP {
  remember('TOTP seed', secret);
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
}

/** A code for the step `offsetSteps` after now: each accepted code must be from a later step. */
export function codeAt(totp: OTPAuth.TOTP, offsetSteps: number): string {
  return remember('TOTP code', totp.generate({ timestamp: Date.now() + offsetSteps * 30_000 }));
}
