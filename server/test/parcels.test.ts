/**
 * Parcel pickup end to end on the server: intake, deposit confirmed by the
 * controller, code and QR, pickup three ways, and the exceptions. Real server,
 * real graphql-ws, real simulated controllers.
 */
import { BUDGETS } from '../src/attempts/budgets.js';
import { describe, expect, it } from 'vitest';
import { collect, sleep, startTestServer } from './helpers/server.js';
import {
  depositParcel,
  eventually,
  intake,
  INTAKE,
  MY_PARCELS,
  onlineBank,
  person,
  pickupCodeOf,
  readyParcel,
  type Person,
} from './helpers/parcels.js';

describe('intake and deposit', () => {
  it('reserves the smallest fitting compartment, opens it, and makes the parcel ready when the door closes with it inside', async () => {
    const server = await startTestServer();
    const bank = await onlineBank(server, { count: 8 });
    const clerk = await person(server, 'MAILROOM');
    const student = await person(server, 'STUDENT');
    const live = collect(
      server.wsClient({ authorization: `Bearer ${student.token}` }),
      `subscription { myParcelUpdated { id status } }`,
    );
    await sleep(50);
    const { parcelId, label } = await depositParcel(server, bank, clerk, student, { size: 'M' });
    expect(label).toBe('B01'); // rows A=S, B=M: the smallest M is B01
    await live.until((items) => items.some((i) => i.data?.myParcelUpdated.status === 'READY_FOR_PICKUP'));
    const mine = await server.gql(MY_PARCELS, {}, student.token);
    const p = mine.data.myParcels.find((x: { id: string }) => x.id === parcelId);
    expect(p).toMatchObject({ status: 'READY_FOR_PICKUP', compartment: { label: 'B01' } });
    expect(p.pickupCode).toMatch(/^\d{8}$/);
    expect(p.pickupQrToken.split('.')).toHaveLength(3);
    const c = (await server.services.lockers.findCompartment(bank.bankId, 'B01'))!;
    expect(c.state).toBe('IN_USE');
    // Nobody else sees the code.
    const clerkView = await server.gql(
      `query ($id: ID!) { parcel(id: $id) { pickupCode pickupQrToken } }`,
      { id: parcelId },
      clerk.token,
    );
    expect(clerkView.data.parcel).toEqual({ pickupCode: null, pickupQrToken: null });
  });

  it('gives a recipient who needs a low compartment an accessible one', async () => {
    const server = await startTestServer();
    await onlineBank(server, { count: 8 });
    const clerk = await person(server, 'MAILROOM');
    const student = await person(server, 'STUDENT', { needsAccessible: true });
    const res = await intake(server, clerk, student, { size: 'S' });
    expect(res.compartment).toMatchObject({ accessible: true, label: 'D01' });
    // Someone who does not need it gets the smallest fit and leaves the low door free.
    const other = await intake(server, clerk, await person(server, 'STUDENT'), { size: 'S' });
    expect(other.compartment).toMatchObject({ accessible: false, label: 'A01' });
  });

  it('refuses the same tracking number twice unless forced, and keeps unknown formats as text', async () => {
    const server = await startTestServer();
    await onlineBank(server);
    const clerk = await person(server, 'MAILROOM');
    const student = await person(server, 'STUDENT');
    const input = { tracking: 'handed in by Prof. Li', recipientId: student.id };
    const first = await server.gql(INTAKE, { input }, clerk.token);
    expect(first.data.intakeParcel.__typename).toBe('ParcelReserved');
    const again = await server.gql(INTAKE, { input: { ...input, tracking: 'HANDED IN BY PROF. LI' } }, clerk.token);
    expect(again.data.intakeParcel.__typename).toBe('DuplicateTracking');
    const forced = await server.gql(INTAKE, { input: { ...input, force: true } }, clerk.token);
    expect(forced.data.intakeParcel.__typename).toBe('ParcelReserved');
  });

  it('answers an unknown recipient with NOT_FOUND, a too-big parcel as a typed outcome, and couriers only at their banks', async () => {
    const server = await startTestServer();
    const bank = await onlineBank(server, { count: 8 }); // no XL in 8 doors
    const clerk = await person(server, 'MAILROOM');
    const student = await person(server, 'STUDENT');
    const unknown = await server.gql(INTAKE, { input: { tracking: 'X1', recipientId: 'per_nope' } }, clerk.token);
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const big = await intake(server, clerk, student, { size: 'XL' });
    expect(big).toMatchObject({ __typename: 'ParcelTooBig', parcel: { status: 'AT_DESK', deskReason: 'TOO_BIG' } });
    const courier = await person(server, 'COURIER');
    const refused = await server.gql(
      INTAKE,
      { input: { tracking: 'C1', recipientId: student.id, bankId: bank.bankId } },
      courier.token,
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await server.gql(`mutation ($p: ID!, $b: [ID!]!) { setCourierBanks(personId: $p, bankIds: $b) { id } }`, {
      p: courier.id,
      b: [bank.bankId],
    });
    const mine = await server.gql(`{ me { courierBanks { id } } }`, {}, courier.token);
    expect(mine.data.me.courierBanks).toEqual([{ id: bank.bankId }]);
    const allowed = await server.gql(
      INTAKE,
      { input: { tracking: 'C2', recipientId: student.id, bankId: bank.bankId } },
      courier.token,
    );
    expect(allowed.data.intakeParcel.__typename).toBe('ParcelReserved');
    const student2 = await server.gql(INTAKE, { input: { tracking: 'C3', recipientId: student.id } }, student.token);
    expect(student2.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('gives 50 concurrent intakes for 10 fitting compartments exactly 10 deposits and 40 desk outcomes, never sharing a door', async () => {
    const server = await startTestServer();
    // 30 doors: 20 small ones and 10 large. Ask for L: only the 10 large fit.
    const compartments = Array.from({ length: 30 }, (_, i) => ({
      label: `X${String(i + 1).padStart(2, '0')}`,
      size: i < 20 ? 'S' : 'L',
    }));
    const bank = await onlineBank(server, { compartments });
    const fitting = (await server.services.lockers.store.compartmentsByBankIds([bank.bankId])).filter(
      (c) => c.size === 'L',
    ).length;
    const clerks: Person[] = [];
    for (let i = 0; i < 5; i++) clerks.push(await person(server, 'MAILROOM'));
    const student = await person(server, 'STUDENT');
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        server.gql(
          INTAKE,
          { input: { tracking: `RACE${i}`, recipientId: student.id, size: 'L' } },
          clerks[i % 5]!.token,
        ),
      ),
    );
    const outcomes = results.map((r) => r.data.intakeParcel);
    const reserved = outcomes.filter((o) => o.__typename === 'ParcelReserved');
    expect(fitting).toBe(10);
    expect(reserved).toHaveLength(10);
    expect(outcomes.filter((o) => o.__typename === 'ParcelSentToDesk')).toHaveLength(40);
    expect(new Set(reserved.map((o) => o.compartment.label)).size).toBe(10);
  });

  it('sends a parcel to the next bank on the site when the preferred one is full', async () => {
    const server = await startTestServer();
    const near = await onlineBank(server, { name: 'Near', count: 4 });
    await onlineBank(server, { name: 'Far', count: 4 });
    const clerk = await person(server, 'MAILROOM');
    const student = await person(server, 'STUDENT', { preferredBankId: near.bankId });
    const placed: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await intake(server, clerk, student, { size: 'M' });
      placed.push(r.__typename === 'ParcelReserved' ? `${r.parcel.id}` : r.__typename);
    }
    const banks: (string | null | undefined)[] = [];
    for (const id of placed) banks.push((await server.services.parcels.store.get(id))?.bankId);
    // Near (A01 S, B01 M, C01 M, D01 L) has three doors that fit M; the fourth parcel goes to Far.
    expect(banks.slice(0, 3)).toEqual([near.bankId, near.bankId, near.bankId]);
    expect(banks[3]).toBeDefined();
    expect(banks[3]).not.toBe(near.bankId);
  });

  it('raises a live DOOR_LEFT_OPEN alert to staff when a door stays open', async () => {
    const server = await startTestServer({ DOOR_LEFT_OPEN_SECONDS: '5' });
    const bank = await onlineBank(server);
    const staff = await person(server, 'MAILROOM');
    const alerts = collect(
      server.wsClient({ authorization: `Bearer ${staff.token}` }),
      `subscription { staffAlertUpdated { kind compartmentLabel resolvedAt } }`,
    );
    await sleep(50);
    bank.controller.openDoor('A02');
    await bank.controller.flush();
    await alerts.until((items) => items.some((i) => i.data?.staffAlertUpdated.kind === 'DOOR_LEFT_OPEN'), 8_000);
    bank.controller.closeDoor('A02');
    await bank.controller.flush();
    await alerts.until((items) => items.some((i) => i.data?.staffAlertUpdated.resolvedAt));
  });
});

describe('sensor glitches', () => {
  it('keeps a compartment with a parcel booked in it IN_USE when its sensor reads empty outside a pickup', async () => {
    const server = await startTestServer();
    const bank = await onlineBank(server, { count: 4 });
    const clerk = await person(server, 'MAILROOM');
    const student = await person(server, 'STUDENT');
    const { label } = await depositParcel(server, bank, clerk, student, { size: 'M' });
    bank.controller.record(label, 'EMPTY');
    await bank.controller.flush();
    expect(await server.services.lockers.findCompartment(bank.bankId, label)).toMatchObject({
      occupancy: 'EMPTY',
      state: 'IN_USE',
    });
    const next = await intake(server, clerk, student, { size: 'M' });
    expect(next.compartment.label).not.toBe(label);
  });
});

describe('pickup', () => {
  it('opens the right door for the keypad code; the parcel is picked up when the door closes empty and the compartment is free again', async () => {
    const { server, bank, clerk, student, parcelId, label } = await readyParcel();
    const code = await pickupCodeOf(server, student, parcelId);
    const command = bank.controller.nextCommand();
    // The controller's keypad calls redeemPickupCode over its own connection.
    const res = await bank.controller.redeemPickupCode(`${code.slice(0, 4)} ${code.slice(4)}`);
    expect(res).toMatchObject({ __typename: 'PickupOpened', compartmentLabel: label });
    expect((await command).command.compartmentLabel).toBe(label);
    bank.controller.record(label, 'EMPTY');
    bank.controller.closeDoor(label);
    await bank.controller.flush();
    await eventually(async () => (await server.services.parcels.store.get(parcelId))?.status === 'PICKED_UP');
    expect(await server.services.parcels.store.get(parcelId)).toMatchObject({ pickupMethod: 'CODE', codeLookup: null });
    expect(await server.services.lockers.findCompartment(bank.bankId, label)).toMatchObject({
      state: 'AVAILABLE',
      occupancy: 'EMPTY',
    });
    // Single use: the same code now gets the uniform refusal.
    const again = await bank.controller.redeemPickupCode(code);
    expect(again.__typename).toBe('PickupRefused');
    const openings = await server.gql(
      `query ($p: ID!) { doorOpenings(parcelId: $p) { via compartmentLabel } }`,
      { p: parcelId },
      clerk.token,
    );
    expect(openings.data.doorOpenings.map((o: { via: string }) => o.via).sort()).toEqual(['CODE', 'DEPOSIT']);
  });

  it('answers a wrong code, another bank\u2019s code and a used code the same way', async () => {
    const server = await startTestServer();
    const a = await onlineBank(server, { name: 'A' });
    const b = await onlineBank(server, { name: 'B' });
    const clerk = await person(server, 'MAILROOM');
    const student = await person(server, 'STUDENT');
    const { parcelId } = await depositParcel(server, a, clerk, student);
    const code = await pickupCodeOf(server, student, parcelId);
    const atOtherBank = await b.controller.redeemPickupCode(code);
    const wrong = await a.controller.redeemPickupCode(code === '00000000' ? '11111111' : '00000000');
    const garbage = await a.controller.redeemPickupCode('abc');
    expect(atOtherBank).toEqual(wrong);
    expect(garbage).toEqual(wrong);
    expect(wrong.__typename).toBe('PickupRefused');
  });

  it('lets a person who mistypes twice in; a full budget locks the keypad, alerts staff and refuses even the right code', async () => {
    const { server, bank, clerk, student, parcelId, label } = await readyParcel();
    const code = await pickupCodeOf(server, student, parcelId);
    const wrong = code === '12345678' ? '87654321' : '12345678';
    expect((await bank.controller.redeemPickupCode(wrong, label)).retryAfterSeconds).toBeNull();
    expect((await bank.controller.redeemPickupCode(wrong, label)).retryAfterSeconds).toBeNull();
    // The credential's budget: every further wrong code up to it is refused plainly; the one that fills it locks.
    const capacity = BUDGETS.PICKUP_CODE.credential!.capacity;
    for (let i = 2; i < capacity - 1; i++)
      expect((await bank.controller.redeemPickupCode(wrong)).retryAfterSeconds).toBeNull();
    const filling = await bank.controller.redeemPickupCode(wrong);
    expect(filling.retryAfterSeconds).toBeGreaterThan(50);
    const right = await bank.controller.redeemPickupCode(code);
    expect(right).toMatchObject({ __typename: 'PickupRefused', retryAfterSeconds: expect.any(Number) });
    const alerts = await server.gql(`{ staffAlerts { kind message } }`, {}, clerk.token);
    expect(alerts.data.staffAlerts.filter((a: { kind: string }) => a.kind === 'LOCKOUT').length).toBeGreaterThanOrEqual(
      1,
    );
  });

  it('opens for the right code after two wrong ones', async () => {
    const { server, bank, student, parcelId } = await readyParcel();
    const code = await pickupCodeOf(server, student, parcelId);
    const wrong = code === '12345678' ? '87654321' : '12345678';
    await bank.controller.redeemPickupCode(wrong);
    await bank.controller.redeemPickupCode(wrong);
    expect((await bank.controller.redeemPickupCode(code)).__typename).toBe('PickupOpened');
  });

  it('opens remotely from the app; a command that reaches the controller after its 30 s is not carried out', async () => {
    const server = await startTestServer({ OPEN_COMMAND_TTL_MS: '300' });
    // A slow link: the controller gets each command 600 ms late.
    const bank = await onlineBank(server, { commandDelayMs: 600 });
    const clerk = await person(server, 'MAILROOM');
    const student = await person(server, 'STUDENT');
    const { parcelId, label } = await depositParcel(server, bank, clerk, student);
    const handled = bank.controller.nextCommand();
    const open = await server.gql(
      `mutation ($p: ID!) { openMyParcel(parcelId: $p) { __typename } }`,
      { p: parcelId },
      student.token,
    );
    expect(open.data.openMyParcel.__typename).toBe('ParcelActionOk');
    expect((await handled).outcome).toBe('EXPIRED');
    await bank.controller.flush();
    await sleep(100);
    expect(bank.controller.compartment(label)?.door).toBe('CLOSED');
    const openings = (
      await server.gql(`query ($p: ID!) { doorOpenings(parcelId: $p) { via status } }`, { p: parcelId }, clerk.token)
    ).data.doorOpenings;
    expect(openings).toContainEqual({ via: 'REMOTE', status: 'EXPIRED' });
    expect((await server.services.parcels.store.get(parcelId))?.status).toBe('READY_FOR_PICKUP');
  });

  it('opens remotely when the link is good, and the parcel is picked up on close', async () => {
    const { server, bank, student, parcelId, label } = await readyParcel();
    const handled = bank.controller.nextCommand();
    const open = await server.gql(
      `mutation ($p: ID!) { openMyParcel(parcelId: $p) { __typename ... on ParcelActionOk { command { compartmentLabel via ttlMs } } } }`,
      { p: parcelId },
      student.token,
    );
    expect(open.data.openMyParcel).toMatchObject({
      __typename: 'ParcelActionOk',
      command: { compartmentLabel: label, via: 'REMOTE' },
    });
    expect(open.data.openMyParcel.command.ttlMs).toBeGreaterThan(25_000);
    expect((await handled).outcome).toBe('OPENED');
    bank.controller.record(label, 'EMPTY');
    bank.controller.closeDoor(label);
    await bank.controller.flush();
    await eventually(async () => (await server.services.parcels.store.get(parcelId))?.pickupMethod === 'REMOTE');
  });
});
