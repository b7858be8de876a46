/** The only place with queries over parcels, pickup tokens, attempt throttles and courier banks. */
import { and, asc, desc, eq, inArray, isNotNull, isNull, like, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import type { Db, Queryable } from '../db/index.js';
import { tables } from '../db/index.js';
import type { CompartmentRow } from '../lockers/types.js';
import { fittingSizes, type ParcelRow } from './types.js';

const { parcels, compartments, pickupTokens, courierBanks, people } = tables;

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

/** A compartment a parcel of these sizes may be put in right now (one rule for reserving and for offering banks). */
const freeFitting = (bankIds: readonly string[], sizes: readonly ParcelRow['size'][]) =>
  and(
    inArray(compartments.bankId, [...bankIds]),
    eq(compartments.state, 'AVAILABLE'),
    eq(compartments.door, 'CLOSED'),
    ne(compartments.occupancy, 'OCCUPIED'),
    inArray(compartments.size, [...sizes]),
  );

export function createParcelStore(db: Db) {
  const q = db.orm;

  const bump = (tx: Queryable, id: string, patch: Partial<ParcelRow>, at: Date): ParcelRow =>
    tx
      .update(parcels)
      .set({ ...patch, version: sql`${parcels.version} + 1`, updatedAt: at })
      .where(eq(parcels.id, id))
      .returning()
      .get();

  return {
    get: (id: string) => q.select().from(parcels).where(eq(parcels.id, id)).get(),
    getIn: (tx: Queryable, id: string) => tx.select().from(parcels).where(eq(parcels.id, id)).get(),
    update: bump,

    forPerson: (personId: string): ParcelRow[] =>
      q
        .select()
        .from(parcels)
        .where(or(eq(parcels.recipientId, personId), eq(parcels.proxyId, personId)))
        .orderBy(desc(parcels.createdAt))
        .limit(200)
        .all(),

    search(
      filter: {
        status?: ParcelRow['status'] | null;
        bankId?: string | null;
        search?: string | null;
        department?: string | null;
      },
      limit: number,
    ) {
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
      return q
        .select({ parcel: parcels })
        .from(parcels)
        .innerJoin(people, eq(people.id, parcels.recipientId))
        .where(where.length ? and(...where) : undefined)
        .orderBy(desc(parcels.createdAt))
        .limit(limit)
        .all()
        .map((r) => r.parcel);
    },

    /** The parcel a door operation at this compartment belongs to. */
    activeInCompartment: (tx: Queryable, compartmentId: string): ParcelRow | undefined =>
      tx
        .select()
        .from(parcels)
        .where(
          and(
            eq(parcels.compartmentId, compartmentId),
            inArray(parcels.status, ['AWAITING_DEPOSIT', 'READY_FOR_PICKUP', 'RECALL_PENDING']),
          ),
        )
        .orderBy(desc(parcels.createdAt))
        .get(),

    byCodeLookup: (lookup: string) => q.select().from(parcels).where(eq(parcels.codeLookup, lookup)).get(),
    codeLookupTaken: (tx: Queryable, lookup: string) =>
      !!tx.select({ id: parcels.id }).from(parcels).where(eq(parcels.codeLookup, lookup)).get(),
    insert: (tx: Queryable, row: Omit<ParcelRow, 'version'>): ParcelRow =>
      tx.insert(parcels).values(row).returning().get(),

    /**
     * Takes a parcel in and reserves the smallest fitting compartment, in one
     * write transaction: BEGIN IMMEDIATE serialises concurrent intakes, so two
     * never get the same compartment. Banks are tried in the order given
     * (preferred first); within a bank, an accessible compartment first for
     * people who need one, then the smallest size that fits, then non-accessible
     * before accessible (leaving low ones free), then the label.
     */
    takeIn(input: {
      parcel: Omit<ParcelRow, 'status' | 'deskReason' | 'bankId' | 'compartmentId' | 'version'>;
      bankIds: readonly string[];
      needsAccessible: boolean;
      force: boolean;
      at: Date;
      /** What to do when nothing fits: record the parcel at the desk (the mailroom has it), or record nothing. */
      whenFull: 'desk' | 'none';
    }): ReserveOutcome {
      return db.withTx((tx) => {
        if (!input.force) {
          const existing = tx.select().from(parcels).where(eq(parcels.trackingKey, input.parcel.trackingKey)).get();
          if (existing) return { kind: 'duplicate', existing };
        }
        const sizes = fittingSizes(input.parcel.size);
        for (const bankId of input.bankIds) {
          const candidate = tx
            .select()
            .from(compartments)
            .where(freeFitting([bankId], sizes))
            .orderBy(
              // Someone who needs a low compartment gets one even if it is larger;
              // everyone else gets the smallest fit and leaves the low ones free.
              ...(input.needsAccessible ? [desc(compartments.accessible)] : []),
              sql`case ${compartments.size} when 'S' then 0 when 'M' then 1 when 'L' then 2 else 3 end`,
              asc(compartments.accessible),
              asc(compartments.label),
            )
            .get();
          if (!candidate) continue;
          const compartment = tx
            .update(compartments)
            .set({ state: 'RESERVED', version: sql`${compartments.version} + 1`, updatedAt: input.at })
            .where(and(eq(compartments.id, candidate.id), eq(compartments.state, 'AVAILABLE')))
            .returning()
            .get();
          if (!compartment) continue;
          const parcel = tx
            .insert(parcels)
            .values({
              ...input.parcel,
              status: 'AWAITING_DEPOSIT',
              bankId,
              compartmentId: compartment.id,
              operation: 'DEPOSIT',
              operationAt: input.at,
            })
            .returning()
            .get();
          return { kind: 'reserved', parcel, compartment };
        }
        if (input.whenFull === 'none') return { kind: 'none' };
        const parcel = tx
          .insert(parcels)
          .values({ ...input.parcel, status: 'AT_DESK', deskReason: 'LOCKERS_FULL' })
          .returning()
          .get();
        return { kind: 'desk', parcel };
      });
    },

    /** Of these banks, the ones with a compartment free now that a parcel of this size fits in. */
    banksWithFreeFitting(bankIds: readonly string[], size: ParcelRow['size']): Set<string> {
      if (bankIds.length === 0) return new Set();
      const rows = q
        .selectDistinct({ bankId: compartments.bankId })
        .from(compartments)
        .where(freeFitting(bankIds, fittingSizes(size)))
        .all();
      return new Set(rows.map((r) => r.bankId));
    },

    /**
     * Undoes a reservation whose door command could not be sent (the bank
     * dropped off in between) for a parcel that must leave no trace (a
     * courier's, still in their hands): the compartment is free again and the
     * parcel row, which nothing refers to yet, is removed.
     */
    discardReservation(parcelId: string, compartmentId: string, at: Date): CompartmentRow | undefined {
      return db.withTx((tx) => {
        tx.delete(parcels)
          .where(and(eq(parcels.id, parcelId), eq(parcels.status, 'AWAITING_DEPOSIT')))
          .run();
        return tx
          .update(compartments)
          .set({ state: 'AVAILABLE', version: sql`${compartments.version} + 1`, updatedAt: at })
          .where(and(eq(compartments.id, compartmentId), eq(compartments.state, 'RESERVED')))
          .returning()
          .get();
      });
    },

    /** Parcels whose pickup window has passed. */
    expired: (now: Date) =>
      q
        .select()
        .from(parcels)
        .where(and(eq(parcels.status, 'READY_FOR_PICKUP'), lt(parcels.expiresAt, now)))
        .all(),
    needingReminder: (depositedBefore: Date) =>
      q
        .select()
        .from(parcels)
        .where(
          and(
            eq(parcels.status, 'READY_FOR_PICKUP'),
            lt(parcels.depositedAt, depositedBefore),
            isNull(parcels.reminderSentAt),
          ),
        )
        .all(),
    needingExpiryWarning: (expiresBefore: Date) =>
      q
        .select()
        .from(parcels)
        .where(
          and(
            eq(parcels.status, 'READY_FOR_PICKUP'),
            lt(parcels.expiresAt, expiresBefore),
            isNull(parcels.expiryWarningSentAt),
          ),
        )
        .all(),
    /** Deposits whose door never opened (command failed or expired). */
    staleDeposits: (openedBefore: Date) =>
      q
        .select()
        .from(parcels)
        .where(
          and(
            eq(parcels.status, 'AWAITING_DEPOSIT'),
            isNull(parcels.doorOpenedAt),
            lt(parcels.operationAt, openedBefore),
          ),
        )
        .all(),

    // --- QR tokens -----------------------------------------------------------
    token: (tx: Queryable, id: string) => tx.select().from(pickupTokens).where(eq(pickupTokens.id, id)).get(),
    upsertToken(tx: Queryable, row: typeof pickupTokens.$inferInsert) {
      tx.insert(pickupTokens)
        .values(row)
        // A used token stays used and a revoked one revoked, whatever is recorded later.
        .onConflictDoUpdate({
          target: pickupTokens.id,
          set: {
            usedAt: sql`coalesce(${pickupTokens.usedAt}, excluded.used_at)`,
            revokedAt: sql`coalesce(${pickupTokens.revokedAt}, excluded.revoked_at)`,
          },
        })
        .run();
    },
    /**
     * Revoked tokens a controller could still accept (expiry plus the clock
     * skew it may allow not passed), which it must refuse offline.
     */
    revokedTokensForBank: (bankId: string, now: Date, skewMs: number) =>
      q
        .select({ id: pickupTokens.id })
        .from(pickupTokens)
        .where(
          and(
            eq(pickupTokens.bankId, bankId),
            isNotNull(pickupTokens.revokedAt),
            sql`${pickupTokens.expiresAt} > ${now.getTime() - skewMs}`,
          ),
        )
        .all()
        .map((r) => r.id),

    /** The deposit each compartment of a bank holds (or is about to): compartment id → parcel id. */
    depositsInBank(bankId: string): Map<string, string> {
      const rows = q
        .select({ id: parcels.id, compartmentId: parcels.compartmentId })
        .from(parcels)
        .where(
          and(
            eq(parcels.bankId, bankId),
            inArray(parcels.status, ['AWAITING_DEPOSIT', 'READY_FOR_PICKUP', 'RECALL_PENDING']),
          ),
        )
        .orderBy(asc(parcels.createdAt))
        .all();
      // Newest last, so it wins, as in activeInCompartment.
      return new Map(rows.filter((r) => r.compartmentId).map((r) => [r.compartmentId!, r.id]));
    },

    /** Parcels waiting at a bank whose code was issued when the bank's failure count was at most `base`. */
    overexposed: (bankId: string, base: number) =>
      q
        .select()
        .from(parcels)
        .where(
          and(
            eq(parcels.bankId, bankId),
            eq(parcels.status, 'READY_FOR_PICKUP'),
            isNotNull(parcels.codeLookup),
            sql`${parcels.codeExposureBase} <= ${base}`,
          ),
        )
        .all(),

    // --- couriers -------------------------------------------------
    /** The address a recipient shared pickup with, as typed (see parcels.proxyEmail). */
    setProxyEmail(parcelId: string, address: string | null) {
      q.update(parcels).set({ proxyEmail: address }).where(eq(parcels.id, parcelId)).run();
    },

    courierBankIds: (personId: string) =>
      q
        .select({ bankId: courierBanks.bankId })
        .from(courierBanks)
        .where(eq(courierBanks.personId, personId))
        .all()
        .map((r) => r.bankId),
    setCourierBanks(personId: string, bankIds: readonly string[]) {
      db.withTx((tx) => {
        tx.delete(courierBanks).where(eq(courierBanks.personId, personId)).run();
        if (bankIds.length)
          tx.insert(courierBanks)
            .values(bankIds.map((bankId) => ({ personId, bankId })))
            .run();
      });
    },
  };
}
export type ParcelStore = ReturnType<typeof createParcelStore>;
