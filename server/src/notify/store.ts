/** The only place with queries over the notification outbox, push devices and settings. */
import { and, asc, count, eq, inArray, lt, lte, or } from 'drizzle-orm';
import type { Db, Queryable } from '../db/index.js';
import type { NotificationSettingsRow, OutboxRow, PushDeviceRow } from './types.js';
import type { notificationOutbox as outboxTable } from '../../../drizzle/schema/index.js';

/**
 * Methods taking `tx` run in the caller's transaction; the others read
 * through `db.read` or write in a transaction of their own (joining the
 * caller's when there is one).
 */
export function createNotifyStore(db: Db) {
  const { notificationOutbox, pushDevices, notificationSettings } = db.tables;
  /** Notices that may be claimed now: PENDING ones whose time has come, SENDING ones whose claim lapsed. */
  const due = (now: Date) =>
    or(
      and(eq(notificationOutbox.status, 'PENDING'), lte(notificationOutbox.notBefore, now)),
      and(eq(notificationOutbox.status, 'SENDING'), lt(notificationOutbox.claimedUntil, now)),
    );
  const write = (fn: (tx: Queryable) => Promise<unknown>) =>
    db.transaction(async (tx) => {
      await fn(tx);
    });

  return {
    /** Inserts notices; a dedupe key seen before is ignored, so enqueueing twice sends once. */
    async enqueue(tx: Queryable, rows: (typeof outboxTable.$inferInsert)[]): Promise<void> {
      if (rows.length) await tx.insert(notificationOutbox).values(rows).onConflictDoNothing();
    },

    /** The earliest `createdAt` of the notices with these dedupe keys; null when there is none. */
    async firstCreatedAt(q: Queryable, dedupeKeys: readonly string[]): Promise<Date | null> {
      if (!dedupeKeys.length) return null;
      const [row] = await q
        .select({ createdAt: notificationOutbox.createdAt })
        .from(notificationOutbox)
        .where(inArray(notificationOutbox.dedupeKey, [...dedupeKeys]))
        .orderBy(asc(notificationOutbox.createdAt))
        .limit(1);
      return row?.createdAt ?? null;
    },

    /**
     * Claims due notices for delivery, in one transaction of its own: PENDING
     * ones whose time has come, and SENDING ones whose claim lapsed (the
     * process died while sending). The update claims only rows still due, so
     * two senders never both claim one (on PostgreSQL the loser of a conflict
     * runs again and finds it claimed). Send after it returned, outside it.
     */
    async claimDue(now: Date, leaseMs: number, limit: number): Promise<OutboxRow[]> {
      return db.transaction(async (tx) => {
        const candidates = await tx
          .select({ id: notificationOutbox.id })
          .from(notificationOutbox)
          .where(due(now))
          .orderBy(notificationOutbox.notBefore)
          .limit(limit);
        if (!candidates.length) return [];
        const order = candidates.map((d) => d.id);
        const claimedUntil = new Date(now.getTime() + leaseMs);
        const claimed = await tx
          .update(notificationOutbox)
          .set({ status: 'SENDING', claimedUntil })
          .where(and(inArray(notificationOutbox.id, order), due(now)))
          .returning();
        return claimed.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
      });
    },

    // A notice that is sent or given up no longer needs its secret: none stays at rest.
    markSent: (id: string, at: Date) =>
      write((tx) =>
        tx
          .update(notificationOutbox)
          .set({ status: 'SENT', sentAt: at, claimedUntil: null, secret: null })
          .where(eq(notificationOutbox.id, id)),
      ),
    markRetry: (id: string, attempts: number, notBefore: Date, error: string) =>
      write((tx) =>
        tx
          .update(notificationOutbox)
          .set({ status: 'PENDING', attempts, notBefore, lastError: error.slice(0, 500), claimedUntil: null })
          .where(eq(notificationOutbox.id, id)),
      ),
    markFinal: (id: string, status: 'FAILED' | 'DROPPED', error: string) =>
      write((tx) =>
        tx
          .update(notificationOutbox)
          .set({ status, lastError: error.slice(0, 500), claimedUntil: null, secret: null })
          .where(eq(notificationOutbox.id, id)),
      ),
    countByStatus: async (status: OutboxRow['status']): Promise<number> => {
      const [row] = await db.read
        .select({ n: count() })
        .from(notificationOutbox)
        .where(eq(notificationOutbox.status, status));
      return Number(row?.n ?? 0);
    },

    settings: async (tx: Queryable, personId: string): Promise<NotificationSettingsRow> =>
      (await tx.select().from(notificationSettings).where(eq(notificationSettings.personId, personId)).limit(1))[0] ?? {
        personId,
        emailEnabled: true,
        pushEnabled: true,
        quietHoursStart: null,
        quietHoursEnd: null,
      },
    saveSettings: async (row: NotificationSettingsRow, tx?: Queryable): Promise<void> => {
      const save = (q: Queryable) =>
        q
          .insert(notificationSettings)
          .values(row)
          .onConflictDoUpdate({ target: notificationSettings.personId, set: row });
      if (tx) await save(tx);
      else await write(save);
    },

    pushDevices: async (tx: Queryable, personId: string): Promise<PushDeviceRow[]> =>
      await tx.select().from(pushDevices).where(eq(pushDevices.personId, personId)),
    getPushDevice: async (id: string): Promise<PushDeviceRow | undefined> =>
      (await db.read.select().from(pushDevices).where(eq(pushDevices.id, id)).limit(1))[0],
    /** A browser re-subscribing with the same endpoint replaces its keys (and owner). */
    upsertPushDevice: (row: PushDeviceRow): Promise<PushDeviceRow> =>
      db.transaction(
        async (tx) =>
          (
            await tx
              .insert(pushDevices)
              .values(row)
              .onConflictDoUpdate({
                target: pushDevices.endpoint,
                set: { personId: row.personId, p256dh: row.p256dh, auth: row.auth, label: row.label },
              })
              .returning()
          )[0]!,
      ),
    deletePushDevice: (id: string) => write((tx) => tx.delete(pushDevices).where(eq(pushDevices.id, id))),
  };
}
export type NotifyStore = ReturnType<typeof createNotifyStore>;
