/** The only place with queries over the asset register and its history. */
import { and, asc, desc, eq, inArray, like, or, sql, type SQL } from 'drizzle-orm';
import type { Db, Queryable } from '../db/index.js';
import type { LoanPolicyRow } from './policy.js';
import type { AssetHistoryRow, AssetRow, AssetStatus } from './types.js';

export interface AssetFilter {
  search?: string | null;
  status?: AssetStatus | null;
  category?: string | null;
  /** Only the assets this department owns. */
  department?: string | null;
}

export function createAssetStore(db: Db) {
  const { assets, assetHistory, people, loanPolicies } = db.tables;

  const where = (f: AssetFilter): SQL | undefined => {
    const parts: SQL[] = [];
    if (f.status) parts.push(eq(assets.status, f.status));
    if (f.category) parts.push(eq(assets.category, f.category));
    if (f.department) parts.push(eq(assets.department, f.department));
    if (f.search) {
      const term = `%${f.search.trim().toLowerCase()}%`;
      parts.push(
        or(
          like(sql`lower(${assets.tag})`, term),
          like(sql`lower(coalesce(${assets.serial}, ''))`, term),
          like(sql`lower(${assets.model})`, term),
          like(sql`lower(${assets.notes})`, term),
        )!,
      );
    }
    return parts.length ? and(...parts) : undefined;
  };

  return {
    get: async (id: string, q: Queryable = db.read): Promise<AssetRow | undefined> =>
      (await q.select().from(assets).where(eq(assets.id, id)).limit(1))[0],
    byTagKey: async (tagKey: string, q: Queryable = db.read): Promise<AssetRow | undefined> =>
      (await q.select().from(assets).where(eq(assets.tagKey, tagKey)).limit(1))[0],
    /** Every asset whose tag key is one of these (an import's lines), in one read. */
    byTagKeys: async (tagKeys: readonly string[], q: Queryable): Promise<AssetRow[]> => {
      const found: AssetRow[] = [];
      // Bound parameters stay well under both engines' limits.
      for (let i = 0; i < tagKeys.length; i += 500) {
        const slice = tagKeys.slice(i, i + 500);
        found.push(...(await q.select().from(assets).where(inArray(assets.tagKey, slice))));
      }
      return found;
    },
    search: async (filter: AssetFilter, limit: number): Promise<AssetRow[]> =>
      db.read.select().from(assets).where(where(filter)).orderBy(asc(assets.tagKey)).limit(limit),

    insert: async (tx: Queryable, row: Omit<AssetRow, 'version'>): Promise<AssetRow> =>
      (await tx.insert(assets).values(row).returning())[0]!,
    /** Changes an asset if it is still at `version`; undefined if it moved on meanwhile. */
    updateAt: async (
      tx: Queryable,
      id: string,
      version: number,
      patch: Partial<Omit<AssetRow, 'id' | 'version'>>,
      at: Date,
    ): Promise<AssetRow | undefined> =>
      (
        await tx
          .update(assets)
          .set({ ...patch, version: sql`${assets.version} + 1`, updatedAt: at })
          .where(and(eq(assets.id, id), eq(assets.version, version)))
          .returning()
      )[0],

    addHistory: async (tx: Queryable, row: AssetHistoryRow): Promise<void> => {
      await tx.insert(assetHistory).values(row);
    },
    history: async (assetId: string, limit: number): Promise<(AssetHistoryRow & { byName: string | null })[]> => {
      const rows = await db.read
        .select({ entry: assetHistory, byName: people.name })
        .from(assetHistory)
        .leftJoin(people, eq(people.id, assetHistory.by))
        .where(eq(assetHistory.assetId, assetId))
        .orderBy(desc(assetHistory.at), desc(assetHistory.id))
        .limit(limit);
      return rows.map((r) => ({ ...r.entry, byName: r.byName }));
    },

    // --- loan rules ---------------------------------------------------------------
    policies: async (q: Queryable = db.read): Promise<LoanPolicyRow[]> =>
      q
        .select()
        .from(loanPolicies)
        .orderBy(asc(loanPolicies.category), asc(loanPolicies.role), asc(loanPolicies.siteId)),
    policy: async (id: string, q: Queryable = db.read): Promise<LoanPolicyRow | undefined> =>
      (await q.select().from(loanPolicies).where(eq(loanPolicies.id, id)).limit(1))[0],
    policyByScope: async (
      q: Queryable,
      scope: Pick<LoanPolicyRow, 'category' | 'role' | 'siteId'>,
    ): Promise<LoanPolicyRow | undefined> =>
      (
        await q
          .select()
          .from(loanPolicies)
          .where(
            and(
              eq(loanPolicies.category, scope.category),
              eq(loanPolicies.role, scope.role),
              eq(loanPolicies.siteId, scope.siteId),
            ),
          )
          .limit(1)
      )[0],
    insertPolicy: async (q: Queryable, row: Omit<LoanPolicyRow, 'version'>): Promise<LoanPolicyRow> =>
      (await q.insert(loanPolicies).values(row).returning())[0]!,
    updatePolicyAt: async (
      q: Queryable,
      id: string,
      version: number,
      patch: Omit<LoanPolicyRow, 'id' | 'version' | 'updatedAt'>,
      at: Date,
    ): Promise<LoanPolicyRow | undefined> =>
      (
        await q
          .update(loanPolicies)
          .set({ ...patch, version: sql`${loanPolicies.version} + 1`, updatedAt: at })
          .where(and(eq(loanPolicies.id, id), eq(loanPolicies.version, version)))
          .returning()
      )[0],
    deletePolicy: async (q: Queryable, id: string): Promise<boolean> =>
      (await q.delete(loanPolicies).where(eq(loanPolicies.id, id)).returning({ id: loanPolicies.id })).length > 0,
  };
}

export type AssetStore = ReturnType<typeof createAssetStore>;
