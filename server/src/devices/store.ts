/** The only place with queries over controller commands. */
import { and, eq, gt, inArray, isNull, lt } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { tables } from '../db/index.js';
import type { CommandRow } from './types.js';

const { lockerCommands } = tables;
const OPEN_STATUSES = ['PENDING', 'DELIVERED'] as const;
/** A command may be answered until it has an answer, also after it expired (a late answer). */
const ANSWERABLE_STATUSES = [...OPEN_STATUSES, 'EXPIRED'] as const;

export function createCommandStore(db: Db) {
  const q = db.orm;
  return {
    insert: (row: typeof lockerCommands.$inferInsert): CommandRow =>
      q.insert(lockerCommands).values(row).returning().get(),
    get: (id: string) => q.select().from(lockerCommands).where(eq(lockerCommands.id, id)).get(),
    /** Commands not yet carried out, oldest first; the caller drops expired ones. */
    openForBank: (bankId: string): CommandRow[] =>
      q
        .select()
        .from(lockerCommands)
        .where(and(eq(lockerCommands.bankId, bankId), inArray(lockerCommands.status, [...OPEN_STATUSES])))
        .orderBy(lockerCommands.issuedAt)
        .all(),
    markDelivered(id: string, at: Date): CommandRow | undefined {
      return q
        .update(lockerCommands)
        .set({ status: 'DELIVERED', deliveredAt: at })
        .where(and(eq(lockerCommands.id, id), inArray(lockerCommands.status, [...OPEN_STATUSES])))
        .returning()
        .get();
    },
    /**
     * Records the controller's first answer, also one that comes after the
     * command expired; later answers for the same command change nothing
     * (undefined).
     */
    acknowledge(id: string, patch: Pick<CommandRow, 'status' | 'outcome' | 'outcomeDetail' | 'acknowledgedAt'>) {
      return q
        .update(lockerCommands)
        .set(patch)
        .where(
          and(
            eq(lockerCommands.id, id),
            isNull(lockerCommands.outcome),
            inArray(lockerCommands.status, [...ANSWERABLE_STATUSES]),
          ),
        )
        .returning()
        .get();
    },
    /**
     * The bank went OFFLINE: none of its commands may still be carried out.
     * Each expires now (its expiry is brought forward, so an answer that comes
     * later still counts as late).
     */
    expireOpenForBank(bankId: string, now: Date): CommandRow[] {
      return db.withTx((tx) => {
        const open = and(eq(lockerCommands.bankId, bankId), inArray(lockerCommands.status, [...OPEN_STATUSES]));
        const cut = tx
          .update(lockerCommands)
          .set({ status: 'EXPIRED', expiresAt: now })
          .where(and(open, gt(lockerCommands.expiresAt, now)))
          .returning()
          .all();
        const overdue = tx.update(lockerCommands).set({ status: 'EXPIRED' }).where(open).returning().all();
        return [...cut, ...overdue];
      });
    },
    expireOverdue(now: Date): CommandRow[] {
      return q
        .update(lockerCommands)
        .set({ status: 'EXPIRED' })
        .where(and(inArray(lockerCommands.status, [...OPEN_STATUSES]), lt(lockerCommands.expiresAt, now)))
        .returning()
        .all();
    },
  };
}
export type CommandStore = ReturnType<typeof createCommandStore>;
