import type { reportedOpenings, staffAlerts } from '../../../drizzle/schema/index.js';

export type StaffAlertRow = typeof staffAlerts.$inferSelect;
export type ReportedOpeningRow = typeof reportedOpenings.$inferSelect;
export type AlertKind = StaffAlertRow['kind'];

/** One door opening, from a command or reported by a controller. */
export interface DoorOpeningView {
  id: string;
  bankId: string;
  compartmentLabel: string;
  via: string;
  personId: string | null;
  parcelId: string | null;
  reason: string | null;
  at: Date;
  status: string | null;
}

export const alertTopic = 'alerts:*';
