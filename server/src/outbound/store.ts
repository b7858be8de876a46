/**
 * Calls to outside systems (Snipe-IT, an MDM's lost-mode hook) as an outbox:
 * `enqueue` writes the call in the caller's transaction, beside the change it
 * reports, so a call is made if and only if the change committed. A worker
 * (outbound/worker.ts) sends them with back-off; a call that keeps failing
 * stays FAILED with its error, visible to staff, never dropped.
 */
import { eq } from 'drizzle-orm';
import type { Db, Queryable } from '../db/index.js';
import { newId } from '../shared/ids.js';
import type { OUTBOUND_TARGETS } from '../../../drizzle/schema/handouts.js';

export type OutboundTarget = (typeof OUTBOUND_TARGETS)[number];

export interface OutboundCall {
  target: OutboundTarget;
  /** E.g. CHECKOUT, CHECKIN, LOST_MODE. */
  action: string;
  /** What it is about, for people reading the list (an asset tag). */
  subject: string;
  payload: Record<string, unknown>;
  /** Writing the same call twice is a no-op (e.g. `snipeit:checkout:<handoutId>`). */
  dedupeKey: string;
}

export function createOutboundStore(db: Db) {
  const { outboundCalls } = db.tables;
  return {
    /** Records a call in `tx`; nothing if one with the same dedupeKey exists. */
    async enqueue(tx: Queryable, call: OutboundCall, at: Date): Promise<void> {
      await tx
        .insert(outboundCalls)
        .values({
          id: newId('out'),
          target: call.target,
          action: call.action,
          subject: call.subject.slice(0, 200),
          payload: JSON.stringify(call.payload),
          dedupeKey: call.dedupeKey,
          status: 'PENDING',
          attempts: 0,
          notBefore: at,
          createdAt: at,
        })
        .onConflictDoNothing();
    },

    async byDedupeKey(key: string) {
      return (await db.read.select().from(outboundCalls).where(eq(outboundCalls.dedupeKey, key)).limit(1))[0];
    },
  };
}

export type OutboundStore = ReturnType<typeof createOutboundStore>;
