/** The only place with queries over controller commands. */
import { and, eq, inArray, lt } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { tables } from '../db/index.js';
import type { CommandRow } from './types.js';

const { lockerCommands } = tables;
const OPEN_STATUSES = ['PENDING', 'DELIVERED'] as const;

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
    /** Records the controller's answer once; later answers for the same command change nothing. */
    acknowledge(id: string, patch: Pick<CommandRow, 'status' | 'outcome' | 'outcomeDetail' | 'acknowledgedAt'>) {
      return q
        .update(lockerCommands)
        .set(patch)
        .where(and(eq(lockerCommands.id, id), inArray(lockerCommands.status, [...OPEN_STATUSES])))
        .returning()
        .get();
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
