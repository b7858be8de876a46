import type { assetHistory, assets } from '../../../drizzle/schema/index.js';

export type AssetRow = typeof assets.$inferSelect;
export type AssetHistoryRow = typeof assetHistory.$inferSelect;
export type AssetStatus = AssetRow['status'];
export type AssetCondition = AssetRow['condition'];

/** What a scan is matched on: upper-cased, without spaces. */
export const normaliseTag = (tag: string): string => tag.replace(/\s+/g, '').toUpperCase();

/** The statuses staff set by hand; the others come from the handover flows. */
export const STAFF_STATUSES: readonly AssetStatus[] = ['IN_STOCK', 'IN_REPAIR', 'RETIRED', 'LOST'];
