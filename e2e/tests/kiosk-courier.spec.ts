/**
 * Courier drop-off at the locker's own screen: the courier signs in on the
 * kiosk with e-mail and a one-time code, takes a parcel in at this bank, the
 * door opens and the parcel goes in; "Done" signs out, and the person's token
 * is never written to the kiosk's storage.
 */
import { expect, pairKiosk, test, uniqueTracking, waitForCommand } from '../fixtures.js';

test('a courier signs in on the kiosk, drops a parcel off at this bank, and is signed out', async ({
  seed,
  api,
  openPage,
  controller,
  parcels,
}) => {
  const library = await controller('Library', { simulatePeople: true, closeAfterMs: 400 });
  const kiosk = await openPage(null);
  await pairKiosk(kiosk, seed.banks.Library.id, seed.banks.Library.kioskToken!);
  const before = await api.latestSignInCode('courier');

  await kiosk.getByTestId('kiosk-courier-start').click();
  await kiosk.getByTestId('kiosk-courier-email').fill(seed.courier.email);
  await kiosk.getByTestId('kiosk-courier-send').click();
  await expect(kiosk.getByTestId('kiosk-courier-code')).toBeFocused();
  await expect.poll(() => api.latestSignInCode('courier')).not.toBe(before);
  await kiosk.getByTestId('kiosk-courier-code').fill((await api.latestSignInCode('courier'))!);
  await kiosk.getByTestId('kiosk-courier-signin').click();
  await expect(kiosk.getByTestId('kiosk-courier-person')).toContainText(seed.courier.name);

  const opening = waitForCommand(library, { kind: 'OPEN_COMPARTMENT', via: 'COURIER_DEPOSIT' });
  await kiosk.getByTestId('intake-tracking').fill(uniqueTracking());
  await kiosk.getByTestId('intake-tracking').press('Enter');
  // A courier finds a recipient only by exactly what the label shows.
  await kiosk.keyboard.type(seed.student.name);
  await kiosk.getByTestId(`intake-recipient-option-${seed.student.id}`).click();
  await kiosk.getByTestId('intake-submit').click();
  const result = kiosk.getByTestId('intake-result');
  await expect(result).toHaveAttribute('data-result', 'ParcelReserved');
  parcels.track((await result.getAttribute('data-parcel')) ?? '');
  const { command, outcome } = await opening;
  expect(command.compartmentLabel).toBe(await result.getAttribute('data-label'));
  expect(outcome).toBe('OPENED');
  await expect(kiosk.getByTestId('intake-deposit-status')).toHaveAttribute('data-phase', 'deposited');

  const stored = await kiosk.evaluate(
    () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
  );
  expect(stored).not.toMatch(/bls_/); // person session tokens start with bls_
  await kiosk.getByTestId('kiosk-courier-done').click();
  await expect(kiosk.getByTestId('kiosk-courier')).toHaveCount(0);
  await expect(kiosk.getByTestId('kiosk-courier-start')).toBeVisible();
});
