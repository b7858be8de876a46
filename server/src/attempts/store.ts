/** The attempt counters and the attempt log: the only queries of the attempt mechanism. */
import { and, desc, eq, like, lt } from 'drizzle-orm';
import type { Queryable } from '../db/index.js';
import { tables } from '../db/index.js';
import { emptyBucket, type BucketState } from './bucket.js';

const { attemptCounters, credentialAttempts } = tables;

export type AttemptLogRow = typeof credentialAttempts.$inferSelect;

export function createAttemptStore(q: Queryable) {
  return {
    counter(tx: Queryable, key: string, now: Date): BucketState {
      const row = tx.select().from(attemptCounters).where(eq(attemptCounters.key, key)).get();
      return row
        ? {
            level: row.level,
            lockouts: row.lockouts,
            lockedUntil: row.lockedUntil,
            total: row.total,
            updatedAt: row.updatedAt,
          }
        : emptyBucket(now);
    },
    save(tx: Queryable, key: string, s: BucketState) {
      const values = {
        level: s.level,
        lockouts: s.lockouts,
        lockedUntil: s.lockedUntil,
        total: s.total,
        updatedAt: s.updatedAt,
      };
      tx.insert(attemptCounters)
        .values({ key, ...values })
        .onConflictDoUpdate({ target: attemptCounters.key, set: values })
        .run();
    },
    log(tx: Queryable, row: AttemptLogRow) {
      tx.insert(credentialAttempts).values(row).run();
    },
    recent(filter: { bankId?: string | null }, limit: number): AttemptLogRow[] {
      const base = q.select().from(credentialAttempts);
      return (filter.bankId ? base.where(eq(credentialAttempts.bankId, filter.bankId)) : base)
        .orderBy(desc(credentialAttempts.at), desc(credentialAttempts.id))
        .limit(limit)
        .all();
    },
    pruneLog(before: Date) {
      q.delete(credentialAttempts).where(lt(credentialAttempts.at, before)).run();
    },
    /**
     * Client counters untouched for long have drained to nothing: drop them
     * (one row per network address otherwise grows without bound). Bank and
     * credential counters stay: their `total` measures codes' exposure.
     */
    pruneClientCounters(before: Date) {
      q.delete(attemptCounters)
        .where(and(lt(attemptCounters.updatedAt, before), like(attemptCounters.key, '%:client:%')))
        .run();
    },
  };
}
export type AttemptStore = ReturnType<typeof createAttemptStore>;
