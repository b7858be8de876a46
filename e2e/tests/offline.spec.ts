/**
 * After one online visit the board works offline: the service worker serves
 * the page, Graphcache restores the last known compartment states from
 * IndexedDB, and a banner says the data is not live and from when it is.
 * Before any such visit, offline pages say plainly that nothing is saved.
 */
import { expect, test } from '../fixtures.js';
import {
  persistedCompartment,
  persistedLastDataAt,
  slowIndexedDbTransactions,
  waitForServiceWorkerControl,
} from '../support/browser.js';

test('offline, a reload is served by the service worker and shows the last known states with an "as of" time', async ({
  page,
  context,
  signInAs,
  board,
  controller,
  seed,
}) => {
  const admin = await signInAs(page, 'admin');
  await board.open();
  await waitForServiceWorkerControl(page);

  // Make the last known state distinctive: a door left open and a parcel deposited.
  const library = await controller('Library', { closeAfterMs: Infinity });
  await board.expectStatus('Library', 'ONLINE');
  const changedAt = Date.now();
  library.openDoor('B01');
  library.deposit('C01');
  await library.flush();
  try {
    await expect(board.tile('Library', 'B01')).toHaveAttribute('data-door', 'OPEN');
    await expect(board.tile('Library', 'C01')).toHaveAttribute('data-occupancy', 'OCCUPIED');
    await expect(board.tile('Library', 'C01')).toHaveAttribute('data-door', 'CLOSED');

    // Wait until the app has stored what it needs offline (no sleeping).
    const bankId = seed.banks.Library.id;
    await expect
      .poll(async () => ({
        b01: await persistedCompartment(page, admin.person.id, bankId, 'B01'),
        c01: await persistedCompartment(page, admin.person.id, bankId, 'C01'),
      }))
      .toMatchObject({ b01: { door: 'OPEN' }, c01: { occupancy: 'OCCUPIED' } });
    await expect
      .poll(async () => Date.parse((await persistedLastDataAt(page, admin.person.id)) ?? '') || 0)
      .toBeGreaterThanOrEqual(changedAt - 1_000);
    // A live update (e.g. the bank's controller sending its health report) may land until
    // the browser is offline; the app writes its newest time when the page goes away.
    await context.setOffline(true);
    const offlineAt = Date.now();

    const response = await page.reload();
    expect(response, 'the reload got a response').not.toBeNull();
    expect(response!.fromServiceWorker(), 'the page came from the service worker').toBe(true);
    // Offline, nothing new arrives: what is saved now is the time of the last data before the reload.
    const lastDataAt = await persistedLastDataAt(page, admin.person.id);
    expect(Date.parse(lastDataAt ?? '')).toBeGreaterThanOrEqual(changedAt - 1_000);
    expect(Date.parse(lastDataAt ?? '')).toBeLessThanOrEqual(offlineAt);

    await expect(board.offlineBanner).toBeVisible();
    await expect(board.offlineBanner).toContainText('Offline — showing the last known state as of');
    const asOf = board.offlineBanner.getByTestId('last-data-at');
    await expect(asOf).toHaveAttribute('datetime', lastDataAt!);
    await expect(asOf).toHaveText(/\d{1,2}:\d{2}/);

    await expect(page.locator('[data-testid^="compartment-"]')).toHaveCount(3 * seed.labels.length);
    // Under the offline banner no bank claims to be ONLINE now, nor seen "just now": what was last known, and when.
    const status = board.bank('Library').getByTestId('connection-status');
    await expect(status).toHaveAttribute('data-stale', 'true');
    await expect(status).toHaveText(/^Last known: ONLINE at \d{1,2}:\d{2}/);
    await expect(page.getByText('ONLINE', { exact: true })).toHaveCount(0);
    await expect(board.bank('Library').getByTestId('last-seen')).toHaveText(/^Last seen at \d{1,2}:\d{2}/);
    await expect(page.getByText('just now')).toHaveCount(0);
    await expect(board.tile('Library', 'B01')).toHaveAttribute('data-door', 'OPEN');
    await expect(board.tile('Library', 'C01')).toHaveAttribute('data-occupancy', 'OCCUPIED');
    await expect(page.getByTestId('signed-in-person')).toContainText(admin.person.name);
  } finally {
    await context.setOffline(false);
    // Leave the bank as we found it for other tests.
    library.closeDoor('B01');
    library.pickup('C01');
    await library.flush({ timeoutMs: 5_000 });
  }
});

test('the first online visit is kept for offline use even when the device storage is slow', async ({
  page,
  context,
  signInAs,
  board,
  seed,
}) => {
  // A storage that answers 800 ms late makes the race deterministic (it also happens by chance on a busy machine).
  await slowIndexedDbTransactions(page, 800);
  const admin = await signInAs(page, 'admin');
  await board.open();
  await waitForServiceWorkerControl(page);

  await expect
    .poll(() => persistedCompartment(page, admin.person.id, seed.banks.Library.id, 'A01'), { timeout: 3_000 })
    // Saved, whatever earlier specs left the door as.
    .toMatchObject({ door: expect.stringMatching(/^(OPEN|CLOSED)$/) });

  await context.setOffline(true);
  await page.reload();
  await expect(board.offlineBanner).toBeVisible();
  await expect(page.locator('[data-testid^="compartment-"]')).toHaveCount(3 * seed.labels.length);
});

test('offline with nothing saved yet, My parcels says so instead of loading for ever', async ({
  page,
  context,
  signInAs,
}) => {
  // Online once, but only on a page that loads no parcels: the app's shell pages are precached then.
  await signInAs(page, 'student');
  await page.goto('/settings');
  await waitForServiceWorkerControl(page);

  await context.setOffline(true);
  try {
    const response = await page.goto('/parcels');
    expect(response?.fromServiceWorker(), 'the page came from the service worker').toBe(true);
    await expect(page.getByTestId('nothing-saved')).toContainText(
      'You are offline and nothing is saved on this device yet — connect once to see your parcels.',
    );
    await expect(page.getByText('Loading your parcels…')).toHaveCount(0);
  } finally {
    await context.setOffline(false);
  }
});

test('offline with nothing saved yet, the board says so instead of loading for ever', async ({
  page,
  context,
  signInAs,
}) => {
  await signInAs(page, 'it');
  await page.goto('/alerts');
  await waitForServiceWorkerControl(page);

  await context.setOffline(true);
  try {
    const response = await page.goto('/');
    expect(response?.fromServiceWorker(), 'the page came from the service worker').toBe(true);
    await expect(page.getByTestId('nothing-saved')).toContainText(
      'You are offline and nothing is saved on this device yet — connect once to see the lockers.',
    );
    await expect(page.getByText('Loading lockers…')).toHaveCount(0);
  } finally {
    await context.setOffline(false);
  }
});
