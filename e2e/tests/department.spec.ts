/**
 * Department scoping: an analyst of Engineering sees the Engineering bank and
 * no other, on the board and in the API the board reads.
 */
import { expect, test } from '../fixtures.js';

test('a department analyst sees only their department’s bank', async ({ page, signInAs, board, api, seed }) => {
  await signInAs(page, 'analyst');
  await board.open();
  await expect(page.getByTestId('signed-in-person')).toContainText(seed.analyst.name);
  await expect(page.getByTestId('signed-in-role')).toHaveText('Department');

  await expect(board.bank('Engineering')).toBeVisible();
  await expect(board.bank('Engineering').locator('[data-testid^="compartment-Engineering-"]')).toHaveCount(
    seed.labels.length,
  );
  await expect(page.locator('[data-testid^="bank-"]')).toHaveCount(1);
  await expect(board.bank('Library')).toHaveCount(0);
  await expect(board.bank('Student Union')).toHaveCount(0);
  await expect(page.locator('[data-testid^="compartment-"]')).toHaveCount(seed.labels.length);
  await expect(page.getByText(`1 bank, ${seed.labels.length} compartments`)).toBeVisible();

  // The server does the scoping, not the page: the same query as the analyst returns one bank.
  const { lockerBanks } = await api.request('{ lockerBanks { name department } }', {}, { as: 'analyst' });
  expect(lockerBanks).toEqual([{ name: 'Engineering', department: 'Engineering' }]);
  const forAdmin = await api.request('{ lockerBanks { name } }', {}, { as: 'admin' });
  expect(forAdmin.lockerBanks).toHaveLength(3);
});
