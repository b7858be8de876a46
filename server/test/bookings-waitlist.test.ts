/**
 * Bookings and the waitlist with a controllable clock, against the real
 * server and a connected simulated controller: a booking becomes ready at its
 * time and a no-show lapses, its unit going to the pool; the waitlist offers
 * a loaner the moment one is free, holds it, and passes it on when the hold
 * runs out; a renewal is refused while someone waits; bad bookings are typed
 * refusals naming the field.
 */
import { describe, expect, it } from 'vitest';
import { eventually, person, type Person } from './helpers/parcels.js';
import { startTestServer, TestClock, type TestServer } from './helpers/server.js';
import {
  asset,
  atKeypad,
  codeOf,
  handoutWorld,
  HANDOUT_RESULT,
  load,
  MY_LOANS,
  readyLoan,
  rule,
} from './helpers/handouts.js';

const minute = 60_000;
const hour = 60 * minute;

const BOOK = `mutation ($bankId: ID!, $model: String!, $count: Int!, $startsAt: DateTime!) {
  bookLoaners(bankId: $bankId, model: $model, count: $count, startsAt: $startsAt) {
    __typename ... on QueueDone { booking { id status startsAt lapsesAt } } ... on HandoutRefused { reason field message }
  }
}`;
const JOIN = `mutation ($category: String!, $siteId: ID!) {
  joinWaitlist(category: $category, siteId: $siteId) {
    __typename ... on QueueDone { entry { id status position offerExpiresAt offeredHandout { id code } } } ... on HandoutRefused { reason message }
  }
}`;
const MY_WAITLIST = `{ myWaitlist { id status position offerExpiresAt offeredHandout { id code compartment { label } } } }`;
const FOR_BOOKING = `mutation ($b: ID!, $tag: String!) { loadForBooking(bookingId: $b, assetTag: $tag) { ${HANDOUT_RESULT} } }`;

async function sweep(server: TestServer) {
  await server.services.handouts.sweep();
  await server.services.queue.sweep();
}

const subjects = async (server: TestServer, who: Person) =>
  (
    (await server.gql(`{ devOutbox(to: "${who.email}") { subject } }`, {}, server.adminToken)).data?.devOutbox ?? []
  ).map((m: { subject: string }) => m.subject);

describe('bookings', () => {
  it('becomes ready at its time (not before), and a no-show lapses with its unit going to the pool', async () => {
    const clock = new TestClock();
    const server = await startTestServer({}, { clock });
    const { bank, it, student } = await handoutWorld(server);
    await rule(server, it, { category: 'laptop', role: 'STUDENT', maxItems: 2, noShowMinutes: 30 });
    const unit = await asset(server, it, { model: 'Loaner Pro' });
    await asset(server, it, { model: 'Loaner Pro' });
    const startsAt = new Date(clock.now().getTime() + 2 * hour);
    const booked = (
      await server.gql(
        BOOK,
        { bankId: bank.bankId, model: 'Loaner Pro', count: 1, startsAt: startsAt.toISOString() },
        student.token,
      )
    ).data?.bookLoaners;
    expect(booked).toMatchObject({ __typename: 'QueueDone', booking: { status: 'BOOKED' } });
    expect(new Date(booked.booking.lapsesAt).getTime() - startsAt.getTime()).toBe(30 * minute);

    // IT prepares and loads the unit before the slot.
    const prepared = (await server.gql(FOR_BOOKING, { b: booked.booking.id, tag: unit.tag }, it.token)).data
      ?.loadForBooking;
    expect(prepared).toMatchObject({ __typename: 'HandoutDone', loan: { source: 'BOOKING' } });
    await load(server, bank, it, unit.tag);
    // Before the slot: no notice, and the code opens nothing.
    await sweep(server);
    expect((await subjects(server, student)).some((s: string) => s.includes('is ready'))).toBe(false);
    const loanId = prepared.loan.id as string;
    const code = await codeOf(server, student, loanId);
    expect((await bank.controller.redeemPickupCode(code)).__typename).toBe('PickupRefused');

    // The slot begins: the booking is READY, the student is told, and the code opens the door.
    clock.advance(2 * hour + minute);
    await sweep(server);
    expect((await server.gql(`{ myBookings { status } }`, {}, student.token)).data?.myBookings).toEqual([
      { status: 'READY' },
    ]);
    await eventually(async () => (await subjects(server, student)).some((s: string) => s.includes('is ready')));
    await atKeypad(bank, code, 'take');
    await eventually(
      async () =>
        (await server.gql(`{ myBookings { status } }`, {}, student.token)).data?.myBookings[0].status === 'COLLECTED',
    );

    // A second booking nobody collects lapses after its no-show time; its unit joins the pool.
    const other = await person(server, 'STUDENT');
    const second = await asset(server, it, { model: 'Loaner Pro' });
    const later = new Date(clock.now().getTime() + hour);
    const b2 = (
      await server.gql(
        BOOK,
        { bankId: bank.bankId, model: 'Loaner Pro', count: 1, startsAt: later.toISOString() },
        other.token,
      )
    ).data?.bookLoaners.booking;
    await server.gql(FOR_BOOKING, { b: b2.id, tag: second.tag }, it.token);
    await load(server, bank, it, second.tag);
    clock.advance(hour + 31 * minute);
    await sweep(server);
    expect((await server.gql(`{ myBookings { status } }`, {}, other.token)).data?.myBookings).toEqual([
      { status: 'LAPSED' },
    ]);
    const pool = await server.gql(
      `query ($b: ID!) { loanerPool(bankId: $b) { model available } }`,
      { b: bank.bankId },
      other.token,
    );
    expect(pool.data?.loanerPool).toEqual([{ model: 'Loaner Pro', available: 1 }]);
  });

  it('refuses a booking in the past, too far ahead, over the per-person limit, or of an unknown model, naming the field', async () => {
    const server = await startTestServer();
    const { bank, it, student } = await handoutWorld(server);
    await asset(server, it, { model: 'Loaner Pro' });
    const at = (ms: number) => new Date(Date.now() + ms).toISOString();
    const ask = (vars: Record<string, unknown>) =>
      server.gql(
        BOOK,
        { bankId: bank.bankId, model: 'Loaner Pro', count: 1, startsAt: at(hour), ...vars },
        student.token,
      );
    expect((await ask({ startsAt: at(-hour) })).data?.bookLoaners).toMatchObject({ field: 'startsAt' });
    expect((await ask({ startsAt: at(100 * 24 * hour) })).data?.bookLoaners).toMatchObject({ field: 'startsAt' });
    expect((await ask({ count: 2 })).data?.bookLoaners).toMatchObject({ reason: 'LIMIT_REACHED', field: 'count' });
    expect((await ask({ count: 0 })).data?.bookLoaners).toMatchObject({ reason: 'INVALID', field: 'count' });
    expect((await ask({ model: 'Nothing Like It' })).data?.bookLoaners).toMatchObject({
      reason: 'INVALID',
      field: 'model',
    });
    // One unit in the register: a second person's booking at the same time finds none left.
    expect((await ask({})).data?.bookLoaners.__typename).toBe('QueueDone');
    const other = await person(server, 'STUDENT');
    const full = await server.gql(
      BOOK,
      { bankId: bank.bankId, model: 'Loaner Pro', count: 1, startsAt: at(hour) },
      other.token,
    );
    expect(full.data?.bookLoaners).toMatchObject({ reason: 'NONE_AVAILABLE' });
  });
});

describe('the waitlist', () => {
  it('offers a loaner the moment one is free, holds it, and passes it to the next person when the hold runs out', async () => {
    const clock = new TestClock();
    const server = await startTestServer({}, { clock });
    const { bank, it } = await handoutWorld(server);
    await rule(server, it, { category: 'laptop', role: 'STUDENT', offerHoldMinutes: 20 });
    const first = await person(server, 'STUDENT');
    const second = await person(server, 'STUDENT');
    const join = async (who: Person) =>
      (await server.gql(JOIN, { category: 'laptop', siteId: bank.siteId }, who.token)).data?.joinWaitlist;
    expect(await join(first)).toMatchObject({ entry: { status: 'WAITING', position: 1 } });
    expect(await join(second)).toMatchObject({ entry: { status: 'WAITING', position: 2 } });

    // A unit comes back and IT loads it into the pool: the first person is offered it at once.
    const unit = await asset(server, it, { model: 'Loaner Air' });
    const loadedAt = Date.now();
    await load(server, bank, it, unit.tag, bank.bankId);
    const offer = await eventually(async () => {
      const mine = (await server.gql(MY_WAITLIST, {}, first.token)).data?.myWaitlist[0];
      return mine?.status === 'OFFERED' && mine.offeredHandout?.code ? mine : null;
    });
    expect(Date.now() - loadedAt).toBeLessThan(60_000);
    expect(offer.offeredHandout.code).toMatch(/^\d+$/);
    await eventually(async () => (await subjects(server, first)).some((s: string) => s.includes('is ready')));
    expect((await server.gql(MY_WAITLIST, {}, second.token)).data?.myWaitlist[0]).toMatchObject({
      status: 'WAITING',
      position: 1,
    });

    // The hold runs out: the loaner goes to the second person, whose code works; the first one's does not.
    clock.advance(21 * minute);
    await sweep(server);
    const passed = await eventually(async () => {
      const mine = (await server.gql(MY_WAITLIST, {}, second.token)).data?.myWaitlist[0];
      return mine?.status === 'OFFERED' && mine.offeredHandout?.code ? mine : null;
    });
    expect((await server.gql(MY_WAITLIST, {}, first.token)).data?.myWaitlist).toEqual([]);
    expect((await bank.controller.redeemPickupCode(offer.offeredHandout.code)).__typename).toBe('PickupRefused');
    await atKeypad(bank, passed.offeredHandout.code, 'take');
    await eventually(async () =>
      (await server.gql(MY_LOANS, {}, second.token)).data?.myLoans.some(
        (l: { status: string }) => l.status === 'ACTIVE',
      ),
    );
    expect((await server.gql(MY_WAITLIST, {}, second.token)).data?.myWaitlist).toEqual([]);
  });

  it('refuses a renewal while someone waits for the category', async () => {
    const server = await startTestServer();
    const { bank, it, student } = await handoutWorld(server);
    const laptop = await asset(server, it);
    const { loanId } = await readyLoan(server, bank, it, student, laptop);
    await atKeypad(bank, await codeOf(server, student, loanId), 'take');
    await eventually(async () => (await server.services.handouts.store.loan(loanId))?.status === 'ACTIVE');
    const waiting = await person(server, 'STUDENT');
    await server.gql(JOIN, { category: 'laptop', siteId: bank.siteId }, waiting.token);
    const renew = `mutation ($id: ID!) { renewLoan(loanId: $id) { ${HANDOUT_RESULT} } }`;
    const refused = (await server.gql(renew, { id: loanId }, student.token)).data?.renewLoan;
    expect(refused).toMatchObject({ __typename: 'HandoutRefused', reason: 'SOMEONE_WAITING' });
    // Once nobody waits, the renewal the rules allow goes through, once.
    const entry = (await server.gql(MY_WAITLIST, {}, waiting.token)).data?.myWaitlist[0].id;
    await server.gql(`mutation ($id: ID!) { leaveWaitlist(entryId: $id) }`, { id: entry }, waiting.token);
    const renewed = (await server.gql(renew, { id: loanId }, student.token)).data?.renewLoan;
    expect(renewed).toMatchObject({ __typename: 'HandoutDone', loan: { renewalsUsed: 1 } });
    expect((await server.gql(renew, { id: loanId }, student.token)).data?.renewLoan).toMatchObject({
      reason: 'NO_RENEWAL',
    });
  });
});
