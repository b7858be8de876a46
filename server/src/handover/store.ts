/**
 * The handover core's queries: which compartment an item goes in, reserved
 * in the caller's transaction. One rule for every domain that puts something
 * in a compartment (parcels today), and for offering banks with room.
 */
import { and, asc, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { Db, Queryable, Tables } from '../db/index.js';
import type { CompartmentRow } from '../lockers/types.js';
import { createSerialQueues } from '../shared/serial.js';
import { fittingSizes, type Size } from './types.js';

/** What an item needs of its compartment. */
export interface Fit {
  size: Size;
  /** A person who needs a low compartment gets one, even a larger one. */
  needsAccessible: boolean;
  /** A laptop goes only into a compartment that charges it. */
  needsCharging?: boolean;
}

/** A compartment an item of this fit may be put in right now (one rule for reserving and for offering banks). */
const freeFitting = (compartments: Tables['compartments'], bankIds: readonly string[], fit: Fit) =>
  and(
    inArray(compartments.bankId, [...bankIds]),
    eq(compartments.state, 'AVAILABLE'),
    eq(compartments.door, 'CLOSED'),
    ne(compartments.occupancy, 'OCCUPIED'),
    inArray(compartments.size, fittingSizes(fit.size)),
    ...(fit.needsCharging ? [eq(compartments.hasCharging, true)] : []),
  );

export function createHandoverStore(db: Db) {
  const { compartments, parcels, assetHandouts } = db.tables;
  /** Reservations, one after another per set of banks (see inTurn). */
  const turns = createSerialQueues();

  return {
    /**
     * Runs `fn` in a write transaction, after every other reservation for the
     * same set of banks on this instance has finished. SQLite's adapter runs
     * one transaction at a time anyway; on PostgreSQL (SERIALIZABLE),
     * concurrent reservations would otherwise pick the same first candidate,
     * and all but one would run again, and again. Across instances,
     * SERIALIZABLE still decides.
     */
    inTurn<T>(bankIds: readonly string[], fn: (tx: Queryable) => Promise<T>): Promise<T> {
      return turns.run([...bankIds].sort().join(','), () => db.transaction(fn));
    },

    /**
     * Reserves a fitting free compartment in `tx`: in the banks in the order
     * given (preferred first); within a bank, an accessible compartment first
     * for people who need one, then the smallest size that fits, then
     * non-accessible before accessible (leaving low ones free), then the
     * label. The reservation is conditional on the compartment still being
     * AVAILABLE, so two transactions never share one. Undefined when none fits.
     */
    async reserveFitting(
      tx: Queryable,
      bankIds: readonly string[],
      fit: Fit,
      at: Date,
    ): Promise<{ bankId: string; compartment: CompartmentRow } | undefined> {
      for (const bankId of bankIds) {
        const [candidate] = await tx
          .select()
          .from(compartments)
          .where(freeFitting(compartments, [bankId], fit))
          .orderBy(
            ...(fit.needsAccessible ? [desc(compartments.accessible)] : []),
            sql`case ${compartments.size} when 'S' then 0 when 'M' then 1 when 'L' then 2 else 3 end`,
            asc(compartments.accessible),
            asc(compartments.label),
          )
          .limit(1);
        if (!candidate) continue;
        const [compartment] = await tx
          .update(compartments)
          .set({ state: 'RESERVED', version: sql`${compartments.version} + 1`, updatedAt: at })
          .where(and(eq(compartments.id, candidate.id), eq(compartments.state, 'AVAILABLE')))
          .returning();
        if (compartment) return { bankId, compartment };
      }
      return undefined;
    },

    /** Frees a compartment a reservation held (the item never went in); undefined if it was not RESERVED. */
    async releaseReservation(tx: Queryable, compartmentId: string, at: Date): Promise<CompartmentRow | undefined> {
      return (
        await tx
          .update(compartments)
          .set({ state: 'AVAILABLE', version: sql`${compartments.version} + 1`, updatedAt: at })
          .where(and(eq(compartments.id, compartmentId), eq(compartments.state, 'RESERVED')))
          .returning()
      )[0];
    },

    /**
     * Whether a code's lookup is live for any item (a parcel or an asset
     * handout): a code typed at a keypad must find exactly one thing, so a
     * new code is checked against every domain's live codes.
     */
    async codeLookupTaken(tx: Queryable, lookup: string): Promise<boolean> {
      const inParcels = await tx
        .select({ id: parcels.id })
        .from(parcels)
        .where(eq(parcels.codeLookup, lookup))
        .limit(1);
      if (inParcels.length) return true;
      const inHandouts = await tx
        .select({ id: assetHandouts.id })
        .from(assetHandouts)
        .where(eq(assetHandouts.codeLookup, lookup))
        .limit(1);
      return inHandouts.length > 0;
    },

    /** Of these banks, the ones with a compartment free now that an item of this fit goes in. */
    async banksWithFreeFitting(bankIds: readonly string[], fit: Fit): Promise<Set<string>> {
      if (bankIds.length === 0) return new Set();
      const rows = await db.read
        .selectDistinct({ bankId: compartments.bankId })
        .from(compartments)
        .where(freeFitting(compartments, bankIds, fit));
      return new Set(rows.map((r) => r.bankId));
    },
  };
}

export type HandoverStore = ReturnType<typeof createHandoverStore>;
