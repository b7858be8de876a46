/**
 * An admin manages the kiosk screens: pairs one with a bank (the token shown
 * once), rotates it — the screen holding the old token is signed out at once,
 * over its open connection — and revokes the new one.
 */
import { join } from 'node:path';
import { expect, pairKiosk, test } from '../fixtures.js';

test('an admin pairs, rotates and revokes a kiosk; a rotated screen stops working at once', async ({
  page,
  seed,
  signInAs,
  openPage,
  controller,
}, testInfo) => {
  // Two screens, three credentials: about 15 s alone, more on a busy machine.
  test.setTimeout(60_000);
  await controller('Library');
  await signInAs(page, 'admin');
  await page.goto('/admin/kiosks');
  await expect(page.getByRole('heading', { name: 'Kiosks', level: 1 })).toBeVisible();
  await expect(page.getByTestId('nav-/admin/kiosks')).toHaveAttribute('aria-current', 'page');

  const name = `e2e screen ${testInfo.testId.slice(0, 8)} ${Date.now()}`;
  const library = page.getByRole('region', { name: 'Library' });
  await library.getByLabel('Name of a new screen').fill(name);
  await library.getByRole('button', { name: /Pair a kiosk/ }).click();
  const issued = page.getByTestId('kiosk-issued');
  await expect(issued).toBeFocused();
  const token = (await page.getByTestId('kiosk-issued-token').innerText()).trim();
  expect(token).toMatch(/^blk_/);

  // The screen is paired with that token and shows its bank.
  const kiosk = await openPage(null);
  await pairKiosk(kiosk, seed.banks.Library.id, token);
  await expect(kiosk.getByTestId('kiosk-bank-name')).toHaveText('Library');

  await page.getByRole('button', { name: 'Done' }).click();
  const row = library.getByRole('listitem').filter({ hasText: name });
  await expect(row).toContainText('expires');
  page.once('dialog', (d) => void d.accept());
  await row.getByRole('button', { name: `Rotate ${name}` }).click();
  const rotated = (await page.getByTestId('kiosk-issued-token').innerText()).trim();
  expect(rotated).not.toBe(token);
  await expect(issued).toContainText('Rotated');

  // The screen that held the old token is told at once (its socket is closed): it asks to be paired again.
  await expect(kiosk.getByTestId('kiosk-pair-token')).toBeVisible({ timeout: 5_000 });

  const path = join(testInfo.project.outputDir, 'screenshots', 'admin-kiosks.png');
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach('admin-kiosks', { path, contentType: 'image/png' });

  const current = library.getByRole('listitem').filter({ hasText: name }).filter({ hasText: 'expires' });
  page.once('dialog', (d) => void d.accept());
  await current.getByRole('button', { name: `Revoke ${name}` }).click();
  await expect(library.getByRole('listitem').filter({ hasText: name }).filter({ hasText: 'expires' })).toHaveCount(0);
});
