/**
 * The kiosk keypad refuses without telling anything away and locks when its
 * credential's guess budget is spent (server/src/attempts/budgets.ts: ten wrong
 * codes): a wrong code and a real code of a parcel waiting in another bank get
 * the very same answer; the failure that fills the budget disables the keypad
 * with a countdown and alerts staff.
 *
 * A fresh kiosk credential per run: the lockout is kept per credential and
 * doubles with each one, so the seeded kiosk (used by the pickup test) stays
 * unlocked and repeated runs start from a one-minute lockout.
 */
import { join } from 'node:path';
import { expect, pairKiosk, test, typeOnKeypad } from '../fixtures.js';

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
