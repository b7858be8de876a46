/**
 * Courier drop-off on the courier's own phone (`/dropoff`): the demo courier
 * is offered only the banks an admin allowed (Library, Student Union), is
 * refused in plain words at a bank taken away from it; a drop-off at an allowed bank
 * opens the door and ends with the parcel ready for its recipient. At a bank
 * with no room, the courier is offered their other banks (or the desk) and
 * nothing is recorded until the parcel is really in a locker.
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

test('a courier at a bank with no room is offered another of theirs, keeps the parcel, and the student hears nothing until it is in', async ({
  page,
  seed,
  api,
  signInAs,
  controller,
  parcels,
}) => {
  // Both banks online; Student Union's two L doors (D01, D02 of 8) out of service: no room there for an L.
  const library = await controller('Library', { simulatePeople: true, closeAfterMs: 500 });
  await controller('Student Union', { simulatePeople: true, closeAfterMs: 500 });
  const outOfService = (label: string, on: boolean) =>
    api.request(
      'mutation($b: ID!, $l: String!, $o: Boolean!) { setCompartmentOutOfService(bankId: $b, label: $l, outOfService: $o, reason: "e2e: hinge") { state } }',
      { b: seed.banks['Student Union'].id, l: label, o: on },
      { as: 'admin' },
    );
  const tracking = uniqueTracking();
  const found = async () =>
    (
      await api.request<{ parcels: { id: string }[] }>(
        'query($search: String!) { parcels(search: $search) { id } }',
        { search: tracking },
        { as: 'admin' },
      )
    ).parcels;

  await outOfService('D01', true);
  await outOfService('D02', true);
  try {
    await signInAs(page, 'courier');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/dropoff');
    await page.getByTestId('dropoff-bank-Student Union').click();
    await page.getByTestId('intake-tracking').fill(tracking);
    await page.getByTestId('intake-tracking').press('Enter');
    await page.keyboard.type(seed.student.name);
    await page.getByTestId(`intake-recipient-option-${seed.student.id}`).click();
    await page.getByTestId('intake-size-L').click();
    await page.getByTestId('intake-submit').click();

    await test.step('told where else to take it, and that nothing was recorded', async () => {
      const result = page.getByTestId('intake-result');
      await expect(result).toHaveAttribute('data-result', 'CourierBankFull');
      await expect(result).toHaveAttribute('data-cause', 'NO_FREE_COMPARTMENT');
      await expect(result).toContainText('No free compartment for it at Student Union');
      await expect(result).toContainText('nothing was recorded and the recipient has not been told');
      await expect(page.getByTestId('intake-alternative-Library')).toContainText('Main Library');
      await expect(page.getByTestId('intake-desk')).toContainText('mailroom desk');
      expect(await found()).toEqual([]);
      // The form still holds the parcel's details.
      await expect(page.getByTestId('intake-tracking')).toHaveValue(tracking);
    });

    await test.step('at the bank offered, one press takes it in', async () => {
      const opening = waitForCommand(library, { kind: 'OPEN_COMPARTMENT', via: 'COURIER_DEPOSIT' });
      await page.getByTestId('intake-alternative-choose-Library').click();
      await expect(page.getByTestId('dropoff-bank-Library')).toHaveAttribute('data-checked', 'true');
      await page.getByTestId('intake-submit').click();
      const result = page.getByTestId('intake-result');
      await expect(result).toHaveAttribute('data-result', 'ParcelReserved');
      await expect(result).toContainText('Library');
      const parcelId = (await result.getAttribute('data-parcel')) ?? '';
      parcels.track(parcelId);
      expect((await opening).outcome).toBe('OPENED');
      await expect(page.getByTestId('intake-deposit-status')).toHaveAttribute('data-phase', 'deposited');
      expect(await parcels.view(parcelId, 'student')).toMatchObject({
        status: 'READY_FOR_PICKUP',
        bank: { name: 'Library' },
      });
    });
  } finally {
    await outOfService('D01', false);
    await outOfService('D02', false);
  }
});
