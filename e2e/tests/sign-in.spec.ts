/**
 * The one test that signs in through the UI (every other test seeds the
 * session through the API): e-mail → the e-mailed code (read from the dev
 * outbox with an admin's token: the page never shows it) → the admin's start page, the board.
 */
import { expect, test } from '../fixtures.js';
import { SESSION_STORAGE_KEY } from '../fixtures.js';

test('an anonymous visitor is sent to sign-in, signs in with the e-mailed code and lands on the board', async ({
  page,
  api,
  seed,
  board,
}) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();

  const before = await api.latestSignInCode('admin');
  await page.getByLabel('E-mail address').fill(seed.admin.email);
  await page.getByRole('button', { name: 'Send code' }).click();
  const codeInput = page.getByLabel('Sign-in code');
  await expect(codeInput).toBeVisible();

  // The newest message in the dev outbox carries the code the server just issued, as the e-mail would
  // (the outbox worker writes it a moment after the request).
  await expect.poll(() => api.latestSignInCode('admin')).not.toBe(before);
  const code = await api.latestSignInCode('admin');
  expect(code).toMatch(/^\d{6}$/);
  // The sign-in page shows no outbox: mail is for the person it was sent to.
  await expect(page.getByTestId('dev-outbox')).toHaveCount(0);
  await codeInput.fill(code!);
  await expect(codeInput).toHaveValue(code!);

  await page.getByRole('button', { name: 'Sign in', exact: true }).click();

  // An admin's start page is the board.
  await expect(page).toHaveURL(/\/lockers$/);
  await expect(page.getByTestId('signed-in-person')).toContainText(seed.admin.name);
  await expect(page.getByTestId('signed-in-role')).toHaveText('Admin');
  await expect(page.getByRole('heading', { name: 'Lockers', level: 1 })).toBeVisible();
  await expect(board.bank('Library')).toBeVisible();

  // A real, new session was stored (not the one global setup made for the API).
  const stored = await page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? 'null'), SESSION_STORAGE_KEY);
  expect(stored?.person?.email).toBe(seed.admin.email);
  expect(stored?.token).toBeTruthy();
  expect(stored.token).not.toBe(seed.admin.token);
  const me = await api.request('{ me { email role } }', {}, { token: stored.token });
  expect(me.me).toEqual({ email: seed.admin.email, role: 'ADMIN' });
});
