/**
 * The leaks an attacker found, each replayed against the real server: a
 * mailroom import that changed roles, a courier's search that listed the
 * directory, a duplicate tracking number that showed another person's parcel,
 * and a share that told whether an address has an account.
 */
import { describe, expect, it } from 'vitest';
import { depositParcel, INTAKE, intake, member, MY_PARCELS, onlineBank, person } from './helpers/parcels.js';
import { collect, connected, sleep, startTestServer, type TestServer } from './helpers/server.js';

const IMPORT = `mutation ($c: String!) { importPeople(csv: $c) { created updated errors { line message } } }`;
const SEARCH = `query ($s: String!, $l: Int) {
  people(search: $s, limit: $l) { id name email role department studentId needsAccessible preferredBank { id } }
}`;

const roleOf = async (server: TestServer, email: string) => (await server.services.people.findByEmail(email))?.role;

describe('role escalation through a people import', () => {
  it('refuses, line by line, a mailroom import that demotes an admin or promotes a student to IT; roles stay', async () => {
    const server = await startTestServer();
    const clerk = await person(server, 'MAILROOM');
    await member(server, { email: 'boss@uni.test', name: 'The Boss', role: 'ADMIN' });
    await member(server, { email: 'stu@uni.test', name: 'Stu Dent', role: 'STUDENT', department: 'Maths' });
    const csv = [
      'email,name,role,studentId,department',
      'boss@uni.test,The Boss,STUDENT,,', // demote an admin
      'stu@uni.test,Stu Dent,IT,S42,', // promote a student
      'stu@uni.test,Stu Dent,,S42,Physics', // move a person to another department
      'new@uni.test,New Staff,STAFF,,', // a new person with a role
      'fresh@uni.test,Fresh Student,STUDENT,S43,Maths', // a new student: fine
      'boss@uni.test,The Boss (Registry),ADMIN,,', // the same role, a new name: a contact field, fine
    ].join('\n');
    const res = await server.gql(IMPORT, { c: csv }, clerk.token);
    expect(res.data.importPeople).toEqual({
      created: 1,
      updated: 1,
      errors: [
        { line: 2, message: 'only an ADMIN changes roles: ADMIN to STUDENT refused' },
        { line: 3, message: 'only an ADMIN changes roles: STUDENT to IT refused' },
        { line: 4, message: 'only an ADMIN changes a department: refused' },
        { line: 5, message: 'only an ADMIN assigns roles: STAFF refused (new people are added as STUDENT)' },
      ],
    });
    expect(await roleOf(server, 'boss@uni.test')).toBe('ADMIN');
    expect((await server.services.people.findByEmail('boss@uni.test'))?.name).toBe('The Boss (Registry)');
    expect(await roleOf(server, 'stu@uni.test')).toBe('STUDENT');
    expect(await server.services.people.findByEmail('stu@uni.test')).toMatchObject({
      department: 'Maths',
      studentId: null,
    });
    expect(await server.services.people.findByEmail('new@uni.test')).toBeUndefined();
    expect(await server.services.people.findByEmail('fresh@uni.test')).toMatchObject({
      role: 'STUDENT',
      department: 'Maths',
    });

    // An admin's import assigns roles; an empty role cell changes none.
    const byAdmin = await server.gql(
      IMPORT,
      { c: 'email,name,role\nstu@uni.test,Stu Dent,IT\nboss@uni.test,The Boss,' },
      server.adminToken,
    );
    expect(byAdmin.data.importPeople).toEqual({ created: 0, updated: 2, errors: [] });
    expect(await roleOf(server, 'stu@uni.test')).toBe('IT');
    expect(await roleOf(server, 'boss@uni.test')).toBe('ADMIN');
  });
});

describe('a courier looking for a recipient', () => {
  it('finds someone only by exactly what a label shows, and sees their name and nothing else', async () => {
    const server = await startTestServer();
    const courier = await person(server, 'COURIER');
    const clerk = await person(server, 'MAILROOM');
    const ada = await member(server, {
      email: 'ada@uni.test',
      name: 'Ada Lovelace',
      role: 'STUDENT',
      department: 'Maths',
      studentId: 'S1001',
    });
    await server.services.people.updatePreferences(
      { personId: ada.id, role: 'STUDENT', department: 'Maths', tokenId: 'seed' },
      { needsAccessible: true },
      () => true,
    );
    await member(server, { email: 'adam@uni.test', name: 'Adam Smith', role: 'IT' });

    // The directory is not browsable: partial names, domains and wildcards find no one.
    for (const term of ['Ada', 'uni.test', '%', 'S100', 'lovelace', '@uni.test']) {
      const res = await server.gql(SEARCH, { s: term }, courier.token);
      expect(res.data.people, term).toEqual([]);
    }
    const shown = {
      id: ada.id,
      name: 'Ada Lovelace',
      email: 'a•••@uni.test',
      role: 'STUDENT',
      department: null,
      studentId: null,
      needsAccessible: false,
      preferredBank: null,
    };
    for (const term of ['ada@uni.test', 'ADA@UNI.TEST', 's1001', 'ada lovelace', '  Ada   Lovelace ']) {
      const res = await server.gql(SEARCH, { s: term }, courier.token);
      expect(res.data.people, term).toEqual([shown]);
    }
    // An IT person found by a courier is shown as no more than a name either.
    expect((await server.gql(SEARCH, { s: 'adam@uni.test' }, courier.token)).data.people[0]).toMatchObject({
      role: 'STUDENT',
      email: 'a•••@uni.test',
    });
    // Namesakes: a few at most.
    for (let i = 0; i < 5; i++) await member(server, { email: `jo${i}@uni.test`, name: 'Jo Bloggs', role: 'STUDENT' });
    expect((await server.gql(SEARCH, { s: 'jo bloggs', l: 50 }, courier.token)).data.people).toHaveLength(3);

    // The mailroom still searches the directory and sees everything.
    const desk = await server.gql(SEARCH, { s: 'Ada' }, clerk.token);
    expect(desk.data.people).toEqual([
      { ...shown, email: 'ada@uni.test', department: 'Maths', studentId: 'S1001', needsAccessible: true },
      expect.objectContaining({ name: 'Adam Smith', role: 'IT' }),
    ]);
  });

  it('is told a tracking number is a duplicate without being shown someone else’s parcel', async () => {
    const server = await startTestServer();
    const bank = await onlineBank(server, { count: 8 });
    const clerk = await person(server, 'MAILROOM');
    const courier = await person(server, 'COURIER');
    const student = await person(server, 'STUDENT');
    await server.gql(`mutation ($p: ID!, $b: [ID!]!) { setCourierBanks(personId: $p, bankIds: $b) { id } }`, {
      p: courier.id,
      b: [bank.bankId],
    });
    const tracking = `1Z999AA1${Date.now()}`;
    const first = await intake(server, clerk, student, { tracking });
    expect(first.__typename).toBe('ParcelReserved');

    const DUPLICATE = `mutation ($input: IntakeParcelInput!) {
      intakeParcel(input: $input) {
        __typename
        ... on DuplicateTracking { existing { id tracking status recipient { name email } bank { name } } message }
      }
    }`;
    const input = { tracking, recipientId: student.id, bankId: bank.bankId };
    const byCourier = (await server.gql(DUPLICATE, { input }, courier.token)).data.intakeParcel;
    expect(byCourier).toEqual({
      __typename: 'DuplicateTracking',
      existing: null,
      message: `Tracking ${tracking} was taken in already. Take it in again only if it is really a second parcel.`,
    });
    // The mailroom, who may see every parcel, is shown the one taken in already.
    const byClerk = (await server.gql(DUPLICATE, { input }, clerk.token)).data.intakeParcel;
    expect(byClerk.existing).toMatchObject({ id: first.parcel.id, tracking, status: 'AWAITING_DEPOSIT' });
    expect(byClerk.message).toContain('(awaiting deposit)');
    // A courier's own earlier drop-off is its own to see.
    const own = await server.gql(
      INTAKE,
      { input: { tracking: `OWN${tracking}`, recipientId: student.id, bankId: bank.bankId } },
      courier.token,
    );
    expect(own.data.intakeParcel.__typename).not.toBe('DuplicateTracking');
    const again = await server.gql(
      INTAKE,
      { input: { tracking: `OWN${tracking}`, recipientId: student.id, bankId: bank.bankId } },
      courier.token,
    );
    expect(again.data.intakeParcel.existing).toEqual({ id: own.data.intakeParcel.parcel.id });
  });
});

describe('sharing pickup', () => {
  const SHARE = `mutation ($p: ID!, $e: String) {
    shareParcelPickup(parcelId: $p, email: $e) {
      __typename
      ... on ParcelActionOk { parcel { id proxy { id name email role department studentId } } }
      ... on ParcelActionRefused { reason message }
    }
  }`;

  it('answers the same whether or not the address has an account, and the recipient sees only the address entered', async () => {
    const server = await startTestServer();
    const bank = await onlineBank(server);
    const clerk = await person(server, 'MAILROOM');
    const student = await person(server, 'STUDENT');
    const admin = await member(server, { email: 'root@uni.test', name: 'Root Admin', role: 'ADMIN' });
    const { parcelId } = await depositParcel(server, bank, clerk, student);

    const shownAs = (address: string) => ({
      __typename: 'ParcelActionOk',
      parcel: {
        id: parcelId,
        proxy: {
          id: `${parcelId}:proxy`,
          name: address,
          email: address,
          role: 'STUDENT',
          department: null,
          studentId: null,
        },
      },
    });
    const withAccount = await server.gql(SHARE, { p: parcelId, e: 'Root@Uni.test' }, student.token);
    expect(withAccount.data.shareParcelPickup).toEqual(shownAs('root@uni.test'));
    expect((await server.services.parcels.store.get(parcelId))?.proxyId).toBe(admin.id);

    const withoutAccount = await server.gql(SHARE, { p: parcelId, e: 'nobody@uni.test' }, student.token);
    expect(withoutAccount.data.shareParcelPickup).toEqual(shownAs('nobody@uni.test'));
    // Nothing was shared (and the admin shared with before may no longer collect it) …
    expect((await server.services.parcels.store.get(parcelId))?.proxyId).toBeNull();
    expect((await server.gql(MY_PARCELS, {}, admin.token)).data.myParcels).toEqual([]);
    // … yet the recipient's card reads the same, now and later.
    const mine = await server.gql(`{ myParcels { id proxy { id name email } } }`, {}, student.token);
    expect(mine.data.myParcels).toEqual([
      { id: parcelId, proxy: { id: `${parcelId}:proxy`, name: 'nobody@uni.test', email: 'nobody@uni.test' } },
    ]);

    const removed = await server.gql(SHARE, { p: parcelId, e: null }, student.token);
    expect(removed.data.shareParcelPickup.parcel.proxy).toBeNull();
    expect(
      (await server.gql(SHARE, { p: parcelId, e: 'not an address' }, student.token)).errors?.[0]?.extensions?.code,
    ).toBe('BAD_USER_INPUT');
  });

  it('sends a removed proxy nothing more about the parcel', async () => {
    const server = await startTestServer();
    const bank = await onlineBank(server);
    const clerk = await person(server, 'MAILROOM');
    const student = await person(server, 'STUDENT');
    const friend = await person(server, 'STUDENT');
    const { parcelId } = await depositParcel(server, bank, clerk, student);
    const socket = server.wsClient({ authorization: `Bearer ${friend.token}` });
    await connected(socket);
    const theirs = collect(socket, `subscription { myParcelUpdated { id pickupCode } }`);
    await sleep(50);
    await server.gql(SHARE, { p: parcelId, e: friend.email }, student.token);
    await theirs.until((items) => items.length === 1);
    expect(theirs.items[0]?.data?.myParcelUpdated.pickupCode).toMatch(/^\d{8}$/);
    await server.gql(SHARE, { p: parcelId, e: null }, student.token);
    await server.gql(
      `mutation ($p: ID!) { extendParcelHold(parcelId: $p) { __typename } }`,
      { p: parcelId },
      student.token,
    );
    await sleep(300);
    expect(theirs.items).toHaveLength(1);
  });

  it('shows the proxy the recipient by name only, and operators the real people', async () => {
    const server = await startTestServer();
    const bank = await onlineBank(server);
    const clerk = await person(server, 'MAILROOM');
    const recipient = await member(server, {
      email: 'rita@uni.test',
      name: 'Rita Recipient',
      role: 'STUDENT',
      studentId: 'S77',
      department: 'Law',
    });
    const friend = await member(server, {
      email: 'fred@uni.test',
      name: 'Fred Friend',
      role: 'STUDENT',
      studentId: 'S78',
    });
    const { parcelId } = await depositParcel(server, bank, clerk, {
      id: recipient.id,
      email: recipient.email,
      token: recipient.token,
    });
    await server.gql(SHARE, { p: parcelId, e: friend.email }, recipient.token);
    const PEOPLE = `query ($id: ID!) { parcel(id: $id) { recipient { id name email studentId department } proxy { id name email studentId } } }`;
    expect((await server.gql(PEOPLE, { id: parcelId }, friend.token)).data.parcel).toEqual({
      recipient: {
        id: recipient.id,
        name: 'Rita Recipient',
        email: 'r•••@uni.test',
        studentId: null,
        department: null,
      },
      proxy: { id: friend.id, name: 'Fred Friend', email: 'fred@uni.test', studentId: 'S78' },
    });
    expect((await server.gql(PEOPLE, { id: parcelId }, clerk.token)).data.parcel).toEqual({
      recipient: {
        id: recipient.id,
        name: 'Rita Recipient',
        email: 'rita@uni.test',
        studentId: 'S77',
        department: 'Law',
      },
      proxy: { id: friend.id, name: 'Fred Friend', email: 'fred@uni.test', studentId: 'S78' },
    });
  });
});
