import type { parcels } from '../../../drizzle/schema/index.js';

export type ParcelRow = typeof parcels.$inferSelect;
export type ParcelStatus = ParcelRow['status'];

/** Sizes and fitting are the handover core's (parcels are one kind of handover). */
export { SIZE_ORDER, fittingSizes, type Size } from '../handover/types.js';

export const parcelTopics = {
  all: 'parcel:*',
  person: (personId: string) => `parcel:person:${personId}`,
} as const;
