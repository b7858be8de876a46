/** The only place with queries over parcels, pickup tokens, attempt throttles and courier banks. */
import { and, asc, desc, eq, gt, inArray, isNotNull, isNull, like, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Db, Queryable } from '../db/index.js';
import type { HandoverStore } from '../handover/store.js';
import type { CompartmentRow } from '../lockers/types.js';
import type { ParcelRow } from './types.js';

/**
 * The address a recipient shared pickup with when it has no account (nothing
 * is shared then, but the recipient sees what it entered: see shareWithProxy).
 * Kept in the key-value settings table until parcels get a proxy_email column
 * (a migration, outside the access work that needed it).
 */

export type ReserveOutcome =
  | { kind: 'reserved'; parcel: ParcelRow; compartment: CompartmentRow }
  | { kind: 'desk'; parcel: ParcelRow }
  /** No fitting compartment, and the caller asked not to record the parcel then (a courier keeps it). */
  | { kind: 'none' }
  | { kind: 'duplicate'; existing: ParcelRow };

export function createParcelStore(db: Db, handover: HandoverStore) {
  const { parcels, pickupTokens, courierBanks, people } = db.tables;

  const bump = async (tx: Queryable, id: string, patch: Partial<ParcelRow>, at: Date): Promise<ParcelRow> =>
    (
      await tx
        .update(parcels)
        .set({ ...patch, version: sql`${parcels.version} + 1`, updatedAt: at })
        .where(eq(parcels.id, id))
        .returning()
    )[0]!;

  const getIn = async (tx: Queryable, id: string): Promise<ParcelRow | undefined> =>
    (await tx.select().from(parcels).where(eq(parcels.id, id)).limit(1))[0];

  return {
    get: async (id: string) => getIn(db.read, id),
    getIn,
    update: bump,

    forPerson: async (personId: string): Promise<ParcelRow[]> =>
      db.read
        .select()
        .from(parcels)
        .where(or(eq(parcels.recipientId, personId), eq(parcels.proxyId, personId)))
        .orderBy(desc(parcels.createdAt))
        .limit(200),

    async search(
      filter: {
        status?: ParcelRow['status'] | null;
        bankId?: string | null;
        search?: string | null;
        department?: string | null;
      },
      limit: number,
    ): Promise<ParcelRow[]> {
      const where: SQL[] = [];
      if (filter.status) where.push(eq(parcels.status, filter.status));
      if (filter.bankId) where.push(eq(parcels.bankId, filter.bankId));
      if (filter.department) where.push(eq(people.department, filter.department));
      if (filter.search) {
        const term = `%${filter.search.trim().toLowerCase()}%`;
        where.push(
          or(
            like(sql`lower(${parcels.tracking})`, term),
            like(sql`lower(${people.name})`, term),
            like(people.email, term),
            like(sql`lower(coalesce(${people.studentId}, ''))`, term),
          )!,
        );
      }
      const rows = await db.read
        .select({ parcel: parcels })
        .from(parcels)
        .innerJoin(people, eq(people.id, parcels.recipientId))
        .where(where.length ? and(...where) : undefined)
        .orderBy(desc(parcels.createdAt))
        .limit(limit);
      return rows.map((r) => r.parcel);
    },

    /** The parcel a door operation at this compartment belongs to. */
    activeInCompartment: async (tx: Queryable, compartmentId: string): Promise<ParcelRow | undefined> =>
      (
        await tx
          .select()
          .from(parcels)
          .where(
            and(
              eq(parcels.compartmentId, compartmentId),
              inArray(parcels.status, ['AWAITING_DEPOSIT', 'READY_FOR_PICKUP', 'RECALL_PENDING']),
            ),
          )
          .orderBy(desc(parcels.createdAt))
          .limit(1)
      )[0],

    byCodeLookup: async (lookup: string): Promise<ParcelRow | undefined> =>
      (await db.read.select().from(parcels).where(eq(parcels.codeLookup, lookup)).limit(1))[0],
    /** Live among every domain's codes (handover/store.ts), not only parcels'. */
    codeLookupTaken: (tx: Queryable, lookup: string): Promise<boolean> => handover.codeLookupTaken(tx, lookup),
    insert: async (tx: Queryable, row: Omit<ParcelRow, 'version'>): Promise<ParcelRow> =>
      (await tx.insert(parcels).values(row).returning())[0]!,

    /**
     * Takes a parcel in and reserves the smallest fitting compartment, in one
     * write transaction, so two concurrent intakes never get the same
     * compartment: SQLite's adapter runs one transaction at a time (BEGIN
     * IMMEDIATE), PostgreSQL's is SERIALIZABLE and runs this again from the
     * start when another transaction took the compartment first (so nothing
     * here may have an effect outside the database). The compartment is the
     * handover core's choice (handover/store.ts reserveFitting), and intakes
     * for the same banks take their turn with every other reservation there
     * (inTurn).
     */
    takeIn(input: {
      parcel: Omit<ParcelRow, 'status' | 'deskReason' | 'bankId' | 'compartmentId' | 'version'>;
      bankIds: readonly string[];
      needsAccessible: boolean;
      force: boolean;
      at: Date;
      /** What to do when nothing fits: record the parcel at the desk (the mailroom has it), or record nothing. */
      whenFull: 'desk' | 'none';
    }): Promise<ReserveOutcome> {
      return handover.inTurn(input.bankIds, async (tx): Promise<ReserveOutcome> => {
        if (!input.force) {
          const [existing] = await tx
            .select()
            .from(parcels)
            .where(eq(parcels.trackingKey, input.parcel.trackingKey))
            .limit(1);
          if (existing) return { kind: 'duplicate', existing };
        }
        const reserved = await handover.reserveFitting(
          tx,
          input.bankIds,
          { size: input.parcel.size, needsAccessible: input.needsAccessible },
          input.at,
        );
        if (reserved) {
          const [parcel] = await tx
            .insert(parcels)
            .values({
              ...input.parcel,
              status: 'AWAITING_DEPOSIT',
              bankId: reserved.bankId,
              compartmentId: reserved.compartment.id,
              operation: 'DEPOSIT',
              operationAt: input.at,
            })
            .returning();
          return { kind: 'reserved', parcel: parcel!, compartment: reserved.compartment };
        }
        if (input.whenFull === 'none') return { kind: 'none' };
        const [parcel] = await tx
          .insert(parcels)
          .values({ ...input.parcel, status: 'AT_DESK', deskReason: 'LOCKERS_FULL' })
          .returning();
        return { kind: 'desk', parcel: parcel! };
      });
    },

    /** Of these banks, the ones with a compartment free now that a parcel of this size fits in. */
    banksWithFreeFitting: (bankIds: readonly string[], size: ParcelRow['size']): Promise<Set<string>> =>
      handover.banksWithFreeFitting(bankIds, { size, needsAccessible: false }),

    /**
     * Undoes a reservation whose door command could not be sent (the bank
     * dropped off in between) for a parcel that must leave no trace (a
     * courier's, still in their hands): the compartment is free again and the
     * parcel row, which nothing refers to yet, is removed.
     */
    discardReservation(parcelId: string, compartmentId: string, at: Date): Promise<CompartmentRow | undefined> {
      return db.transaction(async (tx) => {
        await tx.delete(parcels).where(and(eq(parcels.id, parcelId), eq(parcels.status, 'AWAITING_DEPOSIT')));
        return handover.releaseReservation(tx, compartmentId, at);
      });
    },

    /** Parcels whose pickup window has passed. */
    expired: async (now: Date): Promise<ParcelRow[]> =>
      db.read
        .select()
        .from(parcels)
        .where(and(eq(parcels.status, 'READY_FOR_PICKUP'), lt(parcels.expiresAt, now))),
    needingReminder: async (depositedBefore: Date): Promise<ParcelRow[]> =>
      db.read
        .select()
        .from(parcels)
        .where(
          and(
            eq(parcels.status, 'READY_FOR_PICKUP'),
            lt(parcels.depositedAt, depositedBefore),
            isNull(parcels.reminderSentAt),
          ),
        ),
    needingExpiryWarning: async (expiresBefore: Date): Promise<ParcelRow[]> =>
      db.read
        .select()
        .from(parcels)
        .where(
          and(
            eq(parcels.status, 'READY_FOR_PICKUP'),
            lt(parcels.expiresAt, expiresBefore),
            isNull(parcels.expiryWarningSentAt),
          ),
        ),
    /** Deposits whose door never opened (command failed or expired). */
    staleDeposits: async (openedBefore: Date): Promise<ParcelRow[]> =>
      db.read
        .select()
        .from(parcels)
        .where(
          and(
            eq(parcels.status, 'AWAITING_DEPOSIT'),
            isNull(parcels.doorOpenedAt),
            lt(parcels.operationAt, openedBefore),
          ),
        ),

    // --- QR tokens -----------------------------------------------------------
    token: async (tx: Queryable, id: string) =>
      (await tx.select().from(pickupTokens).where(eq(pickupTokens.id, id)).limit(1))[0],
    async upsertToken(tx: Queryable, row: typeof pickupTokens.$inferInsert): Promise<void> {
      await tx
        .insert(pickupTokens)
        .values(row)
        // A used token stays used and a revoked one revoked, whatever is recorded later.
        .onConflictDoUpdate({
          target: pickupTokens.id,
          set: {
            usedAt: sql`coalesce(${pickupTokens.usedAt}, excluded.used_at)`,
            revokedAt: sql`coalesce(${pickupTokens.revokedAt}, excluded.revoked_at)`,
          },
        });
    },
    /**
     * Revoked tokens a controller could still accept (expiry plus the clock
     * skew it may allow not passed), which it must refuse offline.
     */
    async revokedTokensForBank(bankId: string, now: Date, skewMs: number): Promise<string[]> {
      const rows = await db.read
        .select({ id: pickupTokens.id })
        .from(pickupTokens)
        .where(
          and(
            eq(pickupTokens.bankId, bankId),
            isNotNull(pickupTokens.revokedAt),
            gt(pickupTokens.expiresAt, new Date(now.getTime() - skewMs)),
          ),
        );
      return rows.map((r) => r.id);
    },

    /** The deposit each compartment of a bank holds (or is about to): compartment id → parcel id. */
    async depositsInBank(bankId: string): Promise<Map<string, string>> {
      const rows = await db.read
        .select({ id: parcels.id, compartmentId: parcels.compartmentId })
        .from(parcels)
        .where(
          and(
            eq(parcels.bankId, bankId),
            inArray(parcels.status, ['AWAITING_DEPOSIT', 'READY_FOR_PICKUP', 'RECALL_PENDING']),
          ),
        )
        .orderBy(asc(parcels.createdAt));
      // Newest last, so it wins, as in activeInCompartment.
      return new Map(rows.filter((r) => r.compartmentId).map((r) => [r.compartmentId!, r.id]));
    },

    /** Parcels waiting at a bank whose code was issued when the bank's failure count was at most `base`. */
    overexposed: async (bankId: string, base: number): Promise<ParcelRow[]> =>
      db.read
        .select()
        .from(parcels)
        .where(
          and(
            eq(parcels.bankId, bankId),
            eq(parcels.status, 'READY_FOR_PICKUP'),
            isNotNull(parcels.codeLookup),
            lte(parcels.codeExposureBase, base),
          ),
        ),

    // --- couriers -------------------------------------------------
    /** The address a recipient shared pickup with, as typed (see parcels.proxyEmail). */
    async setProxyEmail(parcelId: string, address: string | null): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.update(parcels).set({ proxyEmail: address }).where(eq(parcels.id, parcelId));
      });
    },

    async courierBankIds(personId: string): Promise<string[]> {
      const rows = await db.read
        .select({ bankId: courierBanks.bankId })
        .from(courierBanks)
        .where(eq(courierBanks.personId, personId));
      return rows.map((r) => r.bankId);
    },
    async setCourierBanks(personId: string, bankIds: readonly string[]): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.delete(courierBanks).where(eq(courierBanks.personId, personId));
        if (bankIds.length) await tx.insert(courierBanks).values(bankIds.map((bankId) => ({ personId, bankId })));
      });
    },
  };
}
export type ParcelStore = ReturnType<typeof createParcelStore>;
