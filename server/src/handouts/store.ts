/** The only place with queries over loans, asset handouts, agreement acceptances and the waitlist's counts. */
import { and, asc, desc, eq, gt, inArray, isNull, like, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Db, Queryable } from '../db/index.js';
import {
  LIVE_HANDOUT_STATUSES,
  OPEN_LOAN_STATUSES,
  type HandoutRow,
  type HandoutStatus,
  type LoanRow,
  type LoanStatus,
} from './types.js';

export function createHandoutStore(db: Db) {
  const { loans, assetHandouts, assets, people, compartments, agreementAcceptances, waitlistEntries } = db.tables;

  return {
    loan: async (id: string, q: Queryable = db.read): Promise<LoanRow | undefined> =>
      (await q.select().from(loans).where(eq(loans.id, id)).limit(1))[0],
    handout: async (id: string, q: Queryable = db.read): Promise<HandoutRow | undefined> =>
      (await q.select().from(assetHandouts).where(eq(assetHandouts.id, id)).limit(1))[0],
    insertLoan: async (q: Queryable, row: Omit<LoanRow, 'version'>): Promise<LoanRow> =>
      (await q.insert(loans).values(row).returning())[0]!,
    insertHandout: async (q: Queryable, row: Omit<HandoutRow, 'version'>): Promise<HandoutRow> =>
      (await q.insert(assetHandouts).values(row).returning())[0]!,
    updateLoan: async (q: Queryable, id: string, patch: Partial<LoanRow>, at: Date): Promise<LoanRow> =>
      (
        await q
          .update(loans)
          .set({ ...patch, version: sql`${loans.version} + 1`, updatedAt: at })
          .where(eq(loans.id, id))
          .returning()
      )[0]!,
    updateHandout: async (q: Queryable, id: string, patch: Partial<HandoutRow>, at: Date): Promise<HandoutRow> =>
      (
        await q
          .update(assetHandouts)
          .set({ ...patch, version: sql`${assetHandouts.version} + 1`, updatedAt: at })
          .where(eq(assetHandouts.id, id))
          .returning()
      )[0]!,
    /** Changes a handout only if it is still in `status`: two visits never claim one pool loaner. */
    claimHandout: async (
      q: Queryable,
      id: string,
      status: HandoutStatus,
      patch: Partial<HandoutRow>,
      at: Date,
    ): Promise<HandoutRow | undefined> =>
      (
        await q
          .update(assetHandouts)
          .set({ ...patch, version: sql`${assetHandouts.version} + 1`, updatedAt: at })
          .where(and(eq(assetHandouts.id, id), eq(assetHandouts.status, status)))
          .returning()
      )[0],

    /** The handout holding a compartment now, if any. */
    liveInCompartment: async (q: Queryable, compartmentId: string): Promise<HandoutRow | undefined> =>
      (
        await q
          .select()
          .from(assetHandouts)
          .where(
            and(
              eq(assetHandouts.compartmentId, compartmentId),
              inArray(assetHandouts.status, [...LIVE_HANDOUT_STATUSES]),
            ),
          )
          .orderBy(desc(assetHandouts.createdAt))
          .limit(1)
      )[0],
    liveForAsset: async (q: Queryable, assetId: string): Promise<HandoutRow | undefined> =>
      (
        await q
          .select()
          .from(assetHandouts)
          .where(and(eq(assetHandouts.assetId, assetId), inArray(assetHandouts.status, [...LIVE_HANDOUT_STATUSES])))
          .limit(1)
      )[0],
    handoutsOfLoan: async (loanId: string): Promise<HandoutRow[]> =>
      db.read
        .select()
        .from(assetHandouts)
        .where(eq(assetHandouts.loanId, loanId))
        .orderBy(asc(assetHandouts.createdAt)),
    handoutsOfBooking: async (bookingId: string): Promise<HandoutRow[]> =>
      db.read
        .select()
        .from(assetHandouts)
        .where(eq(assetHandouts.bookingId, bookingId))
        .orderBy(asc(assetHandouts.createdAt)),
    byCodeLookup: async (lookup: string): Promise<HandoutRow | undefined> =>
      (await db.read.select().from(assetHandouts).where(eq(assetHandouts.codeLookup, lookup)).limit(1))[0],

    /** Handouts with a live code at a bank issued before `base` failures had been counted there. */
    overexposed: async (bankId: string, base: number): Promise<HandoutRow[]> =>
      db.read
        .select()
        .from(assetHandouts)
        .where(
          and(
            eq(assetHandouts.bankId, bankId),
            sql`${assetHandouts.codeLookup} is not null`,
            lt(assetHandouts.codeExposureBase, base),
          ),
        ),

    /** The asset's open loan (pending, active or returning), if any. */
    openLoanForAsset: async (q: Queryable, assetId: string): Promise<LoanRow | undefined> =>
      (
        await q
          .select()
          .from(loans)
          .where(and(eq(loans.assetId, assetId), inArray(loans.status, [...OPEN_LOAN_STATUSES])))
          .limit(1)
      )[0],
    /** A person's open loans (to count against a limit, and to find an overdue one). */
    openLoansOf: async (q: Queryable, personId: string): Promise<LoanRow[]> =>
      q
        .select()
        .from(loans)
        .where(and(eq(loans.personId, personId), inArray(loans.status, [...OPEN_LOAN_STATUSES]))),
    loansOf: async (personId: string): Promise<LoanRow[]> => {
      const open = await db.read
        .select()
        .from(loans)
        .where(and(eq(loans.personId, personId), inArray(loans.status, [...OPEN_LOAN_STATUSES])))
        .orderBy(desc(loans.createdAt));
      const ended = await db.read
        .select()
        .from(loans)
        .where(and(eq(loans.personId, personId), sql`${loans.status} not in ('PENDING', 'ACTIVE', 'RETURNING')`))
        .orderBy(desc(loans.updatedAt))
        .limit(20);
      return [...open, ...ended];
    },
    searchLoans: async (
      filter: {
        status?: LoanStatus | null;
        personId?: string | null;
        search?: string | null;
        overdueBefore?: Date | null;
        department?: string | null;
      },
      limit: number,
    ): Promise<LoanRow[]> => {
      const where: SQL[] = [];
      if (filter.status) where.push(eq(loans.status, filter.status));
      if (filter.personId) where.push(eq(loans.personId, filter.personId));
      if (filter.department) where.push(eq(people.department, filter.department));
      if (filter.overdueBefore) where.push(eq(loans.status, 'ACTIVE'), lt(loans.dueAt, filter.overdueBefore));
      if (filter.search) {
        const term = `%${filter.search.trim().toLowerCase()}%`;
        where.push(
          or(like(sql`lower(${assets.tag})`, term), like(sql`lower(${people.name})`, term), like(people.email, term))!,
        );
      }
      const rows = await db.read
        .select({ loan: loans })
        .from(loans)
        .innerJoin(people, eq(people.id, loans.personId))
        .innerJoin(assets, eq(assets.id, loans.assetId))
        .where(where.length ? and(...where) : undefined)
        .orderBy(filter.overdueBefore ? asc(loans.dueAt) : desc(loans.createdAt))
        .limit(limit);
      return rows.map((r) => r.loan);
    },
    searchHandouts: async (
      filter: { status?: HandoutStatus | null; direction?: 'OUT' | 'IN' | null; bankId?: string | null },
      limit: number,
    ): Promise<HandoutRow[]> => {
      const where: SQL[] = [];
      if (filter.status) where.push(eq(assetHandouts.status, filter.status));
      if (filter.direction) where.push(eq(assetHandouts.direction, filter.direction));
      if (filter.bankId) where.push(eq(assetHandouts.bankId, filter.bankId));
      return db.read
        .select()
        .from(assetHandouts)
        .where(where.length ? and(...where) : undefined)
        .orderBy(desc(assetHandouts.updatedAt))
        .limit(limit);
    },

    /**
     * Loaners in the self-service pool at a bank: loaded, nobody's yet, door
     * closed, and not charging (a bank that reports charge offers only charged ones).
     */
    poolAt: async (
      q: Queryable,
      bankId: string,
      filter: { model?: string; category?: string } = {},
    ): Promise<(HandoutRow & { model: string; category: string })[]> => {
      const rows = await q
        .select({ handout: assetHandouts, model: assets.model, category: assets.category })
        .from(assetHandouts)
        .innerJoin(assets, eq(assets.id, assetHandouts.assetId))
        .innerJoin(compartments, eq(compartments.id, assetHandouts.compartmentId))
        .where(
          and(
            eq(assetHandouts.bankId, bankId),
            eq(assetHandouts.status, 'READY'),
            eq(assetHandouts.direction, 'OUT'),
            isNull(assetHandouts.personId),
            eq(compartments.door, 'CLOSED'),
            ne(compartments.charging, 'CHARGING'),
            ...(filter.model ? [eq(assets.model, filter.model)] : []),
            ...(filter.category ? [eq(assets.category, filter.category)] : []),
          ),
        )
        .orderBy(sql`case ${compartments.charging} when 'CHARGED' then 0 else 1 end`, asc(assetHandouts.readyAt));
      return rows.map((r) => ({ ...r.handout, model: r.model, category: r.category }));
    },

    /** Handouts whose drop-off or pickup window is over. */
    expired: async (now: Date): Promise<HandoutRow[]> =>
      db.read
        .select()
        .from(assetHandouts)
        .where(
          and(
            inArray(assetHandouts.status, ['READY', 'AWAITING_DROPOFF']),
            lt(assetHandouts.expiresAt, now),
            isNull(assetHandouts.operation),
          ),
        )
        .limit(200),
    /** Loaded handouts whose person has not been told yet and whose time has come. */
    dueNotices: async (now: Date): Promise<HandoutRow[]> =>
      db.read
        .select()
        .from(assetHandouts)
        .where(
          and(
            eq(assetHandouts.status, 'READY'),
            isNull(assetHandouts.noticeSentAt),
            sql`${assetHandouts.personId} is not null`,
            or(isNull(assetHandouts.availableAt), lt(assetHandouts.availableAt, now)),
          ),
        )
        .limit(200),

    agreementOf: async (q: Queryable, personId: string, category: string) =>
      (
        await q
          .select()
          .from(agreementAcceptances)
          .where(and(eq(agreementAcceptances.personId, personId), eq(agreementAcceptances.category, category)))
          .limit(1)
      )[0],
    acceptAgreement: async (q: Queryable, row: typeof agreementAcceptances.$inferInsert) => {
      await q.insert(agreementAcceptances).values(row).onConflictDoNothing();
    },

    /** Whether anyone waits for a loaner of this category at this site (a renewal is refused then). */
    someoneWaiting: async (category: string, siteId: string | null, exceptPersonId: string): Promise<boolean> =>
      (
        await db.read
          .select({ id: waitlistEntries.id })
          .from(waitlistEntries)
          .where(
            and(
              eq(waitlistEntries.category, category),
              ...(siteId ? [eq(waitlistEntries.siteId, siteId)] : []),
              inArray(waitlistEntries.status, ['WAITING', 'OFFERED']),
              ne(waitlistEntries.personId, exceptPersonId),
            ),
          )
          .limit(1)
      ).length > 0,

    /** Loans due between two instants (tests and reminders read the same rule). */
    dueBetween: async (from: Date, to: Date): Promise<LoanRow[]> =>
      db.read
        .select()
        .from(loans)
        .where(and(eq(loans.status, 'ACTIVE'), gt(loans.dueAt, from), lt(loans.dueAt, to))),
  };
}

export type HandoutStore = ReturnType<typeof createHandoutStore>;
