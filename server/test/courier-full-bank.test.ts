/**
 * A courier standing at a bank that cannot take the parcel (nothing fitting
 * free, nothing that big, or the bank offline) still has the parcel in hand:
 * the answer says where else to take it (the site's other banks of theirs that
 * are online with room now) or the mailroom desk, and nothing is recorded:
 * no parcel "at the desk", no notice to the recipient.
 */
import { describe, expect, it } from 'vitest';
import { intake, onlineBank, person } from './helpers/parcels.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const COURIER_INTAKE = `mutation ($input: IntakeParcelInput!) {
  intakeParcel(input: $input) {
    __typename
    ... on ParcelReserved { parcel { id status bank { name } } compartment { label } }
    ... on ParcelSentToDesk { parcel { id } reason message }
    ... on ParcelTooBig { parcel { id } message }
    ... on CourierBankFull { bank { name } cause alternatives { name location status } deskLocation message }
  }
}`;
const SET_BANKS = `mutation ($p: ID!, $b: [ID!]!) { setCourierBanks(personId: $p, bankIds: $b) { id } }`;
const DESK = 'Mailroom, Student Services, room 014';

/** What the recipient would have been told, and what the mailroom would think it holds. */
async function traces(server: TestServer, recipientId: string) {
  const { db } = server.services;
  const { notificationOutbox, parcels } = db.tables;
  return {
    notices: (await db.read.select().from(notificationOutbox)).filter((n) => n.personId === recipientId),
    parcels: (await db.read.select().from(parcels)).filter((p) => p.recipientId === recipientId),
  };
}

describe('a courier at a bank that cannot take the parcel', () => {
  it('is offered the site’s other banks of theirs with room now; nothing is recorded and the recipient is not told', async () => {
    const server = await startTestServer({ MAILROOM_DESK_LOCATION: DESK });
    // Here: A01 S, B01 M, C01 M, D01 L: one door takes an L.
    const here = await onlineBank(server, { name: 'Here', count: 4 });
    const roomy = await onlineBank(server, { name: 'Roomy', count: 12 });
    const away = await server.createBank({ name: 'Away', count: 12 }); // no controller connected
    const notMine = await onlineBank(server, { name: 'Not mine', count: 12 });
    const clerk = await person(server, 'MAILROOM');
    const courier = await person(server, 'COURIER');
    const student = await person(server, 'STUDENT');
    const other = await person(server, 'STUDENT');
    await server.gql(SET_BANKS, { p: courier.id, b: [here.bankId, roomy.bankId, away.bankId] });

    // The mailroom fills Here's only L door (the deposit stays under way: the door is held open).
    const first = await intake(server, clerk, other, { size: 'L', bankId: here.bankId });
    expect(first).toMatchObject({ __typename: 'ParcelReserved', compartment: { label: 'D01' } });
    const before = await traces(server, student.id);

    const res = await server.gql(
      COURIER_INTAKE,
      { input: { tracking: 'COURIER-L-1', recipientId: student.id, size: 'L', bankId: here.bankId } },
      courier.token,
    );
    expect(res.errors).toBeUndefined();
    const full = res.data.intakeParcel;
    expect(full).toMatchObject({
      __typename: 'CourierBankFull',
      bank: { name: 'Here' },
      cause: 'NO_FREE_COMPARTMENT',
      deskLocation: DESK,
    });
    // Not the bank it is at, not the offline one, not one the courier may not use.
    expect(full.alternatives.map((b: { name: string }) => b.name)).toEqual(['Roomy']);
    expect(full.alternatives[0].status).toBe('ONLINE');
    expect(full.message).toContain('Nothing was recorded and the recipient was not told');
    expect(full.message).toContain('Roomy');
    expect(full.message).toContain(DESK);

    // No parcel at the desk, no notice: the courier still has it.
    expect(await traces(server, student.id)).toEqual(before);
    expect(before).toEqual({ notices: [], parcels: [] });
    const atDesk = await server.gql(`{ parcels(status: AT_DESK) { id } }`, {}, clerk.token);
    expect(atDesk.data.parcels).toEqual([]);
    expect(notMine.bankId).toBeTruthy();

    // At the bank offered, the same parcel goes in.
    const there = await server.gql(
      COURIER_INTAKE,
      { input: { tracking: 'COURIER-L-1', recipientId: student.id, size: 'L', bankId: roomy.bankId } },
      courier.token,
    );
    expect(there.data.intakeParcel).toMatchObject({
      __typename: 'ParcelReserved',
      parcel: { status: 'AWAITING_DEPOSIT', bank: { name: 'Roomy' } },
    });
  });

  it('is told when no compartment there is that big, or the bank is offline, and sent to the desk when no bank of theirs has room', async () => {
    const server = await startTestServer({ MAILROOM_DESK_LOCATION: DESK });
    const here = await onlineBank(server, { name: 'Here', count: 4 }); // no XL
    const roomy = await onlineBank(server, { name: 'Roomy', count: 12 }); // C03 is XL
    const away = await server.createBank({ name: 'Away', count: 12 });
    const courier = await person(server, 'COURIER');
    const student = await person(server, 'STUDENT');
    const ask = async (bankId: string, size: string, tracking: string) => {
      const r = await server.gql(
        COURIER_INTAKE,
        { input: { tracking, recipientId: student.id, size, bankId } },
        courier.token,
      );
      expect(r.errors).toBeUndefined();
      return r.data.intakeParcel;
    };
    await server.gql(SET_BANKS, { p: courier.id, b: [here.bankId, roomy.bankId, away.bankId] });

    expect(await ask(here.bankId, 'XL', 'BIG-1')).toMatchObject({
      __typename: 'CourierBankFull',
      cause: 'TOO_BIG',
      alternatives: [{ name: 'Roomy' }],
    });
    const offline = await ask(away.bankId, 'M', 'AWAY-1');
    expect(offline).toMatchObject({ __typename: 'CourierBankFull', cause: 'BANK_OFFLINE', bank: { name: 'Away' } });
    expect(offline.alternatives.map((b: { name: string }) => b.name)).toEqual(['Here', 'Roomy']);
    expect(offline.message).toContain('Away is not connected right now');

    // Only Here is theirs: nowhere else to go but the desk.
    await server.gql(SET_BANKS, { p: courier.id, b: [here.bankId] });
    const deskOnly = await ask(here.bankId, 'XL', 'BIG-2');
    expect(deskOnly).toMatchObject({ __typename: 'CourierBankFull', cause: 'TOO_BIG', alternatives: [] });
    expect(deskOnly.message).toMatch(new RegExp(`take it to the mailroom desk \\(${DESK}\\)\\.$`));

    expect(await traces(server, student.id)).toEqual({ notices: [], parcels: [] });
  });

  it('still has the mailroom keep a parcel at the desk when every bank is full (the desk really has it)', async () => {
    const server = await startTestServer();
    const bank = await onlineBank(server, { count: 4 });
    const clerk = await person(server, 'MAILROOM');
    const student = await person(server, 'STUDENT');
    await intake(server, clerk, student, { size: 'L', bankId: bank.bankId });
    const res = await intake(server, clerk, student, { size: 'L', bankId: bank.bankId });
    expect(res).toMatchObject({ __typename: 'ParcelSentToDesk', reason: 'LOCKERS_FULL' });
    expect((await traces(server, student.id)).notices.map((n) => n.subject)).toContain(
      'Your parcel is at the mailroom desk',
    );
  });
});
