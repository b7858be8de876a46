/**
 * Parcel pickup end to end: the mailroom desk takes a parcel in, the locker
 * (a simulated controller acting out the people at the door) takes it, the
 * student sees the code and QR live, the kiosk keypad opens the door, and
 * everyone sees it collected, live. Also "Open now" from the app, and the
 * code and QR offline. Screenshots go to test-results/screenshots/.
 */
import { join } from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import {
  boardOn,
  expect,
  pairKiosk,
  persistedParcel,
  test,
  typeOnKeypad,
  uniqueTracking,
  waitForCommand,
} from '../fixtures.js';
import { slowIndexedDbTransactions, waitForServiceWorkerControl } from '../support/browser.js';

const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = join(testInfo.project.outputDir, 'screenshots', `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/** A marker that any reload of the page would lose: "live" means without one. */
async function markNoReload(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { e2eNoReload: boolean }).e2eNoReload = true));
}
async function expectNoReload(page: Page, who: string): Promise<void> {
  expect(
    await page.evaluate(() => (window as unknown as { e2eNoReload?: boolean }).e2eNoReload),
    `${who}'s page was not reloaded`,
  ).toBe(true);
}

test('the whole pickup: desk intake → locker deposit → student sees code and QR live → kiosk keypad opens → picked up, live everywhere', async ({
  page,
  seed,
  signInAs,
  openPage,
  controller,
  parcels,
}, testInfo) => {
  test.setTimeout(60_000);
  const kioskToken = seed.banks.Library.kioskToken;
  expect(kioskToken, 'seed-demo wrote a kiosk token for the Library').toBeTruthy();
  const library = await controller('Library', { simulatePeople: true, closeAfterMs: 800 });

  // The student and an admin watch from the start; neither reloads.
  const student = await openPage('student', PHONE);
  await student.goto('/parcels');
  await expect(student.getByRole('heading', { name: 'My parcels' })).toBeVisible();
  await expect(student.getByText('Loading your parcels…')).toHaveCount(0);
  await markNoReload(student);

  const adminPage = await openPage('admin');
  const adminBoard = boardOn(adminPage);
  await adminBoard.open();
  await adminBoard.expectStatus('Library', 'ONLINE');
  await markNoReload(adminPage);

  const tracking = uniqueTracking();
  let label = '';
  let parcelId = '';

  await test.step('the clerk takes the parcel in at the desk, from the keyboard', async () => {
    await signInAs(page, 'mailroom');
    await page.goto('/desk');
    const trackingBox = page.getByTestId('intake-tracking');
    await expect(trackingBox).toBeFocused();
    await page.keyboard.type(tracking);
    await page.keyboard.press('Enter');
    const recipient = page.getByTestId('intake-recipient-search');
    await expect(recipient).toBeFocused();
    await page.keyboard.type('Sam Stu');
    await expect(page.getByTestId(`intake-recipient-option-${seed.student.id}`)).toBeVisible();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('intake-recipient-selected')).toContainText(seed.student.name);
    const submit = page.getByTestId('intake-submit');
    await expect(submit).toBeFocused();
    await page.keyboard.press('1'); // size S
    await expect(page.getByTestId('intake-size-S')).toHaveAttribute('data-checked', 'true');
    await expect(page.getByTestId('intake-size-M')).not.toHaveAttribute('data-checked', /.*/);

    const depositCommand = waitForCommand(library, { kind: 'OPEN_COMPARTMENT', via: 'DEPOSIT' });
    await page.keyboard.press('Enter');

    const result = page.getByTestId('intake-result');
    await expect(result).toHaveAttribute('data-result', 'ParcelReserved');
    await expect(result).toContainText('Library');
    label = (await result.getAttribute('data-label')) ?? '';
    parcelId = (await result.getAttribute('data-parcel')) ?? '';
    expect(label).toMatch(/^A0\d$/); // an S compartment
    parcels.track(parcelId);
    // Ready for the next parcel.
    await expect(trackingBox).toBeFocused();
    await expect(trackingBox).toHaveValue('');

    const { command, outcome } = await depositCommand;
    expect(command.compartmentLabel).toBe(label);
    expect(outcome).toBe('OPENED');
  });

  await test.step('the locker opens, the parcel goes in, the door closes: the desk says "Deposited"', async () => {
    const status = page.getByTestId('intake-deposit-status');
    await expect(status).toHaveAttribute('data-phase', 'deposited');
    await expect(status).toContainText(`${label}: Deposited`);
    await expect(page.getByTestId(`intake-row-${parcelId}`)).toHaveAttribute('data-status', 'READY_FOR_PICKUP');
    await expect.poll(() => library.compartment(label)).toMatchObject({ door: 'CLOSED', occupied: true });
    await expect(adminBoard.tile('Library', label)).toHaveAttribute('data-occupancy', 'OCCUPIED');
    await expect(adminBoard.tile('Library', label)).toHaveAttribute('data-state', 'IN_USE');
    await screenshot(page, testInfo, 'desk-deposited');
  });

  let code = '';
  await test.step('the student sees it ready, with an 8-digit code and a QR, without reloading', async () => {
    const card = student.getByTestId(`parcel-${parcelId}`);
    await expect(card).toHaveAttribute('data-status', 'READY_FOR_PICKUP');
    await expect(card).toContainText(tracking);
    await expect(card.getByTestId('pickup-compartment')).toHaveText(label);
    const codeText = card.getByTestId('pickup-code');
    await expect(codeText).toHaveText(/^\d{4} \d{4}$/);
    code = (await codeText.innerText()).replace(/\s/g, '');
    await expect(card.getByTestId('pickup-qr')).toBeVisible();
    await expect(card.getByTestId('pickup-qr')).toHaveAttribute('src', /^data:image\//);
    // The code shown is the recipient's real one.
    expect((await parcels.view(parcelId, 'student'))?.pickupCode).toBe(code);
    await expectNoReload(student, 'the student');
    const overflow = await student.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, 'My parcels fits 390 px').toBeLessThanOrEqual(0);
    await screenshot(student, testInfo, 'my-parcels-390');
  });

  await test.step('at the kiosk, after mistyping twice, the code typed on the keypad opens the door', async () => {
    const kiosk = await openPage(null);
    await pairKiosk(kiosk, seed.banks.Library.id, kioskToken!);
    await expect(kiosk.getByTestId('kiosk-bank-name')).toHaveText('Library');
    const result = kiosk.getByTestId('kiosk-result');
    // Two slips of the finger (each a code that is not this parcel's) hold nobody up.
    for (const slip of [code.slice(0, 7) + ((Number(code[7]) + 1) % 10), code.slice(1) + code[0]]) {
      if (slip === code) continue;
      await typeOnKeypad(kiosk, slip);
      await kiosk.getByTestId('kiosk-submit').click();
      await expect(result).toHaveAttribute('data-outcome', 'refused');
      await expect(kiosk.getByTestId('kiosk-locked')).toHaveCount(0);
    }
    await typeOnKeypad(kiosk, code);
    const pickupCommand = waitForCommand(library, { kind: 'OPEN_COMPARTMENT', label });
    await kiosk.getByTestId('kiosk-submit').click();
    await expect(result).toHaveAttribute('data-outcome', 'opened');
    await expect(result).toHaveAttribute('data-label', label);
    await expect(result).toHaveAttribute('data-phase', /^(waiting|open|collected)$/);
    await screenshot(kiosk, testInfo, 'kiosk-opened');

    const { command, outcome } = await pickupCommand;
    expect(command.via).toBe('CODE');
    expect(outcome).toBe('OPENED');
    // The simulated person takes the parcel out; the door closes after 800 ms, and the kiosk says it went.
    await expect.poll(() => library.compartment(label)).toMatchObject({ door: 'CLOSED', occupied: false });
    await expect(result).toHaveAttribute('data-phase', 'collected');
  });

  await test.step('everyone sees it collected, live: the student, the admin board and the desk', async () => {
    const card = student.getByTestId(`parcel-${parcelId}`);
    await expect(card).toHaveAttribute('data-status', 'PICKED_UP');
    await expect(card).toContainText('Picked up');
    await expect(card).toContainText('with the code at Library');
    await expect(card.getByTestId('pickup-code')).toHaveCount(0);

    const tile = adminBoard.tile('Library', label);
    await expect(tile).toHaveAttribute('data-door', 'CLOSED');
    await expect(tile).toHaveAttribute('data-state', 'AVAILABLE');
    await expect(tile).toHaveAttribute('data-occupancy', 'EMPTY');
    await expect(page.getByTestId(`intake-row-${parcelId}`)).toHaveAttribute('data-status', 'PICKED_UP');
    await expectNoReload(student, 'the student');
    await expectNoReload(adminPage, 'the admin');
    const api = await parcels.view(parcelId);
    expect(api).toMatchObject({ status: 'PICKED_UP', pickupMethod: 'CODE' });
  });
});

test('"Open now" in the app opens the door (live on the board), and the parcel is picked up when the door closes', async ({
  page,
  signInAs,
  openPage,
  controller,
  parcels,
}) => {
  const depositing = await controller('Library', { simulatePeople: true, closeAfterMs: 300 });
  const parcel = await parcels.deposit('Library');
  await depositing.stop();
  // From here the door stays open until the test closes it, so "open" is observed without racing a timer.
  const library = await controller('Library', { simulatePeople: true, closeAfterMs: Infinity });

  const adminPage = await openPage('admin');
  const adminBoard = boardOn(adminPage);
  await adminBoard.open();
  const tile = adminBoard.tile('Library', parcel.label);
  await expect(tile).toHaveAttribute('data-occupancy', 'OCCUPIED');
  await expect(tile).toHaveAttribute('data-door', 'CLOSED');
  await markNoReload(adminPage);

  await signInAs(page, 'student');
  await page.setViewportSize(PHONE.viewport);
  await page.goto('/parcels');
  const card = page.getByTestId(`parcel-${parcel.id}`);
  await expect(card).toHaveAttribute('data-status', 'READY_FOR_PICKUP');

  const remote = waitForCommand(library, { kind: 'OPEN_COMPARTMENT', label: parcel.label });
  await card.getByTestId('open-now').click();
  const { command, outcome } = await remote;
  expect(command.via).toBe('REMOTE');
  expect(outcome).toBe('OPENED');

  await expect(tile).toHaveAttribute('data-door', 'OPEN');
  await expect(card.getByTestId('open-now-status')).toHaveText(
    `Door ${parcel.label} is open — take your parcel and close the door.`,
  );
  await expect(card.getByTestId('open-now')).toBeDisabled();
  // The simulated person takes it out (EMPTY) while the door is open: not collected until the door closes.
  await expect(tile).toHaveAttribute('data-occupancy', 'EMPTY');
  expect((await parcels.view(parcel.id))?.status).toBe('READY_FOR_PICKUP');
  await expect(card).toHaveAttribute('data-status', 'READY_FOR_PICKUP');

  library.closeDoor(parcel.label);
  await expect(card).toHaveAttribute('data-status', 'PICKED_UP');
  await expect(card).toContainText('opened from the app at Library');
  await expect(tile).toHaveAttribute('data-door', 'CLOSED');
  await expect(tile).toHaveAttribute('data-state', 'AVAILABLE');
  await expect(tile).toHaveAttribute('data-occupancy', 'EMPTY');
  await expectNoReload(adminPage, 'the admin');
  expect(await parcels.view(parcel.id)).toMatchObject({ status: 'PICKED_UP', pickupMethod: 'REMOTE' });
});

// The second run makes IndexedDB answer 800 ms late: Graphcache's hydration then ends after the first
// answer from the server, the race that used to leave nothing saved for offline use.
for (const slowStorage of [false, true]) {
  test(`after one visit, My parcels shows the code and QR offline, under the offline banner${slowStorage ? ' (slow device storage)' : ''}`, async ({
    page,
    context,
    seed,
    signInAs,
    controller,
    parcels,
  }) => {
    await controller('Library', { simulatePeople: true, closeAfterMs: 300 });
    const parcel = await parcels.deposit('Library');
    if (slowStorage) await slowIndexedDbTransactions(page, 800);
    const student = await signInAs(page, 'student');
    await page.setViewportSize(PHONE.viewport);
    await page.goto('/parcels');
    const card = page.getByTestId(`parcel-${parcel.id}`);
    const formatted = `${parcel.code.slice(0, 4)} ${parcel.code.slice(4)}`;
    await expect(card.getByTestId('pickup-code')).toHaveText(formatted);
    await expect(card.getByTestId('pickup-qr')).toBeVisible();
    const qrSrc = await card.getByTestId('pickup-qr').getAttribute('src');
    await waitForServiceWorkerControl(page);

    // What an offline reload can show is what Graphcache wrote to IndexedDB: wait for it, never sleep.
    await expect
      .poll(() => persistedParcel(page, student.person.id, parcel.id), {
        message: 'the parcel with its code and QR is persisted for offline use',
        timeout: 5_000,
      })
      .toMatchObject({
        listed: true,
        status: 'READY_FOR_PICKUP',
        pickupCode: parcel.code,
        pickupQrToken: parcel.qrToken,
      });

    await context.setOffline(true);
    try {
      const response = await page.reload();
      expect(response?.fromServiceWorker(), 'the page came from the service worker').toBe(true);
      await expect(page.getByTestId('offline-banner')).toBeVisible();
      await expect(page.getByTestId('offline-banner')).toContainText('Offline');
      await expect(card).toHaveAttribute('data-status', 'READY_FOR_PICKUP');
      await expect(card.getByTestId('pickup-code')).toHaveText(formatted);
      await expect(card.getByTestId('pickup-qr')).toBeVisible();
      expect(await card.getByTestId('pickup-qr').getAttribute('src')).toBe(qrSrc);
      // Opening from the app needs the server: the button says so instead of failing.
      await expect(card.getByTestId('open-now')).toBeDisabled();
      await expect(page.getByTestId('signed-in-person')).toContainText(seed.student.name);
    } finally {
      await context.setOffline(false);
    }
  });
}
