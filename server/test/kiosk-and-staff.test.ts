/**
 * The kiosk acts for its bank through its own credential; staff manage
 * compartments and the people directory.
 */
import { budgetKey, PICKUP_CODE_EXPOSURE_CAP } from '../src/attempts/budgets.js';
import { describe, expect, it } from 'vitest';
import { depositParcel, onlineBank, person, pickupCodeOf, readyParcel } from './helpers/parcels.js';
import { closeCode, collect, connected, sleep, startTestServer } from './helpers/server.js';

const KIOSK = `mutation ($b: ID!) { createKioskCredential(bankId: $b, name: "Lobby screen") { id bankId token } }`;
const REDEEM = `mutation ($code: String!, $hint: String) {
  redeemPickupCode(code: $code, compartmentHint: $hint) { __typename ... on PickupOpened { compartmentLabel } ... on PickupRefused { message retryAfterSeconds } }
}`;

describe('kiosk', () => {
  it('is paired with one bank by an admin and redeems codes for that bank only', async () => {
    const server = await startTestServer();
    const a = await onlineBank(server, { name: 'A' });
    const b = await onlineBank(server, { name: 'B' });
    const clerk = await person(server, 'MAILROOM');
    const student = await person(server, 'STUDENT');
    expect((await server.gql(KIOSK, { b: a.bankId }, clerk.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const kioskA = (await server.gql(KIOSK, { b: a.bankId })).data.createKioskCredential.token as string;
    const kioskB = (await server.gql(KIOSK, { b: b.bankId })).data.createKioskCredential.token as string;
    expect((await server.gql(`{ kioskSession { bank { name } } me { id } }`, {}, kioskA)).data).toEqual({
      kioskSession: { bank: { name: 'A' } },
      me: null,
    });

    const { parcelId, label } = await depositParcel(server, a, clerk, student);
    const code = await pickupCodeOf(server, student, parcelId);
    const atB = await server.gql(REDEEM, { code }, kioskB);
    expect(atB.data.redeemPickupCode.__typename).toBe('PickupRefused');
    const command = a.controller.nextCommand();
    const atA = await server.gql(REDEEM, { code }, kioskA);
    expect(atA.data.redeemPickupCode).toEqual({ __typename: 'PickupOpened', compartmentLabel: label });
    expect((await command).command).toMatchObject({ compartmentLabel: label, via: 'CODE' });

    // A kiosk is not a person: it cannot read parcels, people or other banks' events.
    expect((await server.gql(`{ parcels { id } }`, {}, kioskA)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await server.gql(`{ people(search: "st") { id } }`, {}, kioskA)).errors?.[0]?.extensions?.code).toBe(
      'FORBIDDEN',
    );
    expect((await server.gql(`{ lockerBanks { name } }`, {}, kioskA)).data.lockerBanks).toEqual([{ name: 'A' }]);
    // People cannot redeem codes as if they were a kiosk.
    expect((await server.gql(REDEEM, { code }, student.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('sees its own bank live over WebSocket, and a made-up kiosk token is refused with 4403', async () => {
    const server = await startTestServer();
    const a = await onlineBank(server, { name: 'A' });
    const b = await onlineBank(server, { name: 'B' });
    const kioskA = (await server.gql(KIOSK, { b: a.bankId })).data.createKioskCredential.token as string;
    const screen = server.wsClient({ authorization: `Bearer ${kioskA}` });
    await connected(screen);
    const updates = collect(screen, `subscription { compartmentUpdated { bankId label door } }`);
    await sleep(50);
    b.controller.openDoor('A01');
    a.controller.openDoor('A02');
    await Promise.all([a.controller.flush(), b.controller.flush()]);
    await updates.until((items) => items.length >= 1);
    await sleep(100);
    expect(updates.items.map((i) => i.data?.compartmentUpdated)).toEqual([
      { bankId: a.bankId, label: 'A02', door: 'OPEN' },
    ]);
    expect(await closeCode(server.wsClient({ authorization: 'Bearer blk_made-up' }))).toBe(4403);
  });

  it('stops working at once when an admin revokes it', async () => {
    const server = await startTestServer();
    const a = await onlineBank(server, { name: 'A' });
    const { id, token } = (await server.gql(KIOSK, { b: a.bankId })).data.createKioskCredential;
    expect((await server.gql(`{ kioskSession { kioskId } }`, {}, token)).data.kioskSession).toEqual({ kioskId: id });
    const REVOKE = `mutation ($id: ID!) { revokeKioskCredential(id: $id) }`;
    expect(
      (await server.gql(REVOKE, { id }, (await person(server, 'MAILROOM')).token)).errors?.[0]?.extensions?.code,
    ).toBe('FORBIDDEN');
    expect((await server.gql(REVOKE, { id })).data.revokeKioskCredential).toBe(true);
    expect((await server.gql(`{ kioskSession { kioskId } }`, {}, token)).data.kioskSession).toBeNull();
    // A revoked credential is no one's: UNAUTHENTICATED.
    expect((await server.gql(REDEEM, { code: '12345678' }, token)).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    expect(await closeCode(server.wsClient({ authorization: `Bearer ${token}` }))).toBe(4403);
    expect((await server.gql(REVOKE, { id: 'ksk_nope' })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('reports "door did not open" for its bank, raising an alert', async () => {
    const server = await startTestServer();
    const a = await onlineBank(server, { name: 'A' });
    const kiosk = (await server.gql(KIOSK, { b: a.bankId })).data.createKioskCredential.token as string;
    const res = await server.gql(
      `mutation { reportDoorDidNotOpen(compartmentLabel: "b01", note: "pressed twice") { kind bankId compartmentLabel message } }`,
      {},
      kiosk,
    );
    expect(res.data.reportDoorDidNotOpen).toMatchObject({
      kind: 'DOOR_DID_NOT_OPEN',
      bankId: a.bankId,
      compartmentLabel: 'B01',
    });
    expect(res.data.reportDoorDidNotOpen.message).toContain('pressed twice');
  });
});

describe('a pickup code exposed to too many guesses', () => {
  it('is re-issued, whatever door the guesses named, and the recipient gets the new code', async () => {
    const { server, bank, clerk, student, parcelId } = await readyParcel();
    const code = await pickupCodeOf(server, student, parcelId);
    const wrong = code === '00000000' ? '11111111' : '00000000';
    // Stand the bank's lifetime failure count one short of the cap, as if
    // PICKUP_CODE_EXPOSURE_CAP - 1 wrong codes had been typed there since this one was issued.
    const key = budgetKey('PICKUP_CODE', 'bank', bank.bankId);
    const store = server.services.attempts.store;
    const base = (await server.services.parcels.store.get(parcelId))!.codeExposureBase;
    await server.services.db.transaction(async (tx) => {
      await store.save(tx, key, {
        ...(await store.counter(tx, key, new Date())),
        total: base + PICKUP_CODE_EXPOSURE_CAP - 1,
      });
    });
    // One more wrong code, with no door hint at all.
    expect((await bank.controller.redeemPickupCode(wrong)).__typename).toBe('PickupRefused');
    const fresh = await pickupCodeOf(server, student, parcelId);
    expect(fresh).not.toBe(code);
    expect((await bank.controller.redeemPickupCode(code)).__typename).toBe('PickupRefused');
    expect((await bank.controller.redeemPickupCode(fresh)).__typename).toBe('PickupOpened');
    const alerts = await server.gql(`{ staffAlerts { kind message } }`, {}, clerk.token);
    expect(
      alerts.data.staffAlerts.some(
        (a: { kind: string; message: string }) => a.kind === 'LOCKOUT' && a.message.includes('code was replaced'),
      ),
    ).toBe(true);
  });
});

describe('staff tools', () => {
  it('takes a compartment out of service (never chosen, refuses openings) and puts it back', async () => {
    const server = await startTestServer();
    const bank = await onlineBank(server, { count: 4 });
    const it_ = await person(server, 'IT');
    const clerk = await person(server, 'MAILROOM');
    const student = await person(server, 'STUDENT');
    const OOS = `mutation ($b: ID!, $l: String!, $o: Boolean!, $r: String!) { setCompartmentOutOfService(bankId: $b, label: $l, outOfService: $o, reason: $r) { label state } }`;
    expect(
      (await server.gql(OOS, { b: bank.bankId, l: 'B01', o: true, r: 'x' }, it_.token)).errors?.[0]?.extensions?.code,
    ).toBe('BAD_USER_INPUT');
    expect(
      (await server.gql(OOS, { b: bank.bankId, l: 'B01', o: true, r: 'hinge broken' }, it_.token)).data
        .setCompartmentOutOfService,
    ).toEqual({ label: 'B01', state: 'OUT_OF_SERVICE' });
    expect(
      (await server.gql(OOS, { b: bank.bankId, l: 'B01', o: true, r: 'mine' }, student.token)).errors?.[0]?.extensions
        ?.code,
    ).toBe('FORBIDDEN');
    const r = await server.gql(
      `mutation ($i: IntakeParcelInput!) { intakeParcel(input: $i) { ... on ParcelReserved { compartment { label } } } }`,
      { i: { tracking: 'OOS1', recipientId: student.id, size: 'M' } },
      clerk.token,
    );
    expect(r.data.intakeParcel.compartment.label).toBe('C01');
    expect(
      (await server.gql(OOS, { b: bank.bankId, l: 'B01', o: false, r: 'fixed' }, it_.token)).data
        .setCompartmentOutOfService.state,
    ).toBe('AVAILABLE');
  });

  it('imports a people directory from CSV, answering each line, and finds recipients by name, e-mail or student id', async () => {
    const server = await startTestServer();
    const clerk = await person(server, 'MAILROOM');
    const csv = [
      'email,name,role,studentId,department',
      'ada@uni.test,"Lovelace, Ada",STUDENT,S1001,Maths',
      'not-an-email,Bob,STUDENT,,',
      'carl@uni.test,Carl,WIZARD,,',
      'dana@uni.test,Dana Analyst,DEPARTMENT,,Engineering',
      'eve@uni.test,Eve,ADMIN,,',
      '',
    ].join('\n');
    const res = await server.gql(
      `mutation ($c: String!) { importPeople(csv: $c) { created updated errors { line message } } }`,
      { c: csv },
      clerk.token,
    );
    // The mailroom adds students; roles (DEPARTMENT, ADMIN) are an admin's to give.
    expect(res.data.importPeople.created).toBe(1);
    expect(res.data.importPeople.errors.map((e: { line: number }) => e.line)).toEqual([3, 4, 5, 6]);
    const again = await server.gql(
      `mutation ($c: String!) { importPeople(csv: $c) { created updated } }`,
      { c: 'email,name\nada@uni.test,Ada Lovelace' },
      clerk.token,
    );
    expect(again.data.importPeople).toEqual({ created: 0, updated: 1 });
    for (const term of ['lovelace', 'ADA@uni', 's1001']) {
      const found = await server.gql(
        `query ($s: String!) { people(search: $s) { email studentId } }`,
        { s: term },
        clerk.token,
      );
      expect(found.data.people).toEqual([{ email: 'ada@uni.test', studentId: 'S1001' }]);
    }
    const noHeader = await server.gql(`mutation { importPeople(csv: "a,b\\n") { created } }`, {}, clerk.token);
    expect(noHeader.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
