/**
 * A site's calendar: its opening hours per weekday and its blackout days, in
 * the site's time zone. Pure functions over the data (calendar-store.ts reads
 * it); the loan flows ask `dueAt`, the kiosk and the web app `isOpen` and
 * `nextOpening`.
 *
 * - A site with no hours rows is open every day, all day (installs made
 *   before hours existed keep working); its blackout days still close it.
 * - A site with hours rows is open on the weekdays it has a row for, from
 *   `opens` to `closes` ("HH:MM", opens < closes, no window past midnight),
 *   and closed on the others and on its blackout days.
 *
 * The due time of a loan starting at `start` (`dueAtOn`):
 * 1. `start` + maxLoanHours (no maxLoanHours: no due time, an assignment);
 * 2. capped at `dueBy` ("HH:MM", site time) on that last day (unless the cap
 *    is at or before `start`: a short loan begun after the due-by time);
 * 3. when the site is not open then (a closed weekday, a blackout day, outside
 *    its hours), moved EARLIER to the last moment it is open before: the
 *    closing time of the last open day, or the capped time itself when that is
 *    inside opening hours. A loan is never made longer than its maximum;
 * 4. when that would be at or before `start` (no open time between start and
 *    the maximum: a short loan begun out of hours), the next opening after
 *    `start` instead: the one case where the due time passes the maximum,
 *    because nobody could bring it back earlier.
 * A site open all day has its day end at 23:59 for step 3.
 */
import { authorize, grantOf } from '../access/authorize.js';
import type { Operation } from '../access/matrix.js';
import type { Db } from '../db/index.js';
import type { LockerStore } from '../lockers/store.js';
import type { Viewer } from '../people/types.js';
import type { Clock } from '../shared/clock.js';
import { badInput, notFound } from '../shared/errors.js';
import { isHhmm, minutesOf } from '../notify/quiet-hours.js';
import type { CalendarStore } from './calendar-store.js';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MINUTE = 60_000;
const HOUR = 3_600_000;
/** How far the searches look, in days, before giving up (a site closed for over a year). */
const HORIZON_DAYS = 400;

export interface HoursRow {
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  opens: string;
  closes: string;
}

export interface Calendar {
  timeZone: string;
  /** No rows: open every day, all day. */
  hours: readonly HoursRow[];
  /** YYYY-MM-DD in the site's time zone. */
  blackoutDays: ReadonlySet<string>;
}

/** Open always, every day, in UTC: a loan with no site. */
export const ALWAYS_OPEN: Calendar = { timeZone: 'UTC', hours: [], blackoutDays: new Set() };

/** A real calendar day written YYYY-MM-DD (2026-02-30 is not one). */
export function isDay(s: string): boolean {
  const m = DAY.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

// --- time zones ----------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();
/** One Intl formatter per zone and purpose, made once (they are slow to make). */
export function zoneFormatter(
  purpose: string,
  timeZone: string,
  options: Omit<Intl.DateTimeFormatOptions, 'timeZone'>,
): Intl.DateTimeFormat {
  const key = `${purpose} ${timeZone}`;
  let f = formatters.get(key);
  if (!f) formatters.set(key, (f = new Intl.DateTimeFormat('en-GB', { ...options, timeZone })));
  return f;
}

const WALL_CLOCK = {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
} as const;

/** The wall-clock time at `at` in the zone, as if it were UTC (ms). */
function wallClock(at: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const part of zoneFormatter('wall clock', timeZone, WALL_CLOCK).formatToParts(new Date(at)))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day, p.hour, p.minute, p.second) + (at % 1000);
}

const offsetAt = (at: number, timeZone: string) => wallClock(at, timeZone) - at;

/**
 * The instant a wall-clock time (as UTC ms) names in the zone. Of a time that
 * happens twice (clocks going back), the first; of one that never happens
 * (clocks going forward), the same wall time in the new offset, i.e. as much
 * later as the gap is long.
 */
function instantOf(wall: number, timeZone: string): number {
  // The instant lies within [wall - 14 h, wall + 12 h]: the offsets just outside it bracket it.
  const before = offsetAt(wall - 15 * HOUR, timeZone);
  const after = offsetAt(wall + 13 * HOUR, timeZone);
  const fits = [before, after].map((o) => wall - o).filter((t) => offsetAt(t, timeZone) === wall - t);
  return fits.length ? Math.min(...fits) : wall - before;
}

/** A local calendar day as a count of days since 1970-01-01. */
type DayNumber = number;

const dayNumberOf = (at: number, timeZone: string): DayNumber => Math.floor(wallClock(at, timeZone) / (24 * HOUR));
const dayText = (d: DayNumber) => new Date(d * 24 * HOUR).toISOString().slice(0, 10);
const weekdayOf = (d: DayNumber) => new Date(d * 24 * HOUR).getUTCDay();
/** The instant of minute `minutes` of local day `d`. */
const at = (cal: Calendar, d: DayNumber, minutes: number) => instantOf(d * 24 * HOUR + minutes * MINUTE, cal.timeZone);

/** YYYY-MM-DD of `at` in the zone. */
export const localDay = (when: Date, timeZone: string): string => dayText(dayNumberOf(when.getTime(), timeZone));

/** When the site is open on local day `d`: [opens, closes), or null when closed all day. */
function windowOf(cal: Calendar, d: DayNumber): { opens: number; closes: number; allDay: boolean } | null {
  if (cal.blackoutDays.has(dayText(d))) return null;
  if (cal.hours.length === 0) return { opens: at(cal, d, 0), closes: at(cal, d + 1, 0), allDay: true };
  const row = cal.hours.find((h) => h.weekday === weekdayOf(d));
  if (!row) return null;
  return { opens: at(cal, d, minutesOf(row.opens)), closes: at(cal, d, minutesOf(row.closes)), allDay: false };
}

// --- the questions ---------------------------------------------------------------

/** Whether the site is open at `when`. */
export function isOpenAt(cal: Calendar, when: Date): boolean {
  const t = when.getTime();
  const w = windowOf(cal, dayNumberOf(t, cal.timeZone));
  return !!w && w.opens <= t && t < w.closes;
}

/** `when` itself when the site is open then, else when it next opens; null if not within about a year. */
export function nextOpeningAt(cal: Calendar, when: Date): Date | null {
  const t = when.getTime();
  const first = dayNumberOf(t, cal.timeZone);
  for (let d = first; d <= first + HORIZON_DAYS; d++) {
    const w = windowOf(cal, d);
    if (!w || t >= w.closes) continue;
    return new Date(Math.max(t, w.opens));
  }
  return null;
}

/** The latest moment at or before `t` when the site is open (a day's closing time counts); null if none since `floor`. */
function lastOpenAtOrBefore(cal: Calendar, t: number, floor: number): number | null {
  const last = dayNumberOf(t, cal.timeZone);
  const stop = Math.max(dayNumberOf(floor, cal.timeZone) - 1, last - HORIZON_DAYS);
  for (let d = last; d >= stop; d--) {
    const w = windowOf(cal, d);
    if (!w) continue;
    // An all-day site's day ends at 23:59, so a due time is never on the next (perhaps closed) day.
    const closes = w.allDay ? w.closes - MINUTE : w.closes;
    if (t >= closes) return closes;
    if (t >= w.opens) return t;
  }
  return null;
}

/**
 * The due time of a loan starting at `start` (see the rules at the top);
 * null when maxLoanHours is null (no limit: an assignment).
 */
export function dueAtOn(cal: Calendar, start: Date, maxLoanHours: number | null, dueBy: string | null): Date | null {
  if (maxLoanHours === null) return null;
  const begin = start.getTime();
  let due = begin + maxLoanHours * HOUR;
  if (dueBy) {
    const capped = at(cal, dayNumberOf(due, cal.timeZone), minutesOf(dueBy));
    // A cap already past when the loan starts (a short loan begun after the due-by time) is not applied.
    if (capped > begin) due = Math.min(due, capped);
  }
  const open = lastOpenAtOrBefore(cal, due, begin);
  if (open !== null && open > begin) return new Date(open);
  // Closed from start to the maximum: nothing opens in between, so the next opening (after `due`).
  return nextOpeningAt(cal, new Date(due)) ?? new Date(due);
}

// --- the service: a site's calendar by id, and IT's changes to it -------------------

export interface SiteCalendarView {
  siteId: string;
  timezone: string;
  /** No hours set: open every day, all day (blackout days still close it). */
  alwaysOpen: boolean;
  hours: HoursRow[];
  /** Today (site time) and later. */
  blackoutDays: { day: string; reason: string }[];
}

const REASON_MAX = 200;

export function createCalendarService(deps: { db: Db; store: CalendarStore; lockers: LockerStore; clock: Clock }) {
  const { db, store, lockers, clock } = deps;

  /** The calendar the rules above read; a loan with no site (or an unknown one) is open always, in UTC. */
  async function calendarOf(siteId: string | null): Promise<Calendar> {
    const site = siteId ? await store.site(siteId) : undefined;
    if (!site) return ALWAYS_OPEN;
    const [hours, blackouts] = [await store.hours(site.id), await store.blackoutDays(site.id, null)];
    return { timeZone: site.timezone, hours, blackoutDays: new Set(blackouts.map((b) => b.day)) };
  }

  async function view(site: { id: string; timezone: string }): Promise<SiteCalendarView> {
    const hours = await store.hours(site.id);
    const upcoming = await store.blackoutDays(site.id, localDay(clock.now(), site.timezone));
    return {
      siteId: site.id,
      timezone: site.timezone,
      alwaysOpen: hours.length === 0,
      hours,
      blackoutDays: upcoming.map(({ day, reason }) => ({ day, reason })),
    };
  }

  /** The site, if the viewer may use `op` on it: a kiosk only its own bank's site. NOT_FOUND otherwise. */
  async function siteFor(viewer: Viewer | null, op: Operation, siteId: string) {
    const v = authorize(viewer, op);
    const site = await store.site(siteId);
    if (!site) throw notFound('Site');
    if (grantOf(v, op) === 'bank') {
      const bank = v.bankId ? await lockers.getBank(v.bankId) : undefined;
      if (bank?.siteId !== site.id) throw notFound('Site');
    }
    return site;
  }

  function checkedHours(hours: readonly HoursRow[]): HoursRow[] {
    const seen = new Set<number>();
    return hours.map((h, i) => {
      const field = (name: keyof HoursRow) => ({ field: `hours.${i}.${name}` });
      if (!Number.isInteger(h.weekday) || h.weekday < 0 || h.weekday > 6)
        throw badInput('weekday is 0 (Sunday) to 6 (Saturday).', field('weekday'));
      if (seen.has(h.weekday)) throw badInput(`weekday ${h.weekday} is given twice.`, field('weekday'));
      seen.add(h.weekday);
      const opens = h.opens.trim();
      const closes = h.closes.trim();
      if (!isHhmm(opens)) throw badInput('opens is a time of day as HH:MM, 24-hour (e.g. 08:30).', field('opens'));
      if (!isHhmm(closes)) throw badInput('closes is a time of day as HH:MM, 24-hour (e.g. 17:00).', field('closes'));
      if (minutesOf(opens) >= minutesOf(closes)) throw badInput('closes must be later than opens.', field('closes'));
      return { weekday: h.weekday, opens, closes };
    });
  }

  function checkedDay(day: string): string {
    const d = day.trim();
    if (!isDay(d)) throw badInput('day is a date as YYYY-MM-DD (e.g. 2026-12-24).', { field: 'day' });
    return d;
  }

  return {
    calendarOf,
    /** Whether the site (null: none) is open at `at`. */
    isOpen: async (siteId: string | null, at: Date): Promise<boolean> => isOpenAt(await calendarOf(siteId), at),
    /** `at` when open then, else when the site next opens (null: not within a year). */
    nextOpening: async (siteId: string | null, at: Date): Promise<Date | null> =>
      nextOpeningAt(await calendarOf(siteId), at),
    /** The due time of a loan starting at `start` (the rules at the top); null without maxLoanHours. */
    dueAt: async (
      siteId: string | null,
      start: Date,
      maxLoanHours: number | null,
      dueBy: string | null,
    ): Promise<Date | null> => dueAtOn(await calendarOf(siteId), start, maxLoanHours, dueBy),

    async get(viewer: Viewer | null, siteId: string): Promise<SiteCalendarView> {
      return view(await siteFor(viewer, 'Query.siteCalendar', siteId));
    },

    /** Replaces the site's hours: a weekday not listed is closed; an empty list, open always. */
    async setHours(viewer: Viewer | null, siteId: string, hours: readonly HoursRow[]): Promise<SiteCalendarView> {
      const site = await siteFor(viewer, 'Mutation.setSiteHours', siteId);
      const rows = checkedHours(hours);
      await db.transaction((tx) => store.replaceHours(tx, site.id, rows));
      return view(site);
    },

    async addBlackoutDay(viewer: Viewer | null, siteId: string, day: string, reason: string) {
      const site = await siteFor(viewer, 'Mutation.addBlackoutDay', siteId);
      const d = checkedDay(day);
      const why = reason.trim();
      if (why.length > REASON_MAX)
        throw badInput(`reason is longer than ${REASON_MAX} characters.`, { field: 'reason' });
      await db.transaction((tx) => store.upsertBlackout(tx, { siteId: site.id, day: d, reason: why }));
      return view(site);
    },

    async removeBlackoutDay(viewer: Viewer | null, siteId: string, day: string) {
      const site = await siteFor(viewer, 'Mutation.removeBlackoutDay', siteId);
      const d = checkedDay(day);
      await db.transaction((tx) => store.deleteBlackout(tx, site.id, d));
      return view(site);
    },
  };
}

export type CalendarService = ReturnType<typeof createCalendarService>;
