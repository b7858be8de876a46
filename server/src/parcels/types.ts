import type { parcels } from '../../../drizzle/schema/index.js';

export type ParcelRow = typeof parcels.$inferSelect;
export type ParcelStatus = ParcelRow['status'];

export const SIZE_ORDER = ['S', 'M', 'L', 'XL'] as const;
export type Size = (typeof SIZE_ORDER)[number];

/** Sizes a parcel of `size` fits in, smallest first. */
export const fittingSizes = (size: Size): Size[] => SIZE_ORDER.slice(SIZE_ORDER.indexOf(size));

export const parcelTopics = {
  all: 'parcel:*',
  person: (personId: string) => `parcel:person:${personId}`,
} as const;
