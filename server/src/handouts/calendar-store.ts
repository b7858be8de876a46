/**
 * The only place with queries for issue 9's site calendars, department
 * contacts, fault lists and the overdue sweep's reads and marks on `loans`
 * (the loan flows' own queries are elsewhere). Methods taking `tx` run in the
 * caller's transaction; the others read through `db.read`.
 */
import { and, asc, eq, gte, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Db, Queryable } from '../db/index.js';
import type { HoursRow } from './calendar.js';

export interface BlackoutRow {
  siteId: string;
  day: string;
  reason: string;
}
export interface DepartmentContactRow {
  department: string;
  email: string;
  name: string;
}
export interface AssetFaultRow {
  id: string;
  category: string;
  label: string;
  critical: boolean;
  createdAt: Date;
}

export function createCalendarStore(db: Db) {
  const { sites, siteHours, blackoutDays, departmentContacts, assetFaults, loans, people, assets } = db.tables;

  return {
    // --- site calendars -------------------------------------------------------------

    site: async (id: string, q: Queryable = db.read) =>
      (await q.select({ id: sites.id, timezone: sites.timezone }).from(sites).where(eq(sites.id, id)).limit(1))[0],
    hours: async (siteId: string, q: Queryable = db.read): Promise<HoursRow[]> =>
      q
        .select({ weekday: siteHours.weekday, opens: siteHours.opens, closes: siteHours.closes })
        .from(siteHours)
        .where(eq(siteHours.siteId, siteId))
        .orderBy(asc(siteHours.weekday)),
    /** The site's blackout days from `fromDay` (YYYY-MM-DD) on, or all. */
    blackoutDays: async (siteId: string, fromDay: string | null, q: Queryable = db.read): Promise<BlackoutRow[]> =>
      q
        .select()
        .from(blackoutDays)
        .where(and(eq(blackoutDays.siteId, siteId), fromDay ? gte(blackoutDays.day, fromDay) : undefined))
        .orderBy(asc(blackoutDays.day)),
    replaceHours: async (tx: Queryable, siteId: string, rows: readonly HoursRow[]): Promise<void> => {
      await tx.delete(siteHours).where(eq(siteHours.siteId, siteId));
      if (rows.length) await tx.insert(siteHours).values(rows.map((r) => ({ siteId, ...r })));
    },
    /** Adds a blackout day; one already there gets the new reason. */
    upsertBlackout: async (tx: Queryable, row: BlackoutRow): Promise<void> => {
      await tx
        .insert(blackoutDays)
        .values(row)
        .onConflictDoUpdate({ target: [blackoutDays.siteId, blackoutDays.day], set: { reason: row.reason } });
    },
    deleteBlackout: async (tx: Queryable, siteId: string, day: string): Promise<boolean> =>
      (
        await tx
          .delete(blackoutDays)
          .where(and(eq(blackoutDays.siteId, siteId), eq(blackoutDays.day, day)))
          .returning({ day: blackoutDays.day })
      ).length > 0,

    // --- department contacts -----------------------------------------------------------

    contacts: async (): Promise<DepartmentContactRow[]> =>
      db.read.select().from(departmentContacts).orderBy(asc(departmentContacts.department)),
    contact: async (department: string, q: Queryable = db.read): Promise<DepartmentContactRow | undefined> =>
      (await q.select().from(departmentContacts).where(eq(departmentContacts.department, department)).limit(1))[0],
    upsertContact: async (tx: Queryable, row: DepartmentContactRow): Promise<DepartmentContactRow> =>
      (
        await tx
          .insert(departmentContacts)
          .values(row)
          .onConflictDoUpdate({ target: departmentContacts.department, set: { email: row.email, name: row.name } })
          .returning()
      )[0]!,
    deleteContact: async (tx: Queryable, department: string): Promise<void> => {
      await tx.delete(departmentContacts).where(eq(departmentContacts.department, department));
    },

    // --- fault lists -------------------------------------------------------------------

    faults: async (category: string | null): Promise<AssetFaultRow[]> =>
      db.read
        .select()
        .from(assetFaults)
        .where(category ? eq(assetFaults.category, category) : undefined)
        .orderBy(asc(assetFaults.category), asc(assetFaults.label)),
    fault: async (id: string, q: Queryable = db.read): Promise<AssetFaultRow | undefined> =>
      (await q.select().from(assetFaults).where(eq(assetFaults.id, id)).limit(1))[0],
    /** The category's fault with this label in any case. */
    faultByLabel: async (tx: Queryable, category: string, label: string): Promise<AssetFaultRow | undefined> =>
      (
        await tx
          .select()
          .from(assetFaults)
          .where(and(eq(assetFaults.category, category), eq(sql`lower(${assetFaults.label})`, label.toLowerCase())))
          .limit(1)
      )[0],
    /** Undefined when the category has the label already (a concurrent add). */
    insertFault: async (tx: Queryable, row: AssetFaultRow): Promise<AssetFaultRow | undefined> =>
      (await tx.insert(assetFaults).values(row).onConflictDoNothing().returning())[0],
    deleteFault: async (tx: Queryable, id: string): Promise<boolean> =>
      (await tx.delete(assetFaults).where(eq(assetFaults.id, id)).returning({ id: assetFaults.id })).length > 0,

    // --- the overdue sweep ----------------------------------------------------------------

    /** ACTIVE loans with a due time, with their person and asset, earliest due first. */
    dueLoans: async () =>
      db.read
        .select({
          loan: {
            id: loans.id,
            category: loans.category,
            siteId: loans.siteId,
            dueAt: loans.dueAt,
            startedAt: loans.startedAt,
            createdAt: loans.createdAt,
            escalatedAt: loans.escalatedAt,
            lostModeAt: loans.lostModeAt,
          },
          person: {
            id: people.id,
            email: people.email,
            name: people.name,
            role: people.role,
            department: people.department,
          },
          asset: { id: assets.id, tag: assets.tag, serial: assets.serial, model: assets.model },
        })
        .from(loans)
        .innerJoin(people, eq(people.id, loans.personId))
        .innerJoin(assets, eq(assets.id, loans.assetId))
        .where(and(eq(loans.status, 'ACTIVE'), isNotNull(loans.dueAt)))
        .orderBy(asc(loans.dueAt)),
    /**
     * Sets escalatedAt or lostModeAt if it is still unset and the loan still
     * ACTIVE; true when this call set it, so across instances one caller does
     * what it records. The loan's version is left alone: these are the sweep's
     * bookkeeping, and a renewal in flight is not refused because of them.
     */
    markOnce: async (tx: Queryable, loanId: string, mark: 'escalatedAt' | 'lostModeAt', at: Date): Promise<boolean> =>
      (
        await tx
          .update(loans)
          .set({ [mark]: at })
          .where(and(eq(loans.id, loanId), eq(loans.status, 'ACTIVE'), isNull(loans[mark])))
          .returning({ id: loans.id })
      ).length > 0,
  };
}

export type CalendarStore = ReturnType<typeof createCalendarStore>;
export type DueLoan = Awaited<ReturnType<CalendarStore['dueLoans']>>[number];
