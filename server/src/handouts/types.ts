import type { assetHandouts, loans } from '../../../drizzle/schema/index.js';

export type LoanRow = typeof loans.$inferSelect;
export type HandoutRow = typeof assetHandouts.$inferSelect;
export type LoanStatus = LoanRow['status'];
export type HandoutStatus = HandoutRow['status'];

/** Loans that hold an asset: not yet ended. */
export const OPEN_LOAN_STATUSES: readonly LoanStatus[] = ['PENDING', 'ACTIVE', 'RETURNING'];
/** Handouts that hold a compartment. */
export const LIVE_HANDOUT_STATUSES: readonly HandoutStatus[] = [
  'AWAITING_LOAD',
  'READY',
  'AWAITING_DROPOFF',
  'DROPPED',
];

/**
 * The size of compartment an asset needs. Assets carry no size: laptops,
 * tablets and chargers all fit a medium compartment, the size most banks
 * have most of.
 */
export const ASSET_SIZE = 'M' as const;

export const handoutTopics = {
  all: 'handouts',
  loansOf: (personId: string) => `loans:${personId}`,
} as const;

export const isOverdue = (loan: Pick<LoanRow, 'status' | 'dueAt'>, now: Date): boolean =>
  loan.status === 'ACTIVE' && !!loan.dueAt && loan.dueAt < now;
