/** The only place with queries over the notification outbox, push devices and settings. */
import { and, eq, inArray, lt, lte, or } from 'drizzle-orm';
import type { Db, Queryable } from '../db/index.js';
import { tables } from '../db/index.js';
import type { NotificationSettingsRow, OutboxRow, PushDeviceRow } from './types.js';

const { notificationOutbox, pushDevices, notificationSettings } = tables;

export function createNotifyStore(db: Db) {
  const q = db.orm;
  return {
    /** Inserts notices; a dedupe key seen before is ignored, so enqueueing twice sends once. */
    enqueue(tx: Queryable, rows: (typeof notificationOutbox.$inferInsert)[]) {
      if (rows.length) tx.insert(notificationOutbox).values(rows).onConflictDoNothing().run();
    },

    /**
     * Claims due notices for delivery: PENDING ones whose time has come, and
     * SENDING ones whose claim lapsed (the process died while sending).
     */
    claimDue(now: Date, leaseMs: number, limit: number): OutboxRow[] {
      return db.withTx((tx) => {
        const due = tx
          .select()
          .from(notificationOutbox)
          .where(
            or(
              and(eq(notificationOutbox.status, 'PENDING'), lte(notificationOutbox.notBefore, now)),
              and(eq(notificationOutbox.status, 'SENDING'), lt(notificationOutbox.claimedUntil, now)),
            ),
          )
          .orderBy(notificationOutbox.notBefore)
          .limit(limit)
          .all();
        if (!due.length) return [];
        const claimedUntil = new Date(now.getTime() + leaseMs);
        tx.update(notificationOutbox)
          .set({ status: 'SENDING', claimedUntil })
          .where(
            inArray(
              notificationOutbox.id,
              due.map((d) => d.id),
            ),
          )
          .run();
        return due.map((d) => ({ ...d, status: 'SENDING' as const, claimedUntil }));
      });
    },

    // A notice that is sent or given up no longer needs its secret: none stays at rest.
    markSent: (id: string, at: Date) =>
      q
        .update(notificationOutbox)
        .set({ status: 'SENT', sentAt: at, claimedUntil: null, secret: null })
        .where(eq(notificationOutbox.id, id))
        .run(),
    markRetry: (id: string, attempts: number, notBefore: Date, error: string) =>
      q
        .update(notificationOutbox)
        .set({ status: 'PENDING', attempts, notBefore, lastError: error.slice(0, 500), claimedUntil: null })
        .where(eq(notificationOutbox.id, id))
        .run(),
    markFinal: (id: string, status: 'FAILED' | 'DROPPED', error: string) =>
      q
        .update(notificationOutbox)
        .set({ status, lastError: error.slice(0, 500), claimedUntil: null, secret: null })
        .where(eq(notificationOutbox.id, id))
        .run(),
    countByStatus: (status: OutboxRow['status']) =>
      q.select().from(notificationOutbox).where(eq(notificationOutbox.status, status)).all().length,

    settings: (tx: Queryable, personId: string): NotificationSettingsRow =>
      tx.select().from(notificationSettings).where(eq(notificationSettings.personId, personId)).get() ?? {
        personId,
        emailEnabled: true,
        pushEnabled: true,
        quietHoursStart: null,
        quietHoursEnd: null,
      },
    saveSettings: (row: NotificationSettingsRow) =>
      q
        .insert(notificationSettings)
        .values(row)
        .onConflictDoUpdate({ target: notificationSettings.personId, set: row })
        .run(),

    pushDevices: (tx: Queryable, personId: string): PushDeviceRow[] =>
      tx.select().from(pushDevices).where(eq(pushDevices.personId, personId)).all(),
    getPushDevice: (id: string) => q.select().from(pushDevices).where(eq(pushDevices.id, id)).get(),
    /** A browser re-subscribing with the same endpoint replaces its keys (and owner). */
    upsertPushDevice: (row: PushDeviceRow): PushDeviceRow =>
      q
        .insert(pushDevices)
        .values(row)
        .onConflictDoUpdate({
          target: pushDevices.endpoint,
          set: { personId: row.personId, p256dh: row.p256dh, auth: row.auth, label: row.label },
        })
        .returning()
        .get(),
    deletePushDevice: (id: string) => q.delete(pushDevices).where(eq(pushDevices.id, id)).run(),
  };
}
export type NotifyStore = ReturnType<typeof createNotifyStore>;
