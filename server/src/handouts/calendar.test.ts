import { describe, expect, it } from 'vitest';
import { dueAtOn, isDay, isOpenAt, localDay, nextOpeningAt, type Calendar, type HoursRow } from './calendar.js';

const WEEKDAYS_9_TO_17: HoursRow[] = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, opens: '09:00', closes: '17:00' }));
const cal = (over: Partial<Calendar> = {}): Calendar => ({
  timeZone: 'Europe/London',
  hours: WEEKDAYS_9_TO_17,
  blackoutDays: new Set(),
  ...over,
});
const d = (iso: string) => new Date(iso);
const iso = (date: Date | null) => date?.toISOString() ?? null;

describe('site calendar', () => {
  it('is open always, in any zone, for a site with no hours rows, except on its blackout days', () => {
    const open = cal({ hours: [], timeZone: 'America/New_York' });
    expect(isOpenAt(open, d('2026-01-11T03:00:00Z'))).toBe(true);
    expect(nextOpeningAt(open, d('2026-01-11T03:00:00Z'))).toEqual(d('2026-01-11T03:00:00Z'));
    // 2026-01-12 in New York is 05:00Z to 05:00Z the next day.
    const closed = { ...open, blackoutDays: new Set(['2026-01-12']) };
    expect(isOpenAt(closed, d('2026-01-12T04:59:00Z'))).toBe(true);
    expect(isOpenAt(closed, d('2026-01-12T05:00:00Z'))).toBe(false);
    expect(iso(nextOpeningAt(closed, d('2026-01-12T12:00:00Z')))).toBe('2026-01-13T05:00:00.000Z');
  });

  it('opens on the weekdays it has hours for, between opens and closes, local time', () => {
    const c = cal();
    // Monday 2026-01-12, GMT.
    expect(isOpenAt(c, d('2026-01-12T08:59:00Z'))).toBe(false);
    expect(isOpenAt(c, d('2026-01-12T09:00:00Z'))).toBe(true);
    expect(isOpenAt(c, d('2026-01-12T16:59:59Z'))).toBe(true);
    expect(isOpenAt(c, d('2026-01-12T17:00:00Z'))).toBe(false);
    // Saturday: closed; the next opening is Monday 09:00.
    expect(isOpenAt(c, d('2026-01-10T12:00:00Z'))).toBe(false);
    expect(iso(nextOpeningAt(c, d('2026-01-10T12:00:00Z')))).toBe('2026-01-12T09:00:00.000Z');
    expect(iso(nextOpeningAt(c, d('2026-01-12T17:30:00Z')))).toBe('2026-01-13T09:00:00.000Z');
  });

  it('keeps local opening hours across a DST change (London, clocks forward 2026-03-29)', () => {
    const c = cal({ hours: [0, 1].map((weekday) => ({ weekday, opens: '09:00', closes: '17:00' })) });
    // Sunday 29 March: BST from 01:00Z, so 09:00 local is 08:00Z.
    expect(isOpenAt(c, d('2026-03-29T08:00:00Z'))).toBe(true);
    expect(isOpenAt(c, d('2026-03-29T07:59:00Z'))).toBe(false);
    expect(iso(nextOpeningAt(c, d('2026-03-29T00:30:00Z')))).toBe('2026-03-29T08:00:00.000Z');
    // A week before, GMT: 09:00Z.
    expect(iso(nextOpeningAt(c, d('2026-03-22T00:30:00Z')))).toBe('2026-03-22T09:00:00.000Z');
    expect(localDay(d('2026-03-28T23:30:00Z'), 'Europe/London')).toBe('2026-03-28');
    expect(localDay(d('2026-03-29T23:30:00Z'), 'Europe/London')).toBe('2026-03-30');
  });

  it('reads real days only', () => {
    expect(isDay('2026-02-28')).toBe(true);
    expect(isDay('2026-02-30')).toBe(false);
    expect(isDay('2026-2-3')).toBe(false);
    expect(isDay('tomorrow')).toBe(false);
  });
});

describe('dueAtOn', () => {
  it('gives no due time without a maximum (an assignment)', () => {
    expect(dueAtOn(cal(), d('2026-01-12T10:00:00Z'), null, '17:00')).toBeNull();
  });

  it('is the maximum later when the site is open then, capped at dueBy on the last day', () => {
    const c = cal();
    expect(iso(dueAtOn(c, d('2026-01-12T10:00:00Z'), 24, null))).toBe('2026-01-13T10:00:00.000Z');
    expect(iso(dueAtOn(c, d('2026-01-12T10:00:00Z'), 24, '09:30'))).toBe('2026-01-13T09:30:00.000Z');
    // A cap later than the maximum changes nothing.
    expect(iso(dueAtOn(c, d('2026-01-12T10:00:00Z'), 24, '16:00'))).toBe('2026-01-13T10:00:00.000Z');
  });

  it('caps at dueBy in site time across a DST change', () => {
    const c = cal({ hours: [] });
    // Saturday 28 March 10:00 GMT + 24 h = Sunday 10:00Z = 11:00 BST; due by 10:00 BST = 09:00Z.
    expect(iso(dueAtOn(c, d('2026-03-28T10:00:00Z'), 24, '10:00'))).toBe('2026-03-29T09:00:00.000Z');
    expect(iso(dueAtOn(c, d('2026-03-28T10:00:00Z'), 24, null))).toBe('2026-03-29T10:00:00.000Z');
  });

  it('moves off a closed day, a blackout day and closed hours to the last open time before, never later', () => {
    const c = cal({ blackoutDays: new Set(['2026-01-14']) });
    // Friday 10:00 + 48 h = Sunday: closed, so Friday 17:00.
    expect(iso(dueAtOn(c, d('2026-01-09T10:00:00Z'), 48, null))).toBe('2026-01-09T17:00:00.000Z');
    // Monday 10:00 + 48 h = Wednesday 10:00, a blackout day: Tuesday 17:00.
    expect(iso(dueAtOn(c, d('2026-01-12T10:00:00Z'), 48, null))).toBe('2026-01-13T17:00:00.000Z');
    // Monday 10:00 + 10 h = 20:00, after closing: 17:00 the same day.
    expect(iso(dueAtOn(c, d('2026-01-12T10:00:00Z'), 10, null))).toBe('2026-01-12T17:00:00.000Z');
    // An all-day site closed on the day it would be due: 23:59 of the day before.
    const allDay = cal({ hours: [], blackoutDays: new Set(['2026-01-14']) });
    expect(iso(dueAtOn(allDay, d('2026-01-12T10:00:00Z'), 48, null))).toBe('2026-01-13T23:59:00.000Z');
  });

  it('takes the next opening when nothing is open between start and the maximum', () => {
    const c = cal();
    // Friday 20:00 + 4 h: closed all the way; Monday 09:00.
    expect(iso(dueAtOn(c, d('2026-01-09T20:00:00Z'), 4, null))).toBe('2026-01-12T09:00:00.000Z');
    // A due-by time already past when a short loan starts is not applied.
    expect(iso(dueAtOn(cal({ hours: [] }), d('2026-01-12T22:30:00Z'), 1, '22:00'))).toBe('2026-01-12T23:30:00.000Z');
  });
});
