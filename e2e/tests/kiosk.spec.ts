/**
 * The kiosk at the locker.
 *
 * Pickup: the kiosk shows what the door really does after a code is accepted
 * — opening, open, closed — and how it ended: collected, closed with the
 * parcel still inside (it stays ready for pickup), or the door did not open
 * (the command ran out). Each step is read out (the result is an assertive
 * live region). Only compartment versions newer than the one the kiosk held
 * when it sent the code count (web/src/features/kiosk/pickup-progress.ts): a
 * door that was already open, or closes with the parcel inside, is never
 * taken for a collected parcel, the race these tests were written for. They
 * use right codes only, so they can run many times over (`--repeat-each=20
 * --grep "pickup at the kiosk"`); the lockout test cannot: the bank's guess
 * budget (30 an hour) fills on its third run.
 *
 * Lockout: the kiosk keypad refuses without telling anything away and locks when its
 * credential's guess budget is spent (server/src/attempts/budgets.ts: ten wrong
 * codes): a wrong code and a real code of a parcel waiting in another bank get
 * the very same answer; the failure that fills the budget disables the keypad
 * with a countdown and alerts staff.
 *
 * A fresh kiosk credential per run: the lockout is kept per credential and
 * doubles with each one, so the seeded kiosk (used by the pickup tests) stays
 * unlocked and repeated runs start from a one-minute lockout.
 */
import { join } from 'node:path';
import type { Page, TestInfo } from '@playwright/test';
import { expect, pairKiosk, test, typeOnKeypad, waitForCommand, type ReadyParcel } from '../fixtures.js';
import { expectNoAxeViolations } from '../support/axe.js';

/** server/src/parcels/service.ts NOT_VALID: the one answer to every refused code. */
const NOT_VALID = 'That code is not valid here. Check it and try again, or contact the mailroom.';

test('wrong codes and another bank’s code get the same refusal; a spent budget locks the keypad with a countdown', async ({
  seed,
  api,
  openPage,
  controller,
  parcels,
}, testInfo) => {
  // Ten codes of eight keys each, every key awaited: room for a slow machine.
  test.setTimeout(60_000);
  // The kiosk's bank must be connected, or the kiosk answers "not connected" before looking at a code.
  await controller('Library');
  const studentUnion = await controller('Student Union', { simulatePeople: true, closeAfterMs: 300 });
  const elsewhere = await parcels.deposit('Student Union');

  const { createKioskCredential: credential } = await api.request<{
    createKioskCredential: { id: string; token: string };
  }>(
    'mutation($bankId: ID!, $name: String!) { createKioskCredential(bankId: $bankId, name: $name) { id token } }',
    { bankId: seed.banks.Library.id, name: `e2e lockout ${testInfo.testId} ${testInfo.repeatEachIndex}` },
    { as: 'admin' },
  );
  const kiosk = await openPage(null);
  await pairKiosk(kiosk, seed.banks.Library.id, credential.token);
  await expect(kiosk.getByTestId('kiosk-bank-name')).toHaveText('Library');

  const result = kiosk.getByTestId('kiosk-result');
  const display = kiosk.getByTestId('kiosk-display');
  const tryCode = async (code: string) => {
    await typeOnKeypad(kiosk, code);
    // Typing cleared the previous answer, so the next one is this code's.
    await expect(result).toHaveCount(0);
    await kiosk.getByTestId('kiosk-submit').click();
    await expect(result).toHaveAttribute('data-outcome', 'refused');
    await expect(display).toHaveAttribute('data-length', '0');
    return (await result.innerText()).trim();
  };
  // Codes that are certainly not the other parcel's: as many as the kiosk credential's budget.
  const KIOSK_BUDGET = 10;
  const wrong = Array.from({ length: KIOSK_BUDGET + 1 }, (_, i) => String(11_111_111 * (i % 9) + i).padStart(8, '0'))
    .filter((c) => c !== elsewhere.code)
    .slice(0, KIOSK_BUDGET - 1);

  const otherBankAnswer = await tryCode(elsewhere.code);
  const wrongAnswer = await tryCode(wrong[0]!);
  expect(otherBankAnswer, 'a real code of a parcel at another bank reads like a wrong code').toBe(wrongAnswer);
  expect(wrongAnswer).toBe(NOT_VALID);
  await expect(kiosk.getByTestId('kiosk-locked')).toHaveCount(0);

  for (const code of wrong.slice(1, -1)) await tryCode(code);
  await expect(kiosk.getByTestId('kiosk-locked')).toHaveCount(0);
  const last = await tryCode(wrong.at(-1)!);

  // Locked: every key and Open are disabled, and a countdown runs.
  const locked = kiosk.getByTestId('kiosk-locked');
  await expect(locked).toHaveText(/^The keypad is locked for (1:00|0:[0-5]\d)\.$/);
  expect(last).toContain('Too many attempts');
  for (const key of ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'clear', 'back'])
    await expect(kiosk.getByTestId(`kiosk-key-${key}`)).toBeDisabled();
  await expect(kiosk.getByTestId('kiosk-submit')).toBeDisabled();
  // QR scans have a budget of their own: a keypad flood never stops them.
  await expect(kiosk.getByTestId('kiosk-scan')).toBeEnabled();
  // The physical keyboard is locked too.
  await kiosk.keyboard.type('4242');
  await expect(display).toHaveAttribute('data-length', '0');
  const seconds = (text: string) => {
    const m = /(\d+):(\d{2})/.exec(text);
    return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  };
  const first = seconds(await locked.innerText());
  expect(first).toBeGreaterThan(50);
  await expect.poll(async () => seconds(await locked.innerText()), { timeout: 3_000 }).toBeLessThan(first);

  const path = join(testInfo.project.outputDir, 'screenshots', 'kiosk-locked.png');
  await kiosk.screenshot({ path, fullPage: true });
  await testInfo.attach('kiosk-locked', { path, contentType: 'image/png' });

  // The server holds the lockout too, so reloading the kiosk cannot get round it…
  const viaApi = await api.request<{ redeemPickupCode: { __typename: string; retryAfterSeconds: number | null } }>(
    'mutation($code: String!) { redeemPickupCode(code: $code) { __typename ... on PickupRefused { message retryAfterSeconds } } }',
    { code: wrong[0] },
    { token: credential.token },
  );
  expect(viaApi.redeemPickupCode.__typename).toBe('PickupRefused');
  expect(viaApi.redeemPickupCode.retryAfterSeconds).toBeGreaterThan(0);

  // …and staff were alerted. Resolve the alert so other tests' staff pages show no toast for it.
  const { staffAlerts } = await api.request<{
    staffAlerts: { id: string; kind: string; bankId: string; message: string }[];
  }>('query { staffAlerts { id kind bankId message } }', {}, { as: 'admin' });
  const alert = staffAlerts.find(
    (a) => a.kind === 'LOCKOUT' && a.bankId === seed.banks.Library.id && a.message.includes(`kiosk:${credential.id}`),
  );
  expect(alert, 'a LOCKOUT alert for the Library keypad').toBeTruthy();
  await api.request('mutation($id: ID!) { resolveStaffAlert(id: $id) { id } }', { id: alert!.id }, { as: 'admin' });

  // The code refused at the Library was real: it opens its own bank's door.
  const own = await studentUnion.redeemPickupCode(elsewhere.code);
  expect(own).toMatchObject({ __typename: 'PickupOpened', compartmentLabel: elsewhere.label });
  await parcels.expectStatus(elsewhere.id, 'PICKED_UP');
});

async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = join(testInfo.project.outputDir, 'screenshots', `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

test.describe('pickup at the kiosk', () => {
  // Two controllers, a deposit and a kiosk page each: room for a busy two-core machine.
  test.describe.configure({ timeout: 60_000 });

  /** The Library's seeded kiosk, paired, with the keypad showing. */
  async function openKiosk(openPage: (who: null) => Promise<Page>, bankId: string, token: string | undefined) {
    expect(token, 'seed-demo wrote a kiosk token for the Library').toBeTruthy();
    const kiosk = await openPage(null);
    await pairKiosk(kiosk, bankId, token!);
    await expect(kiosk.getByTestId('kiosk-bank-name')).toHaveText('Library');
    return kiosk;
  }

  async function typeCode(kiosk: Page, parcel: ReadyParcel) {
    await typeOnKeypad(kiosk, parcel.code);
    await kiosk.getByTestId('kiosk-submit').click();
    const result = kiosk.getByTestId('kiosk-result');
    await expect(result).toHaveAttribute('data-outcome', 'opened');
    await expect(result).toHaveAttribute('data-label', parcel.label);
    return result;
  }

  /** The assertive live region says what the result says: every step is read out. */
  async function expectAnnounced(kiosk: Page, text: string | RegExp, timeout?: number) {
    await expect(kiosk.getByTestId('kiosk-result-headline')).toHaveText(text, { timeout });
    await expect(kiosk.getByTestId('kiosk-live')).toContainText(text);
  }

  test('the kiosk follows the door: open, then closed and collected — the parcel is picked up', async ({
    seed,
    openPage,
    controller,
    parcels,
  }, testInfo) => {
    const depositing = await controller('Library', { simulatePeople: true, closeAfterMs: 300 });
    const parcel = await parcels.deposit('Library');
    await depositing.stop();
    // The person takes the parcel out while the door is open; the door stays open until the test closes it.
    const library = await controller('Library', { simulatePeople: true, closeAfterMs: Infinity });
    const kiosk = await openKiosk(openPage, seed.banks.Library.id, seed.banks.Library.kioskToken);

    const command = waitForCommand(library, { kind: 'OPEN_COMPARTMENT', label: parcel.label, via: 'CODE' });
    const result = await typeCode(kiosk, parcel);
    expect((await command).outcome).toBe('OPENED');
    await expect(result).toHaveAttribute('data-phase', 'open');
    await expectAnnounced(kiosk, `Door ${parcel.label} is open`);
    await expect(kiosk.getByTestId('kiosk-result-detail')).toHaveText('Take your parcel, then close the door.');
    await expect(kiosk.getByTestId('kiosk-steps').locator('li[data-state="current"]')).toHaveText(
      /Close the door: now$/,
    );
    await expect.poll(() => library.compartment(parcel.label)?.occupied).toBe(false);
    await expectNoAxeViolations(kiosk, 'the kiosk with the door open');
    await screenshot(kiosk, testInfo, 'kiosk-step-open');
    // Open is not collected: the parcel is picked up when the door closes.
    expect((await parcels.view(parcel.id))?.status).toBe('READY_FOR_PICKUP');

    library.closeDoor(parcel.label);
    await expect(result).toHaveAttribute('data-phase', 'collected');
    await expectAnnounced(kiosk, `Thank you — door ${parcel.label} is closed`);
    await expect(kiosk.getByTestId('kiosk-result-detail')).toHaveText('Your parcel is collected.');
    await screenshot(kiosk, testInfo, 'kiosk-step-collected');
    await parcels.expectStatus(parcel.id, 'PICKED_UP');
    // Then back to the bare keypad for the next person.
    await expect(result).toHaveCount(0, { timeout: 8_000 });
  });

  test('pickup: a door that opens and closes with the parcel still inside says so, and the parcel stays ready', async ({
    seed,
    openPage,
    controller,
    parcels,
  }, testInfo) => {
    const depositing = await controller('Library', { simulatePeople: true, closeAfterMs: 300 });
    const parcel = await parcels.deposit('Library');
    await depositing.stop();
    // Nobody takes the parcel out this time.
    const library = await controller('Library', { simulatePeople: false, closeAfterMs: Infinity });
    const kiosk = await openKiosk(openPage, seed.banks.Library.id, seed.banks.Library.kioskToken);

    const result = await typeCode(kiosk, parcel);
    await expect(result).toHaveAttribute('data-phase', 'open');
    library.closeDoor(parcel.label);
    // Before: "Thank you — door … is closed." while the parcel was still there.
    await expect(result).toHaveAttribute('data-phase', 'left-inside');
    await expectAnnounced(kiosk, `Door ${parcel.label} closed with your parcel still inside`);
    await expect(kiosk.getByTestId('kiosk-result-detail')).toContainText('Type your code again to reopen the door');
    await expectNoAxeViolations(kiosk, 'the kiosk with the parcel left inside');
    await screenshot(kiosk, testInfo, 'kiosk-step-left-inside');
    expect((await parcels.view(parcel.id))?.status).toBe('READY_FOR_PICKUP');

    // The code still works: this time the parcel comes out.
    await typeOnKeypad(kiosk, parcel.code);
    await kiosk.getByTestId('kiosk-submit').click();
    await expect(result).toHaveAttribute('data-phase', 'open');
    library.record(parcel.label, 'EMPTY');
    await library.flush();
    library.closeDoor(parcel.label);
    await expect(result).toHaveAttribute('data-phase', 'collected');
    await parcels.expectStatus(parcel.id, 'PICKED_UP');
  });

  test('pickup: a door already open when the code is typed is not taken for a collected parcel when it closes', async ({
    seed,
    openPage,
    controller,
    parcels,
  }) => {
    const depositing = await controller('Library', { simulatePeople: true, closeAfterMs: 300 });
    const parcel = await parcels.deposit('Library');
    await depositing.stop();
    const library = await controller('Library', { simulatePeople: false, closeAfterMs: Infinity });
    const kiosk = await openKiosk(openPage, seed.banks.Library.id, seed.banks.Library.kioskToken);
    // Someone left the door ajar (no command): the kiosk sees it open before any code.
    library.openDoor(parcel.label);
    await expect(kiosk.getByTestId(`kiosk-compartment-${parcel.label}`)).toHaveAttribute('data-door', 'OPEN');

    const result = await typeCode(kiosk, parcel);
    // It is open, so the person can take the parcel — but its closing proves nothing about the parcel…
    await expect(result).toHaveAttribute('data-phase', 'open');
    library.closeDoor(parcel.label);
    // …unless the compartment says the parcel left: here it did not.
    await expect(result).toHaveAttribute('data-phase', 'left-inside');
    expect((await parcels.view(parcel.id))?.status).toBe('READY_FOR_PICKUP');
  });

  test('pickup: a door that does not open (jammed lock) is said plainly once the command runs out, with a way to tell staff', async ({
    seed,
    api,
    openPage,
    controller,
    parcels,
  }, testInfo) => {
    // The command lives 15 s here (OPEN_COMMAND_TTL_MS in global-setup.ts); the kiosk gives up a few seconds after.
    test.setTimeout(60_000);
    const library = await controller('Library', { simulatePeople: true, closeAfterMs: 300 });
    const parcel = await parcels.deposit('Library');
    library.jam(parcel.label);
    const kiosk = await openKiosk(openPage, seed.banks.Library.id, seed.banks.Library.kioskToken);

    const command = waitForCommand(library, { kind: 'OPEN_COMPARTMENT', label: parcel.label });
    const result = await typeCode(kiosk, parcel);
    expect((await command).outcome).toBe('FAILED');
    await expect(result).toHaveAttribute('data-phase', 'waiting');
    await expectAnnounced(kiosk, `Opening door ${parcel.label}…`);
    await screenshot(kiosk, testInfo, 'kiosk-step-waiting');
    // Nobody touches the screen: it does not go back to the keypad while the door may still open.
    await expectAnnounced(kiosk, `Door ${parcel.label} has not opened yet`, 12_000);
    await expect(result).toHaveAttribute('data-phase', 'not-opened', { timeout: 25_000 });
    await expectAnnounced(kiosk, `Door ${parcel.label} did not open`);
    await expect(kiosk.getByTestId('kiosk-result-detail')).toContainText('Your parcel is still waiting');
    await screenshot(kiosk, testInfo, 'kiosk-step-not-opened');
    expect((await parcels.view(parcel.id))?.status).toBe('READY_FOR_PICKUP');

    // "Door did not open?" knows which door.
    await kiosk.getByTestId('kiosk-door-problem').click();
    await expect(kiosk.getByTestId('kiosk-door-label')).toHaveValue(parcel.label);
    await kiosk.getByTestId('kiosk-door-submit').click();
    await expect(kiosk.getByTestId('kiosk-result')).toContainText(`staff have been alerted about door ${parcel.label}`);
    const { staffAlerts } = await api.request<{
      staffAlerts: { id: string; kind: string; compartmentLabel: string }[];
    }>('query { staffAlerts { id kind compartmentLabel } }', {}, { as: 'admin' });
    const alerts = staffAlerts.filter(
      (a) => ['DOOR_DID_NOT_OPEN', 'COMMAND_FAILED'].includes(a.kind) && a.compartmentLabel === parcel.label,
    );
    expect(
      alerts.map((a) => a.kind),
      'a DOOR_DID_NOT_OPEN alert',
    ).toContain('DOOR_DID_NOT_OPEN');
    // Leave no open alert behind for other tests' staff pages.
    for (const a of alerts)
      await api.request('mutation($id: ID!) { resolveStaffAlert(id: $id) { id } }', { id: a.id }, { as: 'admin' });
    // Free the lock so the fixture can collect the parcel.
    library.jam(parcel.label, false);
  });
});
