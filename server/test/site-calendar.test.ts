/**
 * Site calendars, department contacts and fault lists over the real API:
 * every input checked with the field named, a due date never on a blackout
 * day or a closed weekday, and who may read and change them. Runs on SQLite
 * and on PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { onlineBank, person } from './helpers/parcels.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const CALENDAR = `query ($s: ID!) { siteCalendar(siteId: $s) { siteId timezone alwaysOpen hours { weekday opens closes } blackoutDays { day reason } } }`;
const SET_HOURS = `mutation ($s: ID!, $h: [SiteHoursInput!]!) { setSiteHours(siteId: $s, hours: $h) { alwaysOpen hours { weekday opens closes } } }`;
const ADD_DAY = `mutation ($s: ID!, $d: String!, $r: String!) { addBlackoutDay(siteId: $s, day: $d, reason: $r) { blackoutDays { day reason } } }`;
const REMOVE_DAY = `mutation ($s: ID!, $d: String!) { removeBlackoutDay(siteId: $s, day: $d) { blackoutDays { day } } }`;
const FAULTS = `query ($c: String) { assetFaults(category: $c) { id category label critical } }`;
const ADD_FAULT = `mutation ($c: String!, $l: String!, $x: Boolean!) { addAssetFault(category: $c, label: $l, critical: $x) {
  __typename ... on AssetFaultSaved { fault { id category label critical } } ... on AssetFaultRefused { reason field message } } }`;
const REMOVE_FAULT = `mutation ($id: ID!) { removeAssetFault(id: $id) }`;

const WEEKDAYS = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, opens: '09:00', closes: '17:00' }));

async function londonSite(server: TestServer) {
  const res = await server.gql<{ createSite: { id: string } }>(
    `mutation { createSite(input: { name: "Thames campus", timezone: "Europe/London" }) { id } }`,
  );
  return res.data!.createSite.id;
}

describe('site calendars', () => {
  it('refuses bad hours and days naming the field, and keeps what was set before', async () => {
    const server = await startTestServer();
    const it = await person(server, 'IT');
    const siteId = await londonSite(server);
    const fresh = await server.gql(CALENDAR, { s: siteId }, it.token);
    expect(fresh.data.siteCalendar).toEqual({
      siteId,
      timezone: 'Europe/London',
      alwaysOpen: true,
      hours: [],
      blackoutDays: [],
    });

    const set = await server.gql(SET_HOURS, { s: siteId, h: [...WEEKDAYS].reverse() }, it.token);
    expect(set.data.setSiteHours).toEqual({ alwaysOpen: false, hours: WEEKDAYS });

    for (const [hours, field] of [
      [[{ weekday: 7, opens: '09:00', closes: '17:00' }], 'hours.0.weekday'],
      [[{ weekday: -1, opens: '09:00', closes: '17:00' }], 'hours.0.weekday'],
      [[WEEKDAYS[0], { ...WEEKDAYS[0] }], 'hours.1.weekday'],
      [[{ weekday: 1, opens: '9:00', closes: '17:00' }], 'hours.0.opens'],
      [[WEEKDAYS[0], { weekday: 2, opens: '09:00', closes: '24:00' }], 'hours.1.closes'],
      [[{ weekday: 1, opens: '17:00', closes: '17:00' }], 'hours.0.closes'],
      [[{ weekday: 1, opens: '18:00', closes: '09:00' }], 'hours.0.closes'],
    ] as const) {
      const res = await server.gql(SET_HOURS, { s: siteId, h: hours }, it.token);
      expect(res.errors?.[0]?.extensions, JSON.stringify(hours)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    expect((await server.gql(CALENDAR, { s: siteId }, it.token)).data.siteCalendar.hours).toEqual(WEEKDAYS);

    for (const day of ['2026-02-30', '24/12/2026', '2026-12-1', ''])
      expect((await server.gql(ADD_DAY, { s: siteId, d: day, r: '' }, it.token)).errors?.[0]?.extensions).toMatchObject(
        { code: 'BAD_USER_INPUT', field: 'day' },
      );
    const long = await server.gql(ADD_DAY, { s: siteId, d: '2099-12-24', r: 'r'.repeat(201) }, it.token);
    expect(long.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
    const missing = await server.gql(SET_HOURS, { s: 'site_none', h: [] }, it.token);
    expect(missing.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    // Past days are not listed; a day added twice keeps the newer reason; removing opens it again.
    await server.gql(ADD_DAY, { s: siteId, d: '2000-01-03', r: 'Long ago' }, it.token);
    await server.gql(ADD_DAY, { s: siteId, d: '2099-12-25', r: 'Christmas' }, it.token);
    const twice = await server.gql(ADD_DAY, { s: siteId, d: ' 2099-12-24 ', r: ' Eve ' }, it.token);
    expect(twice.data.addBlackoutDay.blackoutDays).toEqual([
      { day: '2099-12-24', reason: 'Eve' },
      { day: '2099-12-25', reason: 'Christmas' },
    ]);
    await server.gql(ADD_DAY, { s: siteId, d: '2099-12-24', r: 'Christmas Eve' }, it.token);
    const removed = await server.gql(REMOVE_DAY, { s: siteId, d: '2099-12-25' }, it.token);
    expect(removed.data.removeBlackoutDay.blackoutDays).toEqual([{ day: '2099-12-24' }]);
    const student = await person(server, 'STUDENT');
    expect((await server.gql(CALENDAR, { s: siteId }, student.token)).data.siteCalendar.blackoutDays).toEqual([
      { day: '2099-12-24', reason: 'Christmas Eve' },
    ]);

    // An empty list: open always again.
    expect((await server.gql(SET_HOURS, { s: siteId, h: [] }, it.token)).data.setSiteHours).toEqual({
      alwaysOpen: true,
      hours: [],
    });
  });

  it('never puts a due date on a blackout day or a closed weekday, and moves it earlier, not later', async () => {
    const server = await startTestServer();
    const it = await person(server, 'IT');
    const siteId = await londonSite(server);
    const { calendar } = server.services;
    await server.gql(SET_HOURS, { s: siteId, h: WEEKDAYS }, it.token);
    // Wednesday 2099-12-23 to Tuesday 2099-12-29: Thursday 24 and Friday 25 closed.
    await server.gql(ADD_DAY, { s: siteId, d: '2099-12-24', r: 'Christmas Eve' }, it.token);
    await server.gql(ADD_DAY, { s: siteId, d: '2099-12-25', r: 'Christmas' }, it.token);

    const start = new Date('2099-12-23T10:00:00Z');
    // 24 h later is Thursday (closed): Wednesday 17:00, the last open time before.
    expect(await calendar.dueAt(siteId, start, 24, null)).toEqual(new Date('2099-12-23T17:00:00Z'));
    // Every length from 1 h to three weeks: never on a closed day, never past the maximum or before the start.
    for (let hours = 1; hours <= 21 * 24; hours += 5) {
      const due = (await calendar.dueAt(siteId, start, hours, '16:00'))!;
      const day = due.toISOString().slice(0, 10);
      expect(['2099-12-24', '2099-12-25'], `${hours} h`).not.toContain(day);
      expect([0, 6], `${hours} h: ${due.toISOString()}`).not.toContain(due.getUTCDay());
      // Inside opening hours, its closing time included.
      const open = (await calendar.isOpen(siteId, due)) || (await calendar.isOpen(siteId, new Date(due.getTime() - 1)));
      expect(open, `${hours} h: ${due.toISOString()}`).toBe(true);
      expect(due.getTime()).toBeLessThanOrEqual(start.getTime() + hours * 3_600_000);
      expect(due.getTime()).toBeGreaterThan(start.getTime());
    }
    // Begun after closing on the last open day before the holidays: due when it opens again.
    expect(await calendar.dueAt(siteId, new Date('2099-12-23T18:00:00Z'), 2, null)).toEqual(
      new Date('2099-12-28T09:00:00Z'),
    );
    expect(await calendar.nextOpening(siteId, new Date('2099-12-24T12:00:00Z'))).toEqual(
      new Date('2099-12-28T09:00:00Z'),
    );
    expect(await calendar.dueAt(siteId, start, null, null)).toBeNull();
    // No hours at all: open always, as before calendars existed.
    expect(await calendar.dueAt(null, start, 24, null)).toEqual(new Date('2099-12-24T10:00:00Z'));
  });

  it('lets everyone signed in read a calendar, a kiosk only its own site’s, and only IT and admins change it', async () => {
    const server = await startTestServer();
    const bank = await onlineBank(server, { count: 2 });
    const otherSite = await londonSite(server);
    const kiosk = (
      await server.gql(`mutation ($b: ID!) { createKioskCredential(bankId: $b, name: "Screen") { token } }`, {
        b: bank.bankId,
      })
    ).data.createKioskCredential.token as string;
    for (const role of ['STUDENT', 'COURIER', 'DEPARTMENT'] as const) {
      const p = await person(server, role);
      expect((await server.gql(CALENDAR, { s: bank.siteId }, p.token)).data?.siteCalendar.siteId).toBe(bank.siteId);
      const write = await server.gql(SET_HOURS, { s: bank.siteId, h: [] }, p.token);
      expect(write.errors?.[0]?.extensions?.code, role).toBe('FORBIDDEN');
      const day = await server.gql(ADD_DAY, { s: bank.siteId, d: '2099-01-01', r: '' }, p.token);
      expect(day.errors?.[0]?.extensions?.code, role).toBe('FORBIDDEN');
    }
    expect((await server.gql(CALENDAR, { s: bank.siteId }, kiosk)).data?.siteCalendar.siteId).toBe(bank.siteId);
    expect((await server.gql(CALENDAR, { s: otherSite }, kiosk)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect((await server.gql(CALENDAR, { s: bank.siteId }, null)).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
    const admin = await person(server, 'ADMIN');
    expect((await server.gql(ADD_DAY, { s: bank.siteId, d: '2099-01-01', r: '' }, admin.token)).errors).toBeUndefined();
  });
});

describe('department contacts', () => {
  it('sets, changes and removes a contact, checking each field; IT and admins only', async () => {
    const server = await startTestServer();
    const it = await person(server, 'IT');
    const SET = `mutation ($d: String!, $e: String, $n: String) { setDepartmentContact(department: $d, email: $e, name: $n) { department email name } }`;
    const LIST = `{ departmentContacts { department email name } }`;
    expect((await server.gql(SET, { d: ' Physics ', e: 'Office@Physics.test' }, it.token)).data).toEqual({
      setDepartmentContact: { department: 'Physics', email: 'office@physics.test', name: '' },
    });
    await server.gql(SET, { d: 'Physics', e: 'head@physics.test', n: 'Head of school' }, it.token);
    await server.gql(SET, { d: 'Art', e: 'art@uni.test' }, it.token);
    expect((await server.gql(LIST, {}, it.token)).data.departmentContacts).toEqual([
      { department: 'Art', email: 'art@uni.test', name: '' },
      { department: 'Physics', email: 'head@physics.test', name: 'Head of school' },
    ]);
    for (const [vars, field] of [
      [{ d: 'Physics', e: 'not an address' }, 'email'],
      [{ d: '  ', e: 'a@uni.test' }, 'department'],
      [{ d: 'Physics', e: 'a@uni.test', n: 'n'.repeat(121) }, 'name'],
    ] as const)
      expect((await server.gql(SET, vars, it.token)).errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field,
      });
    expect((await server.gql(SET, { d: 'Art', e: null }, it.token)).data).toEqual({ setDepartmentContact: null });
    expect((await server.gql(LIST, {}, it.token)).data.departmentContacts).toHaveLength(1);
    const department = await person(server, 'DEPARTMENT');
    expect((await server.gql(LIST, {}, department.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await server.gql(SET, { d: 'Art', e: 'x@uni.test' }, department.token)).errors?.[0]?.extensions?.code).toBe(
      'FORBIDDEN',
    );
  });
});

describe('fault lists', () => {
  it('adds faults per category (trimmed, at most 80 characters, unique in any case), lists and removes them', async () => {
    const server = await startTestServer();
    const it = await person(server, 'IT');
    const add = async (c: string, l: string, x = false, token = it.token) =>
      (await server.gql(ADD_FAULT, { c, l, x }, token)).data?.addAssetFault;
    const screen = await add(' Laptop ', '  Screen   cracked ', true);
    expect(screen).toMatchObject({
      __typename: 'AssetFaultSaved',
      fault: { category: 'laptop', label: 'Screen cracked', critical: true },
    });
    await add('laptop', 'Battery will not charge');
    await add('tablet', 'Screen cracked');
    expect(await add('LAPTOP', 'screen CRACKED')).toMatchObject({ reason: 'DUPLICATE', field: 'label' });
    expect(await add('laptop', 'x'.repeat(81))).toMatchObject({ reason: 'INVALID', field: 'label' });
    expect(await add('laptop', '   ')).toMatchObject({ reason: 'INVALID', field: 'label' });
    expect(await add(' ', 'Keyboard')).toMatchObject({ reason: 'INVALID', field: 'category' });
    expect(await add('laptop', 'k'.repeat(80))).toMatchObject({ __typename: 'AssetFaultSaved' });

    const student = await person(server, 'STUDENT');
    const laptops = (await server.gql(FAULTS, { c: 'Laptop' }, student.token)).data.assetFaults;
    expect(laptops.map((f: { label: string }) => f.label)).toEqual([
      'Battery will not charge',
      'Screen cracked',
      'k'.repeat(80),
    ]);
    expect((await server.gql(FAULTS, {}, student.token)).data.assetFaults).toHaveLength(4);
    expect(await server.services.faults.get(screen!.fault.id)).toMatchObject({ critical: true });

    // Only IT and admins change the lists.
    expect(
      (await server.gql(ADD_FAULT, { c: 'laptop', l: 'Sticky keys', x: false }, student.token)).errors?.[0]?.extensions
        ?.code,
    ).toBe('FORBIDDEN');
    expect(
      (await server.gql(REMOVE_FAULT, { id: screen!.fault.id }, student.token)).errors?.[0]?.extensions?.code,
    ).toBe('FORBIDDEN');
    expect((await server.gql(REMOVE_FAULT, { id: screen!.fault.id }, it.token)).data.removeAssetFault).toBe(true);
    expect((await server.gql(REMOVE_FAULT, { id: screen!.fault.id }, it.token)).data.removeAssetFault).toBe(false);
    expect(await server.services.faults.forCategory('LAPTOP')).toHaveLength(2);
  });
});
