import type { compartments, lockerBanks, lockerEvents, sites } from '../../../drizzle/schema/index.js';

export type SiteRow = typeof sites.$inferSelect;
export type BankRow = typeof lockerBanks.$inferSelect;
export type CompartmentRow = typeof compartments.$inferSelect;
export type LockerEventRow = typeof lockerEvents.$inferSelect;

export type CompartmentSize = CompartmentRow['size'];
export type CompartmentState = CompartmentRow['state'];
export type LockerEventKind = LockerEventRow['kind'];

/** Bus topics: payloads are full rows with their version (see DESIGN-NOTES: resync, not replay). */
export const topics = {
  compartment: (bankId: string) => `compartment:${bankId}`,
  compartmentAll: 'compartment:*',
  bankAll: 'bank:*',
} as const;

/** ONLINE (connected, or away for less than the grace period): a command sent now reaches it if it comes back. */
export const isBankOnline = (bank: Pick<BankRow, 'status'>): boolean => bank.status === 'ONLINE';
