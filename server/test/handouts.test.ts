/**
 * IT handouts on the handover core, against the real server with a connected
 * simulated controller: a loan loaded, picked up at the keypad, returned,
 * collected and checked in; the loan rules and their override; the
 * self-service pool with the agreement; a break/fix swap in one visit; and
 * the bad input of the issue (an asset already out, no charging compartment,
 * a return of something not held, a pile of tags with unknown and repeated ones).
 */
import { describe, expect, it } from 'vitest';
import { eventually, person } from './helpers/parcels.js';
import { startTestServer, TestClock } from './helpers/server.js';
import {
  asset,
  atKeypad,
  CHECK_IN,
  codeOf,
  COLLECT,
  CREATE_HANDOUT,
  HANDOUT_RESULT,
  handoutWorld,
  itBank,
  load,
  MY_LOANS,
  readyLoan,
  rule,
  START_RETURN,
} from './helpers/handouts.js';

const hour = 3_600_000;

describe('a loan through the lockers', () => {
  it('goes loaded → picked up with the code → returned → collected → checked in, with the asset and its history following', async () => {
    const clock = new TestClock();
    const server = await startTestServer({}, { clock });
    const { bank, it, student } = await handoutWorld(server);
    const laptop = await asset(server, it);

    const { loanId, label } = await readyLoan(server, bank, it, student, laptop);
    expect(label).toMatch(/^C0/); // a laptop goes into a charging compartment
    expect((await server.services.handouts.asset(laptop.id))?.status).toBe('LOADED');
    // The student is told, with the code (kept out of the text at rest).
    const notice = await eventually(async () =>
      (
        await server.gql(`{ devOutbox(to: "${student.email}") { subject text } }`, {}, server.adminToken)
      ).data?.devOutbox.find((m: { subject: string }) => m.subject.includes('is ready')),
    );
    const code = await codeOf(server, student, loanId);
    expect(notice.text).toContain(code);

    // Picked up at the keypad on the shared redeem path: the loan starts, due by the rules (48 h).
    const startedAt = clock.now().getTime();
    await atKeypad(bank, code, 'take');
    const active = await eventually(async () => {
      const l = await server.services.handouts.store.loan(loanId);
      return l?.status === 'ACTIVE' ? l : null;
    });
    expect(active.dueAt!.getTime() - startedAt).toBeGreaterThan(47.9 * hour);
    expect(active.dueAt!.getTime() - startedAt).toBeLessThan(48.1 * hour);
    expect((await server.services.handouts.asset(laptop.id))?.status).toBe('WITH_PERSON');
    expect((await server.services.lockers.findCompartment(bank.bankId, label))?.state).toBe('AVAILABLE');
    // The code is spent.
    expect((await bank.controller.redeemPickupCode(code)).__typename).toBe('PickupRefused');

    // The student starts the return: a drop-off code for a free compartment.
    const started = (await server.gql(START_RETURN, { loanId }, student.token)).data?.startReturn;
    expect(started).toMatchObject({ __typename: 'HandoutDone', loan: { status: 'RETURNING' } });
    expect(started.handout).toMatchObject({ direction: 'IN', status: 'AWAITING_DROPOFF' });
    const dropCode = started.handout.code as string;
    expect(dropCode).toMatch(/^\d+$/);
    const dropLabel = await atKeypad(bank, dropCode, 'put');
    const dropped = await eventually(async () => {
      const h = await server.services.handouts.store.handout(started.handout.id);
      return h?.status === 'DROPPED' ? h : null;
    });
    expect(dropped.method).toBe('CODE');
    expect((await server.services.handouts.asset(laptop.id))?.status).toBe('RETURN_PENDING');
    // IT is told.
    const alerts = await server.gql(`{ staffAlerts { kind compartmentLabel message } }`, {}, it.token);
    expect(alerts.data?.staffAlerts).toContainEqual(
      expect.objectContaining({ kind: 'DEVICE_RETURNED', compartmentLabel: dropLabel }),
    );
    // Check-in before it is out of the compartment is refused, naming why.
    const early = (await server.gql(CHECK_IN, { tag: laptop.tag }, it.token)).data?.checkInAsset;
    expect(early).toMatchObject({ ok: false, message: expect.stringContaining('collect it first') });

    // IT collects it and checks it in.
    const command = bank.controller.nextCommand(10_000, (h) => h.command.kind === 'OPEN_COMPARTMENT');
    const collect = (await server.gql(COLLECT, { id: started.handout.id }, it.token)).data?.collectReturn;
    expect(collect.__typename).toBe('HandoutDone');
    expect((await command).command.compartmentLabel).toBe(dropLabel);
    bank.controller.record(dropLabel, 'EMPTY');
    bank.controller.closeDoor(dropLabel);
    await bank.controller.flush();
    await eventually(
      async () => (await server.services.handouts.store.handout(started.handout.id))?.status === 'COLLECTED',
    );
    const checkedIn = (await server.gql(CHECK_IN, { tag: laptop.tag }, it.token)).data?.checkInAsset;
    expect(checkedIn).toMatchObject({ ok: true, asset: { status: 'IN_STOCK' }, loan: { status: 'CLOSED' } });
    // Nothing applied twice.
    const again = (await server.gql(CHECK_IN, { tag: laptop.tag }, it.token)).data?.checkInAsset;
    expect(again).toMatchObject({ ok: false, message: expect.stringContaining('not out') });

    const history = await server.gql(
      `query ($id: ID!) { asset(id: $id) { history(limit: 20) { kind status detail byName } } }`,
      { id: laptop.id },
      it.token,
    );
    const steps = history.data?.asset.history.filter((h: { kind: string }) => h.kind === 'HANDOVER');
    expect(steps.map((h: { status: string }) => h.status)).toEqual([
      'IN_STOCK',
      'RETURN_PENDING',
      'WITH_PERSON',
      'LOADED',
      'IN_STOCK',
    ]);
  });

  it('refuses what the rules refuse, and lets staff override with a reason that is kept', async () => {
    const server = await startTestServer();
    const { bank, it, student } = await handoutWorld(server);
    const a = await asset(server, it);
    const b = await asset(server, it);
    const charger = await asset(server, it, { category: 'charger', model: 'USB-C 65W' });
    // Not eligible for chargers: no rule says so.
    const noRule = await server.gql(
      CREATE_HANDOUT,
      { input: { assetTag: charger.tag, personId: student.id } },
      it.token,
    );
    expect(noRule.data?.createHandout).toMatchObject({ __typename: 'HandoutRefused', reason: 'NOT_ELIGIBLE' });
    // One laptop per person.
    await readyLoan(server, bank, it, student, a);
    const second = await server.gql(CREATE_HANDOUT, { input: { assetTag: b.tag, personId: student.id } }, it.token);
    expect(second.data?.createHandout).toMatchObject({ reason: 'LIMIT_REACHED' });
    // The same asset twice: already out.
    const other = await person(server, 'STUDENT');
    const twice = await server.gql(CREATE_HANDOUT, { input: { assetTag: a.tag, personId: other.id } }, it.token);
    expect(twice.data?.createHandout).toMatchObject({ reason: 'ASSET_NOT_AVAILABLE' });
    // A due time beyond the rules' maximum.
    const far = await server.gql(
      CREATE_HANDOUT,
      { input: { assetTag: b.tag, personId: other.id, dueAt: new Date(Date.now() + 500 * hour).toISOString() } },
      it.token,
    );
    expect(far.data?.createHandout).toMatchObject({ reason: 'DUE_NOT_ALLOWED', field: 'dueAt' });
    // Staff override, with the reason kept on the loan.
    const overridden = await server.gql(
      CREATE_HANDOUT,
      {
        input: {
          assetTag: b.tag,
          personId: student.id,
          overrideReason: 'Exam week: second device approved by IT lead',
        },
      },
      it.token,
    );
    expect(overridden.data?.createHandout).toMatchObject({
      __typename: 'HandoutDone',
      loan: { status: 'PENDING', overrideReason: 'Exam week: second device approved by IT lead' },
    });
    // An over-long reason is named.
    const long = await server.gql(
      CREATE_HANDOUT,
      { input: { assetTag: charger.tag, personId: other.id, overrideReason: 'x'.repeat(501) } },
      it.token,
    );
    expect(long.data?.createHandout).toMatchObject({ reason: 'INVALID', field: 'overrideReason' });
    // A student may not create handouts at all.
    const asStudent = await server.gql(
      CREATE_HANDOUT,
      { input: { assetTag: b.tag, personId: student.id } },
      student.token,
    );
    expect(asStudent.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('puts a laptop only into a charging compartment: none free is a typed refusal, and nothing is recorded', async () => {
    const server = await startTestServer();
    const { bank, it, student } = await handoutWorld(server, { charging: 1, plain: 3 });
    const other = await person(server, 'STUDENT');
    const first = await asset(server, it);
    const second = await asset(server, it);
    await server.gql(CREATE_HANDOUT, { input: { assetTag: first.tag, personId: student.id } }, it.token);
    const res = await server.gql(
      CREATE_HANDOUT,
      { input: { assetTag: second.tag, personId: other.id, bankId: bank.bankId } },
      it.token,
    );
    expect(res.data?.createHandout).toMatchObject({
      __typename: 'HandoutRefused',
      reason: 'NO_COMPARTMENT',
      message: expect.stringContaining('charging'),
    });
    expect(await server.services.handouts.store.openLoanForAsset(server.services.db.read, second.id)).toBeUndefined();
    // A tablet-less category (a charger) goes into a plain one.
    await rule(server, it, { category: 'charger', eligible: true, maxItems: 2 });
    const charger = await asset(server, it, { category: 'charger', model: 'USB-C 65W' });
    const plain = await server.gql(CREATE_HANDOUT, { input: { assetTag: charger.tag, personId: other.id } }, it.token);
    expect(plain.data?.createHandout.handout.compartment.label).toMatch(/^P0/);
  });

  it("refuses a return of a loan that is not the person's, and a return of nothing held", async () => {
    const server = await startTestServer();
    const { bank, it, student } = await handoutWorld(server);
    const laptop = await asset(server, it);
    const { loanId } = await readyLoan(server, bank, it, student, laptop);
    const stranger = await person(server, 'STUDENT');
    const theirs = await server.gql(START_RETURN, { loanId }, stranger.token);
    expect(theirs.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // Still in the locker, not picked up: nothing to return yet.
    const notYet = await server.gql(START_RETURN, { loanId }, student.token);
    expect(notYet.data?.startReturn).toMatchObject({ reason: 'NOT_ALLOWED' });
  });

  it('checks in a pile of tags, one result each: unknown, repeated and not-out tags named, nothing applied twice', async () => {
    const server = await startTestServer();
    const { bank, it, student } = await handoutWorld(server);
    const out = await asset(server, it);
    const inStock = await asset(server, it);
    const { loanId } = await readyLoan(server, bank, it, student, out);
    await atKeypad(bank, await codeOf(server, student, loanId), 'take');
    await eventually(async () => (await server.services.handouts.store.loan(loanId))?.status === 'ACTIVE');
    const res = await server.gql(
      `mutation ($tags: [String!]!) { bulkCheckIn(assetTags: $tags) { tag ok message asset { status } } }`,
      { tags: [out.tag, 'NO-SUCH-TAG', ` ${out.tag.toLowerCase()} `, inStock.tag] },
      it.token,
    );
    const results = res.data?.bulkCheckIn;
    expect(results.map((r: { ok: boolean }) => r.ok)).toEqual([true, false, false, false]);
    expect(results[1].message).toContain('Unknown tag');
    expect(results[2].message).toContain('twice');
    expect(results[3].message).toContain('not out');
    expect((await server.services.handouts.store.loan(loanId))?.status).toBe('CLOSED');
    const tooMany = await server.gql(
      `mutation ($tags: [String!]!) { bulkCheckIn(assetTags: $tags) { ok } }`,
      { tags: Array.from({ length: 501 }, (_, i) => `T${i}`) },
      it.token,
    );
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

const BORROW = `mutation ($bankId: ID!, $model: String!, $signature: String) { borrowLoaner(bankId: $bankId, model: $model, signature: $signature) { ${HANDOUT_RESULT} } }`;
const SWAP = `mutation ($loanId: ID!, $bankId: ID!, $faultId: ID!) { swapDevice(loanId: $loanId, bankId: $bankId, faultId: $faultId) { ${HANDOUT_RESULT} } }`;

describe('the self-service pool', () => {
  it('lends a charged loaner to an eligible person who signs the agreement with their name, once', async () => {
    const server = await startTestServer();
    const { bank, it, student } = await handoutWorld(server);
    await rule(server, it, { category: 'laptop', role: 'STUDENT', requiresAgreement: true });
    const loaner = await asset(server, it, { model: 'Loaner Air' });
    const { label } = await load(server, bank, it, loaner.tag, bank.bankId);
    // Charging: not offered until charged.
    bank.controller.startCharging(label);
    await bank.controller.flush();
    const pool = `query ($b: ID!) { loanerPool(bankId: $b) { model available } }`;
    expect((await server.gql(pool, { b: bank.bankId }, student.token)).data?.loanerPool).toEqual([]);
    bank.controller.finishCharging(label);
    await bank.controller.flush();
    await eventually(async () => (await server.gql(pool, { b: bank.bankId }, student.token)).data?.loanerPool.length);
    expect((await server.gql(pool, { b: bank.bankId }, student.token)).data?.loanerPool).toEqual([
      { model: 'Loaner Air', available: 1 },
    ]);

    const unsigned = await server.gql(BORROW, { bankId: bank.bankId, model: 'Loaner Air' }, student.token);
    expect(unsigned.data?.borrowLoaner).toMatchObject({ reason: 'AGREEMENT_REQUIRED', field: 'signature' });
    const wrongName = await server.gql(
      BORROW,
      { bankId: bank.bankId, model: 'Loaner Air', signature: 'Somebody Else' },
      student.token,
    );
    expect(wrongName.data?.borrowLoaner).toMatchObject({ reason: 'AGREEMENT_REQUIRED' });
    const me = (await server.gql(`{ me { name } }`, {}, student.token)).data?.me.name as string;
    const command = bank.controller.nextCommand(10_000, (h) => h.command.kind === 'OPEN_COMPARTMENT');
    const borrowed = await server.gql(
      BORROW,
      { bankId: bank.bankId, model: 'Loaner Air', signature: `  ${me.toUpperCase()} ` },
      student.token,
    );
    expect(borrowed.data?.borrowLoaner).toMatchObject({
      __typename: 'HandoutDone',
      loan: { status: 'PENDING', source: 'SELF_SERVICE', signature: `${me.toUpperCase()}` },
    });
    expect((await command).command.compartmentLabel).toBe(label);
    bank.controller.record(label, 'EMPTY');
    bank.controller.closeDoor(label);
    await bank.controller.flush();
    const loanId = borrowed.data?.borrowLoaner.loan.id as string;
    await eventually(async () => (await server.services.handouts.store.loan(loanId))?.status === 'ACTIVE');
    // Nothing left in the pool; a second borrow is the typed "none free".
    const none = await server.gql(BORROW, { bankId: bank.bankId, model: 'Loaner Air' }, student.token);
    expect(none.data?.borrowLoaner).toMatchObject({ reason: 'NONE_AVAILABLE' });
  });
});

describe('break/fix swap', () => {
  it('takes the broken device and hands out a charged replacement in one visit; a critical fault quarantines both', async () => {
    const server = await startTestServer();
    const { bank, it, student } = await handoutWorld(server, { charging: 3, plain: 2 });
    const fault = (
      await server.services.db.transaction(async (tx) => {
        const { assetFaults } = server.services.db.tables;
        return tx
          .insert(assetFaults)
          .values({
            id: 'flt_screen',
            category: 'laptop',
            label: 'Cracked screen',
            critical: true,
            createdAt: new Date(),
          })
          .returning();
      })
    )[0]!;
    const broken = await asset(server, it);
    const { loanId } = await readyLoan(server, bank, it, student, broken);
    await atKeypad(bank, await codeOf(server, student, loanId), 'take');
    await eventually(async () => (await server.services.handouts.store.loan(loanId))?.status === 'ACTIVE');
    const spare = await asset(server, it);
    const { label: spareLabel } = await load(server, bank, it, spare.tag, bank.bankId);

    const first = bank.controller.nextCommand(10_000, (h) => h.command.kind === 'OPEN_COMPARTMENT');
    const swap = await server.gql(SWAP, { loanId, bankId: bank.bankId, faultId: fault.id }, student.token);
    expect(swap.data?.swapDevice).toMatchObject({ __typename: 'HandoutDone', loan: { status: 'RETURNING' } });
    const dropLabel = (await first).command.compartmentLabel;
    expect(dropLabel).not.toBe(spareLabel);
    // The broken one goes in; the replacement's door opens by itself.
    const second = bank.controller.nextCommand(10_000, (h) => h.command.kind === 'OPEN_COMPARTMENT');
    bank.controller.record(dropLabel, 'OCCUPIED');
    bank.controller.closeDoor(dropLabel);
    await bank.controller.flush();
    expect((await second).command.compartmentLabel).toBe(spareLabel);
    bank.controller.record(spareLabel, 'EMPTY');
    bank.controller.closeDoor(spareLabel);
    await bank.controller.flush();
    const replacementLoan = await eventually(async () =>
      (await server.gql(MY_LOANS, {}, student.token)).data?.myLoans.find(
        (l: { status: string; asset: { tag: string } }) => l.status === 'ACTIVE' && l.asset.tag === spare.tag,
      ),
    );
    expect(replacementLoan).toBeTruthy();
    // Critical: the drop-off compartment is out of service, and check-in sends the device to repair.
    expect((await server.services.lockers.findCompartment(bank.bankId, dropLabel))?.state).toBe('OUT_OF_SERVICE');
    const dropped = swap.data?.swapDevice.handout.id as string;
    const collect = bank.controller.nextCommand(10_000, (h) => h.command.kind === 'OPEN_COMPARTMENT');
    await server.gql(COLLECT, { id: dropped }, it.token);
    await collect;
    bank.controller.record(dropLabel, 'EMPTY');
    bank.controller.closeDoor(dropLabel);
    await bank.controller.flush();
    await eventually(async () => (await server.services.handouts.store.handout(dropped))?.status === 'COLLECTED');
    expect((await server.services.lockers.findCompartment(bank.bankId, dropLabel))?.state).toBe('OUT_OF_SERVICE');
    const checked = (await server.gql(CHECK_IN, { tag: broken.tag }, it.token)).data?.checkInAsset;
    expect(checked).toMatchObject({
      ok: true,
      asset: { status: 'IN_REPAIR' },
      message: expect.stringContaining('critical'),
    });
  });

  it('refuses a swap with no free compartment or no replacement, and changes nothing', async () => {
    const server = await startTestServer();
    const { bank, it, student } = await handoutWorld(server, { charging: 1, plain: 0 });
    const broken = await asset(server, it);
    const { loanId } = await readyLoan(server, bank, it, student, broken);
    await atKeypad(bank, await codeOf(server, student, loanId), 'take');
    await eventually(async () => (await server.services.handouts.store.loan(loanId))?.status === 'ACTIVE');
    await server.services.db.transaction(async (tx) => {
      await tx.insert(server.services.db.tables.assetFaults).values({
        id: 'flt_key',
        category: 'laptop',
        label: 'Sticky key',
        critical: false,
        createdAt: new Date(),
      });
    });
    const noSpare = await server.gql(SWAP, { loanId, bankId: bank.bankId, faultId: 'flt_key' }, student.token);
    expect(noSpare.data?.swapDevice).toMatchObject({ reason: 'NONE_AVAILABLE' });
    const spare = await asset(server, it);
    await load(server, bank, it, spare.tag, bank.bankId);
    // The only compartment holds the spare: nowhere to drop the broken one.
    const full = await server.gql(SWAP, { loanId, bankId: bank.bankId, faultId: 'flt_key' }, student.token);
    expect(full.data?.swapDevice).toMatchObject({ reason: 'NO_COMPARTMENT' });
    expect((await server.services.handouts.store.loan(loanId))?.status).toBe('ACTIVE');
    const badFault = await server.gql(SWAP, { loanId, bankId: bank.bankId, faultId: 'nope' }, student.token);
    expect(badFault.data?.swapDevice).toMatchObject({ reason: 'INVALID', field: 'faultId' });
  });
});

describe('codes across parcels and handouts', () => {
  it('a wrong code at the keypad is one failure whatever it could have opened; the handout code opens only its bank', async () => {
    const server = await startTestServer();
    const { bank, it, student } = await handoutWorld(server);
    const elsewhere = await itBank(server, { name: 'Elsewhere' });
    const laptop = await asset(server, it);
    const { loanId } = await readyLoan(server, bank, it, student, laptop);
    const code = await codeOf(server, student, loanId);
    expect((await elsewhere.controller.redeemPickupCode(code)).__typename).toBe('PickupRefused');
    const before = await server.services.attempts.total('PICKUP_CODE', 'bank', bank.bankId);
    expect((await bank.controller.redeemPickupCode('00000000')).__typename).toBe('PickupRefused');
    expect(await server.services.attempts.total('PICKUP_CODE', 'bank', bank.bankId)).toBe(before + 1);
  });
});
