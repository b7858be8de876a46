/** The attempt counters and the attempt log: the only queries of the attempt mechanism. */
import { and, desc, eq, inArray, like, lt, sql } from 'drizzle-orm';
import type { Db, Queryable } from '../db/index.js';
import { emptyBucket, type BucketState } from './bucket.js';
import type { credentialAttempts } from '../../../drizzle/schema/index.js';

export type AttemptLogRow = typeof credentialAttempts.$inferSelect;

/** Counters are read and written in the caller's transaction (`tx`): a check and its charge are one step. */
export function createAttemptStore(db: Db) {
  const { attemptCounters, credentialAttempts } = db.tables;
  /** Several counters in one query (an attempt charges every scope it has). */
  async function counters(tx: Queryable, keys: readonly string[], now: Date): Promise<BucketState[]> {
    const rows = keys.length
      ? await tx
          .select()
          .from(attemptCounters)
          .where(inArray(attemptCounters.key, [...keys]))
      : [];
    const byKey = new Map(rows.map((r) => [r.key, r]));
    return keys.map((key) => {
      const row = byKey.get(key);
      return row
        ? {
            level: row.level,
            lockouts: row.lockouts,
            lockedUntil: row.lockedUntil,
            total: row.total,
            updatedAt: row.updatedAt,
          }
        : emptyBucket(now);
    });
  }

  return {
    async counter(tx: Queryable, key: string, now: Date): Promise<BucketState> {
      return (await counters(tx, [key], now))[0]!;
    },
    counters,
    /** Several counters written in one statement (an upsert of every row). */
    async saveAll(tx: Queryable, entries: readonly { key: string; state: BucketState }[]): Promise<void> {
      if (!entries.length) return;
      const excluded = (column: string) => sql.raw(`excluded.${column}`);
      await tx
        .insert(attemptCounters)
        .values(
          entries.map(({ key, state: s }) => ({
            key,
            level: s.level,
            lockouts: s.lockouts,
            lockedUntil: s.lockedUntil,
            total: s.total,
            updatedAt: s.updatedAt,
          })),
        )
        .onConflictDoUpdate({
          target: attemptCounters.key,
          set: {
            level: excluded('level'),
            lockouts: excluded('lockouts'),
            lockedUntil: excluded('locked_until'),
            total: excluded('total'),
            updatedAt: excluded('updated_at'),
          },
        });
    },
    async save(tx: Queryable, key: string, s: BucketState): Promise<void> {
      const values = {
        level: s.level,
        lockouts: s.lockouts,
        lockedUntil: s.lockedUntil,
        total: s.total,
        updatedAt: s.updatedAt,
      };
      await tx
        .insert(attemptCounters)
        .values({ key, ...values })
        .onConflictDoUpdate({ target: attemptCounters.key, set: values });
    },
    async log(tx: Queryable, row: AttemptLogRow): Promise<void> {
      await tx.insert(credentialAttempts).values(row);
    },
    async recent(filter: { bankId?: string | null }, limit: number): Promise<AttemptLogRow[]> {
      const base = db.read.select().from(credentialAttempts);
      return await (filter.bankId ? base.where(eq(credentialAttempts.bankId, filter.bankId)) : base)
        .orderBy(desc(credentialAttempts.at), desc(credentialAttempts.id))
        .limit(limit);
    },
    async pruneLog(before: Date): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.delete(credentialAttempts).where(lt(credentialAttempts.at, before));
      });
    },
    /**
     * Client counters untouched for long have drained to nothing: drop them
     * (one row per network address otherwise grows without bound). Bank and
     * credential counters stay: their `total` measures codes' exposure.
     */
    async pruneClientCounters(before: Date): Promise<void> {
      await db.transaction(async (tx) => {
        await tx
          .delete(attemptCounters)
          .where(and(lt(attemptCounters.updatedAt, before), like(attemptCounters.key, '%:client:%')));
      });
    },
  };
}
export type AttemptStore = ReturnType<typeof createAttemptStore>;
