/**
 * The walking skeleton's promise: a door that opens at a locker shows as open
 * on the board within a blink, without a reload, and the bank's connection
 * state follows its controller.
 */
import { expect, test } from '../fixtures.js';

test('a door opened at the Library bank shows on the board within 1 s, live, and the bank follows its controller', async ({
  page,
  signInAs,
  board,
  controller,
}) => {
  await signInAs(page, 'admin');
  await board.open();
  const tile = board.tile('Library', 'A01');
  await expect(tile).toHaveAttribute('data-door', 'CLOSED');
  // No controller connected yet (an earlier test's controller is gone after the 1 s grace).
  await board.expectStatus('Library', 'OFFLINE');

  // Any reload from here on would lose this marker.
  await page.evaluate(() => ((window as unknown as { e2eNoReload: boolean }).e2eNoReload = true));

  const library = await controller('Library');
  // Live bank updates reach the page: the badge turns ONLINE without a reload.
  await board.expectStatus('Library', 'ONLINE');

  const openedAt = Date.now();
  library.openDoor('A01');
  await expect(tile).toHaveAttribute('data-door', 'OPEN', { timeout: 1_000 });
  const openMs = Date.now() - openedAt;
  test.info().annotations.push({ type: 'door open → board', description: `${openMs} ms` });
  expect(openMs).toBeLessThanOrEqual(1_000);
  await expect(tile).toHaveAccessibleName(/^A01, size S, door open,/);
  await expect(board.announcer).toHaveText('Door opened: A01 at Library');

  const closedAt = Date.now();
  library.closeDoor('A01');
  await expect(tile).toHaveAttribute('data-door', 'CLOSED', { timeout: 1_000 });
  test.info().annotations.push({ type: 'door closed → board', description: `${Date.now() - closedAt} ms` });

  // The controller goes away: OFFLINE once the grace period (1 s in e2e) has passed.
  await library.stop();
  await board.expectStatus('Library', 'OFFLINE', 5_000);

  expect(await page.evaluate(() => (window as unknown as { e2eNoReload?: boolean }).e2eNoReload)).toBe(true);
});
