/**
 * Only a bank's current device token can speak for it: a wrong token is
 * refused with 4403 before it can change anything, and rotating a token
 * disconnects the controller holding the old one (4403) at once.
 */
import type { Locator } from '@playwright/test';
import type { ControllerStatus, StatusInfo } from '@baylight/simulator';
import { expect, test } from '../fixtures.js';
import { reportDoorOpenedWithToken } from '../support/device-client.js';

/** Every tile's live attributes, to compare the whole board before and after. */
async function snapshotTiles(tiles: Locator): Promise<Record<string, string>> {
  return tiles.evaluateAll((els) =>
    Object.fromEntries(
      els.map((el) => [
        el.getAttribute('data-testid') ?? '',
        ['data-door', 'data-state', 'data-occupancy', 'data-version'].map((a) => el.getAttribute(a)).join(' '),
      ]),
    ),
  );
}

test('a controller with a wrong device token is closed with 4403 and the board does not change', async ({
  page,
  signInAs,
  board,
  controller,
  api,
  seed,
}) => {
  await signInAs(page, 'admin');
  await board.open();
  const tiles = page.locator('[data-testid^="compartment-"]');
  await expect(tiles).toHaveCount(3 * seed.labels.length);
  // The Library bank is the barrier below: its controller connects, so its status may change.
  const statuses = () =>
    page
      .locator('[data-testid^="bank-"]:not([data-testid="bank-Library"])')
      .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-testid')} ${e.getAttribute('data-status')}`));
  // No controller is connected (each test stops its own; the grace period is 1 s).
  for (const bank of ['Student Union', 'Engineering']) await board.expectStatus(bank, 'OFFLINE');
  const before = await snapshotTiles(tiles);
  const statusesBefore = await statuses();
  const eventsBefore = await api.request(
    'query($id: ID!) { lockerBank(id: $id) { acceptedThroughSeq } lockerEvents(bankId: $id, limit: 200) { id } }',
    { id: seed.banks['Student Union'].id },
    { as: 'admin' },
  );

  const attempt = await reportDoorOpenedWithToken('bld_wrong', 'A01');
  expect(attempt.code).toBe(4403);
  expect(attempt.acknowledged).toBe(false);
  expect(attempt.result).toBeUndefined();

  // Barrier: a legitimate event after the refused one reaches the board…
  const library = await controller('Library');
  library.openDoor('D02');
  await expect(board.tile('Library', 'D02')).toHaveAttribute('data-door', 'OPEN');
  library.closeDoor('D02');
  await expect(board.tile('Library', 'D02')).toHaveAttribute('data-door', 'CLOSED');

  // …and nothing else on the board moved.
  const after = await snapshotTiles(tiles);
  delete before['compartment-Library-D02'];
  delete after['compartment-Library-D02'];
  expect(after).toEqual(before);
  expect(await statuses()).toEqual(statusesBefore);
  const eventsAfter = await api.request(
    'query($id: ID!) { lockerBank(id: $id) { acceptedThroughSeq } lockerEvents(bankId: $id, limit: 200) { id } }',
    { id: seed.banks['Student Union'].id },
    { as: 'admin' },
  );
  expect(eventsAfter).toEqual(eventsBefore);
});

test('rotating a device token disconnects the controller holding the old one with 4403', async ({
  controller,
  api,
  seed,
}) => {
  const bank = seed.banks['Student Union'];
  const oldToken = seed.deviceToken(bank.name);
  const union = await controller(bank.name);
  const refused = new Promise<StatusInfo>((resolve) => {
    union.onStatus((status: ControllerStatus, info: StatusInfo) => {
      if (status === 'refused') resolve(info);
    });
  });
  const online = await api.request(
    'query($id: ID!) { lockerBank(id: $id) { status } }',
    { id: bank.id },
    { as: 'admin' },
  );
  expect(online.lockerBank.status).toBe('ONLINE');

  const { rotateDeviceToken } = await api.request(
    'mutation($id: ID!) { rotateDeviceToken(bankId: $id) { deviceToken bank { id } } }',
    { id: bank.id },
    { as: 'admin' },
  );
  seed.setDeviceToken(bank.name, rotateDeviceToken.deviceToken);
  expect(rotateDeviceToken.bank.id).toBe(bank.id);
  expect(rotateDeviceToken.deviceToken).not.toBe(oldToken);

  const info = await Promise.race([
    refused,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('controller not refused within 3 s')), 3_000)),
  ]);
  expect(info.code).toBe(4403);
  expect(union.connected).toBe(false);
  expect(union.finalError?.status).toBe('refused');

  // The old token stays refused; the new one is accepted.
  expect((await reportDoorOpenedWithToken(oldToken, 'A01')).code).toBe(4403);
  const replacement = await controller(bank.name);
  expect(replacement.connected).toBe(true);
  expect(replacement.bankId).toBe(bank.id);
});
