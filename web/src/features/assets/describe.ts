import type { AssetStatus } from '@/gql/graphql';

/** How each status reads in IT's register. */
export const ASSET_STATUS_LABEL: Record<AssetStatus, string> = {
  IN_STOCK: 'In stock',
  LOADED: 'In a locker',
  WITH_PERSON: 'With the person',
  RETURN_PENDING: 'Returned, to inspect',
  RETURNED: 'Returned',
  IN_REPAIR: 'In repair',
  RETIRED: 'Retired',
  LOST: 'Lost',
};

/** A file name for an export: baylight-assets-2026-12-03.csv. */
export const exportFileName = (now: Date) => `baylight-assets-${now.toISOString().slice(0, 10)}.csv`;
