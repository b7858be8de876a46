/**
 * The only place with queries over sites, banks, compartments and their event
 * log. Transactions here are synchronous (see db/index.ts); the service
 * publishes what they return after they commit.
 */
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db, Queryable, Tx } from '../db/index.js';
import { tables } from '../db/index.js';
import { effectivePatch, patchForEvent } from './compartment-state.js';
import type { BankRow, CompartmentRow, LockerEventKind, LockerEventRow, SiteRow } from './types.js';

const { sites, lockerBanks, compartments, lockerEvents } = tables;

export interface ControllerEvent {
  seq: number;
  label: string;
  kind: LockerEventKind;
  at: Date;
  detail: string | null;
}

/**
 * Runs inside the event transaction, once per stored event, with the
 * compartment as it is after that event. A hook may change the compartment
 * (e.g. a confirmed deposit makes it IN_USE) by returning the new row, and
 * may return work to do after the commit (publishing). Because hooks share
 * the transaction, a crash never leaves an event stored but not acted on.
 */
export type ControllerEventHook = (
  tx: Tx,
  event: LockerEventRow,
  compartment: CompartmentRow | undefined,
) => { compartment?: CompartmentRow; afterCommit?: () => void } | void;

export interface RecordEventsOutcome {
  acceptedThroughSeq: number;
  resendFromSeq: number | null;
  stored: number;
  duplicates: number;
  unknownLabels: number[];
  /** Compartments whose state changed, as they are after the commit (newest version). */
  changed: CompartmentRow[];
  /** Events stored now, for listeners (parcels, alerts). */
  storedEvents: LockerEventRow[];
  /** Work the hooks asked for once the transaction has committed. */
  afterCommit: (() => void)[];
}

export function createLockerStore(db: Db) {
  const q = db.orm;

  function bumpCompartment(tx: Queryable, id: string, patch: object, at: Date): CompartmentRow {
    return tx
      .update(compartments)
      .set({ ...patch, version: sql`${compartments.version} + 1`, updatedAt: at })
      .where(eq(compartments.id, id))
      .returning()
      .get();
  }

  return {
    listSites: (): SiteRow[] => q.select().from(sites).orderBy(asc(sites.name)).all(),
    getSite: (id: string) => q.select().from(sites).where(eq(sites.id, id)).get(),
    sitesByIds: (ids: readonly string[]) =>
      ids.length
        ? q
            .select()
            .from(sites)
            .where(inArray(sites.id, [...ids]))
            .all()
        : [],
    insertSite: (row: typeof sites.$inferInsert) => q.insert(sites).values(row).returning().get(),

    listBanks: (siteId?: string | null): BankRow[] =>
      q
        .select()
        .from(lockerBanks)
        .where(siteId ? eq(lockerBanks.siteId, siteId) : undefined)
        .orderBy(asc(lockerBanks.name))
        .all(),
    getBank: (id: string) => q.select().from(lockerBanks).where(eq(lockerBanks.id, id)).get(),
    banksByIds: (ids: readonly string[]) =>
      ids.length
        ? q
            .select()
            .from(lockerBanks)
            .where(inArray(lockerBanks.id, [...ids]))
            .all()
        : [],
    banksBySiteIds: (siteIds: readonly string[]) =>
      siteIds.length
        ? q
            .select()
            .from(lockerBanks)
            .where(inArray(lockerBanks.siteId, [...siteIds]))
            .orderBy(asc(lockerBanks.name))
            .all()
        : [],
    findBankByTokenHash: (hash: string) =>
      q.select().from(lockerBanks).where(eq(lockerBanks.deviceTokenHash, hash)).get(),

    compartmentsByBankIds: (bankIds: readonly string[]): CompartmentRow[] =>
      bankIds.length
        ? q
            .select()
            .from(compartments)
            .where(inArray(compartments.bankId, [...bankIds]))
            .orderBy(asc(compartments.label))
            .all()
        : [],
    compartmentsByIds: (ids: readonly string[]): CompartmentRow[] =>
      ids.length
        ? q
            .select()
            .from(compartments)
            .where(inArray(compartments.id, [...ids]))
            .all()
        : [],
    getCompartment: (id: string) => q.select().from(compartments).where(eq(compartments.id, id)).get(),
    findCompartment: (bankId: string, label: string) =>
      q
        .select()
        .from(compartments)
        .where(and(eq(compartments.bankId, bankId), eq(compartments.label, label)))
        .get(),

    recentEvents: (bankId: string, limit: number): LockerEventRow[] =>
      q
        .select()
        .from(lockerEvents)
        .where(eq(lockerEvents.bankId, bankId))
        .orderBy(desc(lockerEvents.id))
        .limit(limit)
        .all(),
    countControllerEvents: (bankId: string) =>
      q
        .select({ n: sql<number>`count(*)` })
        .from(lockerEvents)
        .where(and(eq(lockerEvents.bankId, bankId), sql`${lockerEvents.seq} is not null`))
        .get()?.n ?? 0,

    insertBankWithCompartments(
      bank: typeof lockerBanks.$inferInsert,
      specs: Omit<typeof compartments.$inferInsert, 'bankId'>[],
    ): BankRow {
      return db.withTx((tx) => {
        const row = tx.insert(lockerBanks).values(bank).returning().get();
        tx.insert(compartments)
          .values(specs.map((s) => ({ ...s, bankId: row.id })))
          .run();
        return row;
      });
    },

    rotateDeviceToken(bankId: string, hash: string, at: Date): BankRow | undefined {
      return q
        .update(lockerBanks)
        .set({
          deviceTokenHash: hash,
          deviceGeneration: sql`${lockerBanks.deviceGeneration} + 1`,
          lastSeq: 0,
          version: sql`${lockerBanks.version} + 1`,
          updatedAt: at,
        })
        .where(eq(lockerBanks.id, bankId))
        .returning()
        .get();
    },

    /**
     * Sets ONLINE/OFFLINE and logs it as an event, in one transaction. Returns
     * the new row, or null when the status did not change.
     */
    setBankStatus(bankId: string, status: BankRow['status'], at: Date): BankRow | null {
      return db.withTx((tx) => {
        const bank = tx.select().from(lockerBanks).where(eq(lockerBanks.id, bankId)).get();
        if (!bank) return null;
        if (bank.status === status) {
          if (status === 'ONLINE')
            tx.update(lockerBanks).set({ lastSeenAt: at }).where(eq(lockerBanks.id, bankId)).run();
          return null;
        }
        tx.insert(lockerEvents)
          .values({
            bankId,
            kind: status === 'ONLINE' ? 'BANK_ONLINE' : 'BANK_OFFLINE',
            occurredAt: at,
            receivedAt: at,
          })
          .run();
        return tx
          .update(lockerBanks)
          .set({
            status,
            ...(status === 'ONLINE' ? { lastSeenAt: at } : {}),
            version: sql`${lockerBanks.version} + 1`,
            updatedAt: at,
          })
          .where(eq(lockerBanks.id, bankId))
          .returning()
          .get();
      });
    },

    touchBank(bankId: string, at: Date) {
      q.update(lockerBanks).set({ lastSeenAt: at }).where(eq(lockerBanks.id, bankId)).run();
    },

    /**
     * Stores a controller's events exactly once and applies them to the
     * compartments, in seq order, in one transaction.
     *
     * Seqs at or below the bank's lastSeq are duplicates (a resend after a lost
     * answer) and change nothing. The first seq past lastSeq + 1 is a gap: it
     * and everything after it are refused, and the controller is told to
     * resend from lastSeq + 1, so the log never has holes.
     */
    recordControllerEvents(
      bankId: string,
      generation: number,
      events: ControllerEvent[],
      receivedAt: Date,
      hooks: readonly ControllerEventHook[] = [],
    ): RecordEventsOutcome {
      return db.withTx((tx) => {
        const bank = tx.select().from(lockerBanks).where(eq(lockerBanks.id, bankId)).get();
        if (!bank || bank.deviceGeneration !== generation) {
          throw new Error('controller generation is stale');
        }
        const byLabel = new Map(
          tx
            .select()
            .from(compartments)
            .where(eq(compartments.bankId, bankId))
            .all()
            .map((c) => [c.label, c]),
        );
        const changed = new Map<string, CompartmentRow>();
        const storedEvents: LockerEventRow[] = [];
        const unknownLabels: number[] = [];
        const afterCommit: (() => void)[] = [];
        let last = bank.lastSeq;
        let duplicates = 0;
        let resendFromSeq: number | null = null;

        for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
          if (e.seq <= last) {
            duplicates++;
            continue;
          }
          if (e.seq !== last + 1) {
            resendFromSeq = last + 1;
            break;
          }
          let compartment = byLabel.get(e.label);
          const stored = tx
            .insert(lockerEvents)
            .values({
              bankId,
              compartmentId: compartment?.id ?? null,
              label: e.label,
              kind: e.kind,
              deviceGeneration: generation,
              seq: e.seq,
              occurredAt: e.at,
              receivedAt,
              detail: e.detail,
            })
            .returning()
            .get();
          storedEvents.push(stored);
          last = e.seq;
          if (!compartment) unknownLabels.push(e.seq);
          else {
            const patch = effectivePatch(compartment, patchForEvent(compartment, e.kind));
            if (patch) {
              compartment = bumpCompartment(tx, compartment.id, patch, receivedAt);
              byLabel.set(e.label, compartment);
              changed.set(compartment.id, compartment);
            }
          }
          for (const hook of hooks) {
            const result = hook(tx, stored, compartment);
            if (result?.compartment) {
              compartment = result.compartment;
              byLabel.set(compartment.label, compartment);
              changed.set(compartment.id, compartment);
            }
            if (result?.afterCommit) afterCommit.push(result.afterCommit);
          }
        }
        tx.update(lockerBanks).set({ lastSeq: last, lastSeenAt: receivedAt }).where(eq(lockerBanks.id, bankId)).run();
        return {
          acceptedThroughSeq: last,
          resendFromSeq,
          stored: storedEvents.length,
          duplicates,
          unknownLabels,
          changed: [...changed.values()],
          storedEvents,
          afterCommit,
        };
      });
    },

    /** Changes a compartment inside a caller's transaction, bumping its version. */
    updateCompartmentIn(tx: Queryable, id: string, patch: Partial<CompartmentRow>, at: Date): CompartmentRow {
      return bumpCompartment(tx, id, patch, at);
    },

    /** Sets a compartment's business state (staff, bookings); null when already so. */
    setCompartmentState(id: string, state: CompartmentRow['state'], at: Date): CompartmentRow | null {
      return db.withTx((tx) => {
        const c = tx.select().from(compartments).where(eq(compartments.id, id)).get();
        if (!c || c.state === state) return null;
        return bumpCompartment(tx, id, { state }, at);
      });
    },
  };
}
export type LockerStore = ReturnType<typeof createLockerStore>;
