/**
 * Courier drop-off on the courier's own phone (`/dropoff`): the demo courier
 * is offered only the banks an admin allowed (Library, Student Union), is
 * refused in plain words at a bank taken away from it; a drop-off at an allowed bank
 * opens the door and ends with the parcel ready for its recipient.
 */
import { expect, test, uniqueTracking, waitForCommand } from '../fixtures.js';

test('the courier may drop off only at its banks, and a drop-off there works end to end', async ({
  page,
  seed,
  api,
  signInAs,
  controller,
  parcels,
}) => {
  const { me } = await api.request<{ me: { courierBanks: { name: string }[] } }>(
    'query { me { courierBanks { name } } }',
    {},
    { as: 'courier' },
  );
  expect(me.courierBanks.map((b) => b.name).sort()).toEqual(['Library', 'Student Union']);

  const studentUnion = await controller('Student Union', { simulatePeople: true, closeAfterMs: 500 });

  await signInAs(page, 'courier');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/');
  await expect(page).toHaveURL(/\/dropoff$/);
  // A courier sees only drop-off.
  await expect(page.getByTestId('main-nav').getByRole('link')).toHaveCount(1);
  await expect(page.getByTestId('nav-/dropoff')).toBeVisible();

  await test.step('only the courier’s own banks are offered', async () => {
    await expect(page.getByTestId('dropoff-bank-Library')).toBeVisible();
    await expect(page.getByTestId('dropoff-bank-Student Union')).toBeVisible();
    await expect(page.getByTestId('dropoff-bank-Engineering')).toHaveCount(0);
  });

  const tracking = uniqueTracking();
  await page.getByTestId('dropoff-bank-Student Union').click();
  await page.getByTestId('intake-tracking').fill(tracking);
  await page.getByTestId('intake-tracking').press('Enter');
  // A courier finds a recipient only by exactly what the label shows.
  await page.keyboard.type(seed.student.name);
  await page.getByTestId(`intake-recipient-option-${seed.student.id}`).click();
  await expect(page.getByTestId('intake-recipient-selected')).toContainText(seed.student.name);

  const setCourierBanks = (banks: string[]) =>
    api.request(
      'mutation($p: ID!, $b: [ID!]!) { setCourierBanks(personId: $p, bankIds: $b) { id } }',
      { p: seed.courier.id, b: banks },
      { as: 'admin' },
    );
  await test.step('refused, in plain words, at a bank taken off the courier after the page loaded', async () => {
    await setCourierBanks([seed.banks.Library.id]);
    try {
      await page.getByTestId('intake-submit').click();
      await expect(page.getByTestId('intake-error')).toHaveText(
        'You are not allowed to drop off at Student Union. Choose another of your banks, or ask the mailroom to add this one to your account.',
      );
      await expect(page.getByTestId('intake-result')).toHaveCount(0);
      const { parcels: found } = await api.request<{ parcels: { id: string }[] }>(
        'query($search: String!) { parcels(search: $search) { id } }',
        { search: tracking },
        { as: 'admin' },
      );
      expect(found).toEqual([]);
    } finally {
      await setCourierBanks([seed.banks.Library.id, seed.banks['Student Union'].id]);
    }
  });

  await test.step('at one of its banks the door opens, the parcel goes in and is ready for the student', async () => {
    await page.getByTestId('dropoff-bank-Student Union').click();
    await expect(page.getByTestId('dropoff-bank-Student Union')).toHaveAttribute('data-checked', 'true');
    const opening = waitForCommand(studentUnion, { kind: 'OPEN_COMPARTMENT', via: 'COURIER_DEPOSIT' });
    await page.getByTestId('intake-submit').click();
    const result = page.getByTestId('intake-result');
    await expect(result).toHaveAttribute('data-result', 'ParcelReserved');
    await expect(result).toContainText('Student Union');
    await expect(page.getByTestId('intake-error')).toHaveCount(0);
    const label = (await result.getAttribute('data-label')) ?? '';
    const parcelId = (await result.getAttribute('data-parcel')) ?? '';
    parcels.track(parcelId);

    const { command, outcome } = await opening;
    expect(command.compartmentLabel).toBe(label);
    expect(outcome).toBe('OPENED');
    await expect(page.getByTestId('intake-deposit-status')).toHaveAttribute('data-phase', 'deposited');

    const mine = await parcels.view(parcelId, 'student');
    expect(mine).toMatchObject({
      status: 'READY_FOR_PICKUP',
      bank: { name: 'Student Union' },
      compartment: { label },
    });
    expect(mine?.pickupCode).toMatch(/^\d{8}$/);
  });

  await test.step('the intake desk is not the courier’s', async () => {
    await page.goto('/desk');
    await expect(page.getByTestId('role-refused')).toBeVisible();
    await expect(page.getByTestId('intake-tracking')).toHaveCount(0);
  });
});
