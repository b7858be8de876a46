/** The only place with queries over controller commands. */
import { and, eq, gt, inArray, isNull, lt } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import type { CommandRow } from './types.js';

const OPEN_STATUSES = ['PENDING', 'DELIVERED'] as const;
/** A command may be answered until it has an answer, also after it expired (a late answer). */
const ANSWERABLE_STATUSES = [...OPEN_STATUSES, 'EXPIRED'] as const;

/** Every method is asynchronous; writes run in their own transaction (or join the caller's). */
export function createCommandStore(db: Db) {
  const { lockerCommands } = db.tables;
  return {
    insert: (row: typeof lockerCommands.$inferInsert): Promise<CommandRow> =>
      db.transaction(async (tx) => {
        const inserted = (await tx.insert(lockerCommands).values(row).returning())[0];
        if (!inserted) throw new Error('command insert returned nothing');
        return inserted;
      }),
    get: async (id: string): Promise<CommandRow | undefined> =>
      (await db.read.select().from(lockerCommands).where(eq(lockerCommands.id, id)).limit(1))[0],
    /** Commands not yet carried out, oldest first; the caller drops expired ones. */
    openForBank: async (bankId: string): Promise<CommandRow[]> =>
      db.read
        .select()
        .from(lockerCommands)
        .where(and(eq(lockerCommands.bankId, bankId), inArray(lockerCommands.status, [...OPEN_STATUSES])))
        .orderBy(lockerCommands.issuedAt),
    markDelivered(id: string, at: Date): Promise<CommandRow | undefined> {
      return db.transaction(async (tx) => {
        const rows = await tx
          .update(lockerCommands)
          .set({ status: 'DELIVERED', deliveredAt: at })
          .where(and(eq(lockerCommands.id, id), inArray(lockerCommands.status, [...OPEN_STATUSES])))
          .returning();
        return rows[0];
      });
    },
    /**
     * Records the controller's first answer, also one that comes after the
     * command expired; later answers for the same command change nothing
     * (undefined).
     */
    acknowledge(
      id: string,
      patch: Pick<CommandRow, 'status' | 'outcome' | 'outcomeDetail' | 'acknowledgedAt'>,
    ): Promise<CommandRow | undefined> {
      return db.transaction(async (tx) => {
        const rows = await tx
          .update(lockerCommands)
          .set(patch)
          .where(
            and(
              eq(lockerCommands.id, id),
              isNull(lockerCommands.outcome),
              inArray(lockerCommands.status, [...ANSWERABLE_STATUSES]),
            ),
          )
          .returning();
        return rows[0];
      });
    },
    /**
     * The bank went OFFLINE: none of its commands may still be carried out.
     * Each expires now (its expiry is brought forward, so an answer that comes
     * later still counts as late).
     */
    expireOpenForBank(bankId: string, now: Date): Promise<CommandRow[]> {
      return db.transaction(async (tx) => {
        const open = and(eq(lockerCommands.bankId, bankId), inArray(lockerCommands.status, [...OPEN_STATUSES]));
        const cut = await tx
          .update(lockerCommands)
          .set({ status: 'EXPIRED', expiresAt: now })
          .where(and(open, gt(lockerCommands.expiresAt, now)))
          .returning();
        const overdue = await tx.update(lockerCommands).set({ status: 'EXPIRED' }).where(open).returning();
        return [...cut, ...overdue];
      });
    },
    expireOverdue(now: Date): Promise<CommandRow[]> {
      return db.transaction(async (tx) =>
        tx
          .update(lockerCommands)
          .set({ status: 'EXPIRED' })
          .where(and(inArray(lockerCommands.status, [...OPEN_STATUSES]), lt(lockerCommands.expiresAt, now)))
          .returning(),
      );
    },
  };
}
export type CommandStore = ReturnType<typeof createCommandStore>;
