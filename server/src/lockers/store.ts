/**
 * The only place with queries over sites, banks, compartments and their event
 * log. Every method is asynchronous; writes run in `db.transaction` (see
 * db/index.ts), and the service publishes what they return after they commit.
 * Tables come from `db.tables`, so the same queries serve SQLite and PostgreSQL.
 */
import { and, asc, count, desc, eq, inArray, isNotNull, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import { preparedById, preparedRead, type Db, type Queryable, type Tx } from '../db/index.js';
import { effectivePatch, patchForEvent } from './compartment-state.js';
import type { BankRow, CompartmentRow, LockerEventKind, LockerEventRow, SiteRow } from './types.js';

/** A controller event as the journal (devices/journal.ts) read it: ready to store. */
export interface ControllerEvent {
  seq: number;
  kind: LockerEventKind;
  /** The kind as sent, when it is not one of ours (kind UNRECOGNISED). */
  reportedKind: string | null;
  /** Bank-level kinds belong to no compartment, whatever label they carry. */
  bankLevel: boolean;
  label: string | null;
  /** On the server's time line. */
  occurredAt: Date;
  reportedAt: string | null;
  /** Set: stored, consumes its seq, and changes nothing (no compartment change, no hooks). */
  rejection: LockerEventRow['rejection'];
  flags: readonly { flag: string }[];
  code: string | null;
  detail: string | null;
}

/** Event rows per INSERT (14 columns each: well inside SQLite's and PostgreSQL's parameter limits). */
const INSERT_CHUNK = 250;

/**
 * Runs inside the event transaction, once per stored event that is applied
 * (not rejected), with the compartment as it is after that event (undefined
 * for bank-level events). A hook may change the compartment (e.g. a confirmed
 * deposit makes it IN_USE) by returning the new row, and may return work to
 * do after the commit (publishing). Because hooks share the transaction, a
 * crash never leaves an event stored but not acted on. Asynchronous: the
 * store awaits each hook, in order, before the next event; a hook must do its
 * db work through `tx` (or `db.read`, which is `tx` there), await all of it,
 * and never wait for another transaction. A hook that throws rolls back the
 * whole batch. On PostgreSQL the transaction may run again (a retry), so a
 * hook has no effect outside the database: that goes in `afterCommit`.
 */
export type ControllerEventHook = (
  tx: Tx,
  event: LockerEventRow,
  compartment: CompartmentRow | undefined,
) => Promise<{ compartment?: CompartmentRow; afterCommit?: () => void | Promise<void> } | void>;

export interface RecordEventsOutcome<E extends ControllerEvent> {
  acceptedThroughSeq: number;
  resendFromSeq: number | null;
  /** Events stored now (rejected ones included), in seq order, each with what was sent. */
  stored: { event: E; row: LockerEventRow }[];
  duplicates: number;
  /** Seqs already stored with other content: nothing was stored for them. */
  conflicts: { event: E; stored: LockerEventRow }[];
  /** Compartments whose state changed, as they are after the commit (newest version). */
  changed: CompartmentRow[];
  /** Work the hooks asked for once the transaction has committed. */
  afterCommit: (() => void | Promise<void>)[];
}

export type RecordLostRangeOutcome =
  { ok: true; row: LockerEventRow; acceptedThroughSeq: number } | { ok: false; acceptedThroughSeq: number };

export function createLockerStore(db: Db) {
  const { sites, lockerBanks, compartments, lockerEvents } = db.tables;

  /** Whether any controller event (or lost range) is stored for this bank in this generation. */
  async function anyInGeneration(tx: Queryable, bankId: string, generation: number): Promise<boolean> {
    const rows = await tx
      .select({ id: lockerEvents.id })
      .from(lockerEvents)
      .where(
        and(
          eq(lockerEvents.bankId, bankId),
          eq(lockerEvents.deviceGeneration, generation),
          isNotNull(lockerEvents.seq),
        ),
      )
      .limit(1);
    return rows.length > 0;
  }

  /** The event stored at a seq of this bank's generation, if any. */
  async function eventAt(tx: Queryable, bankId: string, generation: number, seq: number) {
    const rows = await tx
      .select()
      .from(lockerEvents)
      .where(
        and(eq(lockerEvents.bankId, bankId), eq(lockerEvents.deviceGeneration, generation), eq(lockerEvents.seq, seq)),
      )
      .limit(1);
    return rows[0];
  }

  /** One UPDATE of one compartment, its version bumped; undefined when the row is gone. */
  async function bumpCompartment(
    tx: Queryable,
    id: string,
    patch: object,
    at: Date,
  ): Promise<CompartmentRow | undefined> {
    const rows = await tx
      .update(compartments)
      .set({ ...patch, version: sql`${compartments.version} + 1`, updatedAt: at })
      .where(eq(compartments.id, id))
      .returning();
    return rows[0];
  }

  // The board's reads (every client asks them, often): built once, run with new values.
  const allBanks = preparedRead((q) => q.select().from(lockerBanks).orderBy(asc(lockerBanks.name)).prepare());
  const banksOfSite = preparedRead((q) =>
    q
      .select()
      .from(lockerBanks)
      .where(eq(lockerBanks.siteId, sql.placeholder('siteId')))
      .orderBy(asc(lockerBanks.name))
      .prepare(),
  );
  /** Compartments of up to 16 banks, one prepared query per count of banks (the loader batches a request's banks). */
  const compartmentsOf = Array.from({ length: 16 }, (_, i) =>
    preparedRead((q) =>
      q
        .select()
        .from(compartments)
        .where(
          inArray(
            compartments.bankId,
            Array.from({ length: i + 1 }, (_, k) => sql.placeholder(`b${k}`)),
          ),
        )
        .orderBy(asc(compartments.label))
        .prepare(),
    ),
  );

  const bankById = preparedById(lockerBanks);
  const allSites = preparedRead((q) => q.select().from(sites).orderBy(asc(sites.name)).prepare());

  async function bankIn(tx: Queryable, bankId: string) {
    return (await tx.select().from(lockerBanks).where(eq(lockerBanks.id, bankId)).limit(1))[0];
  }

  return {
    listSites: async (): Promise<SiteRow[]> => allSites(db.read, {}),
    getSite: async (id: string): Promise<SiteRow | undefined> =>
      (await db.read.select().from(sites).where(eq(sites.id, id)).limit(1))[0],
    sitesByIds: async (ids: readonly string[]): Promise<SiteRow[]> =>
      ids.length
        ? db.read
            .select()
            .from(sites)
            .where(inArray(sites.id, [...ids]))
        : [],
    insertSite: async (row: typeof sites.$inferInsert): Promise<SiteRow> =>
      db.transaction(async (tx) => {
        const inserted = (await tx.insert(sites).values(row).returning())[0];
        if (!inserted) throw new Error('site insert returned nothing');
        return inserted;
      }),

    listBanks: async (siteId?: string | null): Promise<BankRow[]> =>
      siteId ? banksOfSite(db.read, { siteId }) : allBanks(db.read, {}),
    getBank: async (id: string): Promise<BankRow | undefined> => bankById(db.read, id),
    banksByIds: async (ids: readonly string[]): Promise<BankRow[]> =>
      ids.length
        ? db.read
            .select()
            .from(lockerBanks)
            .where(inArray(lockerBanks.id, [...ids]))
        : [],
    banksBySiteIds: async (siteIds: readonly string[]): Promise<BankRow[]> =>
      siteIds.length
        ? db.read
            .select()
            .from(lockerBanks)
            .where(inArray(lockerBanks.siteId, [...siteIds]))
            .orderBy(asc(lockerBanks.name))
        : [],
    findBankByTokenHash: async (hash: string): Promise<BankRow | undefined> =>
      (await db.read.select().from(lockerBanks).where(eq(lockerBanks.deviceTokenHash, hash)).limit(1))[0],

    compartmentsByBankIds: async (bankIds: readonly string[]): Promise<CompartmentRow[]> => {
      if (!bankIds.length) return [];
      const prepared = compartmentsOf[bankIds.length - 1];
      if (prepared) return prepared(db.read, Object.fromEntries(bankIds.map((id, k) => [`b${k}`, id])));
      return db.read
        .select()
        .from(compartments)
        .where(inArray(compartments.bankId, [...bankIds]))
        .orderBy(asc(compartments.label));
    },
    /** The compartment sizes these banks have (each once). */
    sizesIn: async (bankIds: readonly string[]): Promise<CompartmentRow['size'][]> =>
      bankIds.length
        ? (
            await db.read
              .selectDistinct({ size: compartments.size })
              .from(compartments)
              .where(inArray(compartments.bankId, [...bankIds]))
          ).map((r) => r.size)
        : [],
    compartmentsByIds: async (ids: readonly string[]): Promise<CompartmentRow[]> =>
      ids.length
        ? db.read
            .select()
            .from(compartments)
            .where(inArray(compartments.id, [...ids]))
        : [],
    getCompartment: async (id: string): Promise<CompartmentRow | undefined> =>
      (await db.read.select().from(compartments).where(eq(compartments.id, id)).limit(1))[0],
    findCompartment: async (bankId: string, label: string): Promise<CompartmentRow | undefined> =>
      (
        await db.read
          .select()
          .from(compartments)
          .where(and(eq(compartments.bankId, bankId), eq(compartments.label, label)))
          .limit(1)
      )[0],

    recentEvents: async (bankId: string, limit: number): Promise<LockerEventRow[]> =>
      db.read
        .select()
        .from(lockerEvents)
        .where(eq(lockerEvents.bankId, bankId))
        .orderBy(desc(lockerEvents.id))
        .limit(limit),
    /**
     * A page of a bank's log, newest first: up to `limit` rows with an id
     * below `beforeId` (the previous page's last). With `problemsOnly`, only
     * rejected, flagged, unrecognised and lost-range entries.
     */
    async eventLogPage(
      bankId: string,
      opts: { limit: number; beforeId: number | null; problemsOnly: boolean },
    ): Promise<LockerEventRow[]> {
      const where: (SQL | undefined)[] = [eq(lockerEvents.bankId, bankId)];
      if (opts.beforeId !== null) where.push(lt(lockerEvents.id, opts.beforeId));
      if (opts.problemsOnly) {
        where.push(
          or(
            isNotNull(lockerEvents.rejection),
            ne(lockerEvents.flags, ''),
            inArray(lockerEvents.kind, ['UNRECOGNISED', 'EVENTS_LOST']),
          ),
        );
      }
      return db.read
        .select()
        .from(lockerEvents)
        .where(and(...where))
        .orderBy(desc(lockerEvents.id))
        .limit(opts.limit);
    },
    countControllerEvents: async (bankId: string): Promise<number> =>
      (
        await db.read
          .select({ n: count() })
          .from(lockerEvents)
          .where(and(eq(lockerEvents.bankId, bankId), isNotNull(lockerEvents.seq)))
      )[0]?.n ?? 0,

    insertBankWithCompartments(
      bank: typeof lockerBanks.$inferInsert,
      specs: Omit<typeof compartments.$inferInsert, 'bankId'>[],
    ): Promise<BankRow> {
      return db.transaction(async (tx) => {
        const row = (await tx.insert(lockerBanks).values(bank).returning())[0];
        if (!row) throw new Error('bank insert returned nothing');
        if (specs.length) await tx.insert(compartments).values(specs.map((s) => ({ ...s, bankId: row.id })));
        return row;
      });
    },

    rotateDeviceToken(bankId: string, hash: string, at: Date): Promise<BankRow | undefined> {
      return db.transaction(async (tx) => {
        const rows = await tx
          .update(lockerBanks)
          .set({
            deviceTokenHash: hash,
            deviceGeneration: sql`${lockerBanks.deviceGeneration} + 1`,
            lastSeq: 0,
            version: sql`${lockerBanks.version} + 1`,
            updatedAt: at,
          })
          .where(eq(lockerBanks.id, bankId))
          .returning();
        return rows[0];
      });
    },

    /**
     * Sets ONLINE/OFFLINE and logs it as an event, in one transaction. Returns
     * the new row, or null when the status did not change.
     */
    setBankStatus(bankId: string, status: BankRow['status'], at: Date): Promise<BankRow | null> {
      return db.transaction(async (tx) => {
        const bank = await bankIn(tx, bankId);
        if (!bank) return null;
        if (bank.status === status) {
          if (status === 'ONLINE')
            await tx.update(lockerBanks).set({ lastSeenAt: at }).where(eq(lockerBanks.id, bankId));
          return null;
        }
        await tx.insert(lockerEvents).values({
          bankId,
          kind: status === 'ONLINE' ? 'BANK_ONLINE' : 'BANK_OFFLINE',
          occurredAt: at,
          receivedAt: at,
        });
        const rows = await tx
          .update(lockerBanks)
          .set({
            status,
            ...(status === 'ONLINE' ? { lastSeenAt: at } : {}),
            version: sql`${lockerBanks.version} + 1`,
            updatedAt: at,
          })
          .where(eq(lockerBanks.id, bankId))
          .returning();
        return rows[0] ?? null;
      });
    },

    async touchBank(bankId: string, at: Date): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.update(lockerBanks).set({ lastSeenAt: at }).where(eq(lockerBanks.id, bankId));
      });
    },

    /**
     * Stores a controller's events exactly once and applies them to the
     * compartments, in seq order, in one transaction (PROTOCOL.md 3, Rules).
     *
     * - A seq at or below the bank's lastSeq is already accounted for: the
     *   same content is a duplicate (a resend after a lost answer), other
     *   content a conflict; neither changes anything. A seq with no row there
     *   (inside a range declared lost, or before where this generation
     *   started) is a duplicate, as is one whose row is the lost range itself.
     * - The first seq past lastSeq + 1 is a gap: it and everything after it
     *   are refused, and the controller resends from lastSeq + 1.
     * - In a fresh generation (lastSeq 0, nothing stored in it) the lowest
     *   seq of the batch is where numbering starts, so a controller that
     *   keeps its numbering across a token rotation loses nothing.
     * - A rejected event is stored and consumes its seq, but changes no
     *   compartment and runs no hook.
     */
    recordControllerEvents<E extends ControllerEvent>(
      bankId: string,
      generation: number,
      events: readonly E[],
      receivedAt: Date,
      opts: {
        hooks?: readonly ControllerEventHook[];
        /** Whether a resent event is the one stored at its seq. */
        isSameEvent: (stored: LockerEventRow, sent: E) => boolean;
      },
    ): Promise<RecordEventsOutcome<E>> {
      const hooks = opts.hooks ?? [];
      // Everything the outcome holds is made inside `fn`: PostgreSQL may run it again (a retry).
      return db.transaction(async (tx) => {
        const bank = await bankIn(tx, bankId);
        if (!bank || bank.deviceGeneration !== generation) {
          throw new Error('controller generation is stale');
        }
        const byLabel = new Map(
          (await tx.select().from(compartments).where(eq(compartments.bankId, bankId))).map((c) => [c.label, c]),
        );
        const inOrder = [...events].sort((a, b) => a.seq - b.seq);
        let last = bank.lastSeq;
        const lowest = inOrder[0]?.seq;
        if (last === 0 && lowest !== undefined && !(await anyInGeneration(tx, bankId, generation))) last = lowest - 1;

        const changed = new Map<string, CompartmentRow>();
        const stored: RecordEventsOutcome<E>['stored'] = [];
        const conflicts: RecordEventsOutcome<E>['conflicts'] = [];
        const afterCommit: (() => void | Promise<void>)[] = [];
        let duplicates = 0;
        let resendFromSeq: number | null = null;

        // First which events are new (in seq order, up to a gap), then their rows in a few
        // multi-row inserts, then each in order: its compartment and the hooks.
        const fresh: E[] = [];
        const rowBySeq = new Map<number, LockerEventRow>();
        let pending: E[] = [];
        const flush = async () => {
          for (let i = 0; i < pending.length; i += INSERT_CHUNK) {
            const chunk = pending.slice(i, i + INSERT_CHUNK);
            const rows = await tx
              .insert(lockerEvents)
              .values(
                chunk.map((e) => ({
                  bankId,
                  compartmentId: (!e.bankLevel && e.label ? byLabel.get(e.label)?.id : undefined) ?? null,
                  label: e.label,
                  kind: e.kind,
                  reportedKind: e.reportedKind,
                  deviceGeneration: generation,
                  seq: e.seq,
                  occurredAt: e.occurredAt,
                  receivedAt,
                  reportedAt: e.reportedAt,
                  rejection: e.rejection,
                  flags: e.flags.map((f) => f.flag).join(','),
                  code: e.code,
                  detail: e.detail,
                })),
              )
              .returning();
            // RETURNING's order is not the VALUES' order on SQLite: matched by seq.
            for (const row of rows) if (row.seq !== null) rowBySeq.set(row.seq, row);
          }
          pending = [];
        };
        for (const e of inOrder) {
          if (e.seq <= last) {
            // The same seq twice in one batch: the first must be stored before the second is compared.
            if (pending.some((p) => p.seq === e.seq)) await flush();
            const existing = await eventAt(tx, bankId, generation, e.seq);
            if (!existing || existing.kind === 'EVENTS_LOST' || opts.isSameEvent(existing, e)) duplicates++;
            else conflicts.push({ event: e, stored: existing });
            continue;
          }
          if (e.seq !== last + 1) {
            resendFromSeq = last + 1;
            break;
          }
          fresh.push(e);
          pending.push(e);
          last = e.seq;
        }
        await flush();

        for (const e of fresh) {
          const row = rowBySeq.get(e.seq);
          if (!row) throw new Error('event insert returned nothing');
          let compartment = !e.bankLevel && e.label ? byLabel.get(e.label) : undefined;
          stored.push({ event: e, row });
          if (e.rejection) continue;
          if (compartment) {
            const patch = effectivePatch(compartment, patchForEvent(compartment, e.kind));
            if (patch) {
              // One UPDATE for this compartment, only the fields that change (portable: no
              // bulk trick); the row in hand is the one in the database, hooks hand back theirs.
              const bumped = await bumpCompartment(tx, compartment.id, patch, receivedAt);
              if (!bumped) throw new Error(`compartment ${compartment.id} vanished`);
              compartment = bumped;
              byLabel.set(compartment.label, compartment);
              changed.set(compartment.id, compartment);
            }
          }
          // In order, each awaited, in this transaction: the hooks commit or roll back with the events.
          for (const hook of hooks) {
            const result = await hook(tx, row, compartment);
            if (result?.compartment) {
              compartment = result.compartment;
              byLabel.set(compartment.label, compartment);
              changed.set(compartment.id, compartment);
            }
            if (result?.afterCommit) afterCommit.push(result.afterCommit);
          }
        }
        await tx.update(lockerBanks).set({ lastSeq: last, lastSeenAt: receivedAt }).where(eq(lockerBanks.id, bankId));
        return {
          acceptedThroughSeq: last,
          resendFromSeq,
          stored,
          duplicates,
          conflicts,
          changed: [...changed.values()],
          afterCommit,
        };
      });
    },

    /**
     * Records seqs `fromSeq`…`throughSeq` as lost (markLockerEventsLost): one
     * EVENTS_LOST row at `throughSeq`, and numbering continues after it. Only
     * when `fromSeq` is lastSeq + 1, checked in the same transaction.
     */
    recordLostRange(
      bankId: string,
      generation: number,
      range: { fromSeq: number; throughSeq: number; detail: string },
      at: Date,
    ): Promise<RecordLostRangeOutcome> {
      return db.transaction(async (tx): Promise<RecordLostRangeOutcome> => {
        const bank = await bankIn(tx, bankId);
        if (!bank || bank.deviceGeneration !== generation) {
          throw new Error('controller generation is stale');
        }
        if (range.fromSeq !== bank.lastSeq + 1 || range.throughSeq < range.fromSeq) {
          return { ok: false, acceptedThroughSeq: bank.lastSeq };
        }
        const row = (
          await tx
            .insert(lockerEvents)
            .values({
              bankId,
              kind: 'EVENTS_LOST',
              deviceGeneration: generation,
              seq: range.throughSeq,
              occurredAt: at,
              receivedAt: at,
              detail: range.detail,
            })
            .returning()
        )[0];
        if (!row) throw new Error('event insert returned nothing');
        await tx
          .update(lockerBanks)
          .set({ lastSeq: range.throughSeq, lastSeenAt: at })
          .where(eq(lockerBanks.id, bankId));
        return { ok: true, row, acceptedThroughSeq: range.throughSeq };
      });
    },

    /**
     * Changes a compartment inside a caller's transaction (`tx`), bumping its
     * version. Throws when the compartment does not exist.
     */
    async updateCompartmentIn(
      tx: Queryable,
      id: string,
      patch: Partial<CompartmentRow>,
      at: Date,
    ): Promise<CompartmentRow> {
      const row = await bumpCompartment(tx, id, patch, at);
      if (!row) throw new Error(`compartment ${id} does not exist`);
      return row;
    },

    /** Sets a compartment's business state (staff, bookings); null when already so. */
    setCompartmentState(id: string, state: CompartmentRow['state'], at: Date): Promise<CompartmentRow | null> {
      return db.transaction(async (tx) => {
        const c = (await tx.select().from(compartments).where(eq(compartments.id, id)).limit(1))[0];
        if (!c || c.state === state) return null;
        return (await bumpCompartment(tx, id, { state }, at)) ?? null;
      });
    },
  };
}
export type LockerStore = ReturnType<typeof createLockerStore>;
