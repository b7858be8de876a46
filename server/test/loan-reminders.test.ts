/**
 * The overdue ladder on the real server, with the clock moved through a week
 * in New York: a student holding three items due at different times gets one
 * digest a local day listing all three (overdue first), never a second that
 * day, and none during their quiet hours (it comes when they end); an overdue
 * laptop is told to the department's contact once after the rule's
 * escalateAfterHours, and gets one MDM lost-mode call after twice that.
 * Runs on SQLite and on PostgreSQL.
 */
import { and, eq, like } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { asset, insertLoan, loanRow } from './helpers/loans.js';
import { eventually, member, person } from './helpers/parcels.js';
import { startTestServer, TestClock, type TestServer } from './helpers/server.js';

/** New York in January is UTC-5 all month: a local wall time as an instant. */
const ny = (local: string) => new Date(`${local}:00-05:00`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function world() {
  const clock = new TestClock();
  const setTo = (local: string) => (clock.offsetMs = ny(local).getTime() - Date.now());
  setTo('2026-01-11T12:00');
  // The sweep runs when the test says (the timer would only repeat it).
  const server = await startTestServer({ REMINDER_SWEEP_MS: '3600000' }, { clock });
  const site = await server.gql<{ createSite: { id: string } }>(
    `mutation { createSite(input: { name: "Hudson campus", timezone: "America/New_York" }) { id } }`,
  );
  const siteId = site.data!.createSite.id;
  const it = await person(server, 'IT');
  const student = await member(server, {
    email: 'sam@physics.test',
    name: 'Sam Student',
    role: 'STUDENT',
    department: 'Physics',
  });
  const quiet = await server.gql(
    `mutation { updateMyPreferences(input: { quietHoursStart: "22:00", quietHoursEnd: "07:00" }) { id } }`,
    {},
    student.token,
  );
  expect(quiet.errors).toBeUndefined();
  // Laptops escalate after a day; tablets keep the default (72 h).
  const rule = await server.gql(
    `mutation { saveLoanPolicy(input: { category: "laptop", eligible: true, escalateAfterHours: 24 }) { __typename } }`,
    {},
    it.token,
  );
  expect(rule.data).toEqual({ saveLoanPolicy: { __typename: 'LoanPolicySaved' } });
  const contact = await server.gql(
    `mutation { setDepartmentContact(department: "Physics", email: "Office@Physics.test", name: "Physics office") { email } }`,
    {},
    it.token,
  );
  expect(contact.data).toEqual({ setDepartmentContact: { email: 'office@physics.test' } });

  const items = {
    a: await asset(server, { tag: 'LT-A', model: 'ThinkPad T14' }),
    b: await asset(server, { tag: 'LT-B', model: 'ThinkPad X1' }),
    c: await asset(server, { tag: 'TB-C', model: 'iPad Air', category: 'tablet' }),
  };
  const loan = (item: { id: string }, due: string, category = 'laptop') =>
    insertLoan(server, { assetId: item.id, personId: student.id, dueAt: ny(due), category, siteId });
  const loans = {
    a: await loan(items.a, '2026-01-13T10:00'),
    b: await loan(items.b, '2026-01-13T16:00'),
    c: await loan(items.c, '2026-01-15T12:00', 'tablet'),
  };
  // Returned and never-due loans are no one's business here.
  await insertLoan(server, {
    assetId: items.a.id,
    personId: student.id,
    dueAt: ny('2026-01-12T09:00'),
    status: 'CLOSED',
  });
  await insertLoan(server, { assetId: items.b.id, personId: student.id, dueAt: null, kind: 'ASSIGNMENT' });

  const sweepAt = async (local: string) => {
    setTo(local);
    return server.services.reminders.sweep();
  };
  return { server, clock, setTo, siteId, sweepAt, student, items, loans };
}

/** The student's digests in the outbox (the e-mail row of each), oldest first. */
async function digests(server: TestServer, personId: string) {
  const { db } = server.services;
  const t = db.tables.notificationOutbox;
  const rows = await db.read
    .select()
    .from(t)
    .where(and(eq(t.personId, personId), like(t.dedupeKey, 'loan-digest:%'), eq(t.channel, 'EMAIL')))
    .orderBy(t.createdAt);
  return rows.map((r) => ({ ...r, day: r.dedupeKey.split(':')[2] }));
}

async function mailTo(server: TestServer, to: string) {
  const { db } = server.services;
  return db.read.select().from(db.tables.devOutbox).where(eq(db.tables.devOutbox.to, to));
}

async function lostModeCalls(server: TestServer) {
  const { db } = server.services;
  return db.read.select().from(db.tables.outboundCalls).where(eq(db.tables.outboundCalls.action, 'LOST_MODE'));
}

describe('loan reminders', () => {
  it('sends one digest per person per local day listing every item, overdue first, never in quiet hours', async () => {
    const { server, setTo, sweepAt, student } = await world();
    const list = () => digests(server, student.id);

    // Nothing is due yet: A's first step is 24 h before Tuesday 10:00.
    expect(await sweepAt('2026-01-12T08:00')).toMatchObject({ digests: 0 });
    expect(await list()).toEqual([]);

    // Monday 10:05: A's -24h step. One digest with all three, earliest due first.
    await sweepAt('2026-01-12T10:05');
    const [monday] = await list();
    expect(monday).toMatchObject({ day: '2026-01-12', subject: 'Reminder: 3 loans due soon' });
    const order = ['LT-A', 'LT-B', 'TB-C'].map((tag) => monday!.body.indexOf(tag));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((x, y) => x - y)).toEqual(order);
    expect(monday!.notBefore).toEqual(monday!.createdAt);
    await eventually(async () => (await mailTo(server, student.email)).length === 1);

    // B's -24h step (16:00) and late evening (already Tuesday in UTC): Monday has its digest.
    await sweepAt('2026-01-12T16:05');
    await sweepAt('2026-01-12T16:06');
    await sweepAt('2026-01-12T23:30');
    expect((await list()).map((d) => d.day)).toEqual(['2026-01-12']);

    // Tuesday 00:30, in quiet hours: B's step is covered by Tuesday's digest, sent when they end at 07:00.
    await sweepAt('2026-01-13T00:30');
    const tuesday = (await list())[1]!;
    expect(tuesday).toMatchObject({ day: '2026-01-13', notBefore: ny('2026-01-13T07:00') });
    server.services.notify.kick();
    await sleep(1_500);
    expect(await mailTo(server, student.email)).toHaveLength(1);
    setTo('2026-01-13T07:01');
    server.services.notify.kick();
    await eventually(async () => (await mailTo(server, student.email)).length === 2);

    // Due and an hour overdue on Tuesday: still Tuesday's one digest.
    for (const at of ['2026-01-13T10:05', '2026-01-13T11:05', '2026-01-13T16:05', '2026-01-13T17:05'])
      await sweepAt(at);
    expect((await list()).map((d) => d.day)).toEqual(['2026-01-12', '2026-01-13']);

    // Wednesday: the steps since Tuesday's digest, one digest; the two overdue laptops first.
    await sweepAt('2026-01-14T00:30');
    await sweepAt('2026-01-14T11:05');
    const all = await list();
    expect(all.map((d) => d.day)).toEqual(['2026-01-12', '2026-01-13', '2026-01-14']);
    const wednesday = all[2]!;
    expect(wednesday.subject).toBe('2 loans overdue: please bring them back');
    const overdueA = wednesday.body.indexOf('OVERDUE since Tue 13 Jan, 10:00');
    const overdueB = wednesday.body.indexOf('OVERDUE since Tue 13 Jan, 16:00');
    const dueC = wednesday.body.indexOf('Due Thu 15 Jan, 12:00');
    expect(overdueA).toBeGreaterThan(0);
    expect(overdueB).toBeGreaterThan(overdueA);
    expect(dueC).toBeGreaterThan(overdueB);
    expect(wednesday.body).toContain('LT-A');
    expect(wednesday.body).toContain('TB-C');
  }, 60_000);

  it('tells the department contact once per loan after escalateAfterHours, never for one not yet that late', async () => {
    const { server, sweepAt, student, loans } = await world();
    const contactMail = () => mailTo(server, 'office@physics.test');

    // A is due Tuesday 10:00, B 16:00; laptops escalate after 24 h.
    expect(await sweepAt('2026-01-14T09:55')).toMatchObject({ escalations: 0, lostMode: 0 });
    // Two sweeps at once (two instances): both read the loan as not escalated, one tells the contact.
    const both = await Promise.all([sweepAt('2026-01-14T10:05'), server.services.reminders.sweep()]);
    expect(both.map((r) => r.escalations).sort()).toEqual([0, 1]);
    expect(await sweepAt('2026-01-14T10:06')).toMatchObject({ escalations: 0 });
    expect((await loanRow(server, loans.a)).escalatedAt).toEqual(expect.any(Date));
    expect((await loanRow(server, loans.b)).escalatedAt).toBeNull();
    // Not held by the student's quiet hours: the contact's address is no person's.
    const [told] = await eventually(async () => {
      const mail = await contactMail();
      return mail.length ? mail : null;
    });
    expect(told!.subject).toBe('Overdue loan: Sam Student (Physics)');
    expect(told!.text).toContain('ThinkPad T14 (LT-A)');
    expect(told!.text).toContain(student.email);

    await sweepAt('2026-01-14T16:05');
    await sweepAt('2026-01-14T23:00');
    await eventually(async () => (await contactMail()).length === 2);
    // The tablet (72 h by default) is due Thursday: not escalated this week.
    await sweepAt('2026-01-16T12:30');
    await sleep(300);
    expect(await contactMail()).toHaveLength(2);
    expect((await loanRow(server, loans.c)).escalatedAt).toBeNull();
  }, 60_000);

  it('queues one MDM lost-mode call per loan overdue by more than twice escalateAfterHours', async () => {
    const { server, sweepAt, student, loans } = await world();
    expect(await sweepAt('2026-01-15T09:55')).toMatchObject({ lostMode: 0 });
    expect(await lostModeCalls(server)).toEqual([]);

    const both = await Promise.all([sweepAt('2026-01-15T10:05'), server.services.reminders.sweep()]);
    expect(both.map((r) => r.lostMode).sort()).toEqual([0, 1]);
    await sweepAt('2026-01-15T10:06');
    const [call] = await lostModeCalls(server);
    expect(call).toMatchObject({ target: 'MDM', subject: 'LT-A', dedupeKey: `mdm:lost:${loans.a}`, status: 'PENDING' });
    expect(JSON.parse(call!.payload)).toEqual({
      loanId: loans.a,
      assetId: expect.any(String),
      assetTag: 'LT-A',
      serial: 'SN-LT-A',
      personEmail: student.email,
      dueAt: '2026-01-13T15:00:00.000Z',
    });
    expect((await loanRow(server, loans.a)).lostModeAt).toEqual(expect.any(Date));
    expect((await loanRow(server, loans.b)).lostModeAt).toBeNull();

    await sweepAt('2026-01-15T16:05');
    await sweepAt('2026-01-16T16:05');
    expect((await lostModeCalls(server)).map((c) => c.subject).sort()).toEqual(['LT-A', 'LT-B']);
  }, 60_000);

  it('never sends a step again: a ladder without daily steps stops once each step was in a digest', async () => {
    const { server, siteId, sweepAt } = await world();
    const it = await person(server, 'IT');
    await server.gql(
      `mutation { saveLoanPolicy(input: { category: "charger", reminders: "-2h,0" }) { __typename } }`,
      {},
      it.token,
    );
    const holder = await member(server, { email: 'cam@art.test', name: 'Cam', role: 'STAFF', department: 'Art' });
    const charger = await asset(server, { tag: 'CH-1', model: 'USB-C charger', category: 'charger' });
    await insertLoan(server, {
      assetId: charger.id,
      personId: holder.id,
      dueAt: ny('2026-01-12T12:00'),
      category: 'charger',
      siteId,
    });
    await sweepAt('2026-01-12T10:05');
    await sweepAt('2026-01-12T12:05');
    expect((await digests(server, holder.id)).map((d) => d.day)).toEqual(['2026-01-12']);
    // The due step came after Monday's digest: Tuesday's covers it; after that, nothing is left to send.
    await sweepAt('2026-01-13T00:30');
    await sweepAt('2026-01-13T12:30');
    await sweepAt('2026-01-14T00:30');
    await sweepAt('2026-01-14T09:00');
    expect((await digests(server, holder.id)).map((d) => d.day)).toEqual(['2026-01-12', '2026-01-13']);
    expect((await digests(server, holder.id))[1]!.body).toContain('OVERDUE since Mon 12 Jan, 12:00');
  }, 60_000);
});
