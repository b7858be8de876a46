/**
 * Each role starts on its own page (web/src/lib/roles.ts homeFor): `/`, the
 * app's start URL, takes the mailroom to its desk, a department to its
 * people's parcels, students to their parcels, couriers to drop-off, and those
 * who run the lockers to the board. Every staff menu lists all parcels.
 */
import { expect, test, type Who } from '../fixtures.js';

const START: [Who, RegExp, string][] = [
  ['mailroom', /\/desk$/, '/desk'],
  ['admin', /\/lockers$/, '/lockers'],
  ['it', /\/lockers$/, '/lockers'],
  ['analyst', /\/parcels\/all$/, '/parcels/all'],
  ['student', /\/parcels$/, '/parcels'],
];

for (const [who, url, href] of START) {
  test(`${who} lands on their own page`, async ({ page, signInAs }) => {
    await signInAs(page, who);
    await page.goto('/');
    await expect(page).toHaveURL(url);
    // The start page is the first entry of the menu, and the current one.
    const nav = page.getByTestId('main-nav');
    await expect(nav.getByRole('link').first()).toHaveAttribute('href', href);
    await expect(page.getByTestId(`nav-${href}`)).toHaveAttribute('aria-current', 'page');
  });
}

test('the staff menus list all parcels, and the board is still one click away for the mailroom', async ({
  page,
  signInAs,
  board,
}) => {
  await signInAs(page, 'mailroom');
  await page.goto('/desk');
  await page.getByTestId('nav-/parcels/all').click();
  await expect(page).toHaveURL(/\/parcels\/all$/);
  await page.getByTestId('nav-/lockers').click();
  await expect(page).toHaveURL(/\/lockers$/);
  await expect(board.bank('Library')).toBeVisible();
});
