/**
 * Alerts for staff and the attribution of door openings that did not go
 * through a command (offline QR pickups reported by a controller).
 */
import { index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { TIMESTAMP } from './columns.js';
import { ALERT_KINDS } from '../schema/audit.js';
import { lockerBanks } from './lockers.js';
import { people } from './people.js';

export const staffAlerts = pgTable(
  'staff_alerts',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ALERT_KINDS }).notNull(),
    bankId: text('bank_id').references(() => lockerBanks.id, { onDelete: 'cascade' }),
    compartmentLabel: text('compartment_label'),
    parcelId: text('parcel_id'),
    message: text('message').notNull(),
    createdAt: timestamp('created_at', TIMESTAMP).notNull(),
    resolvedAt: timestamp('resolved_at', TIMESTAMP),
    resolvedBy: text('resolved_by').references(() => people.id),
  },
  (t) => [index('staff_alerts_open_idx').on(t.resolvedAt, t.createdAt)],
);

/** Openings a controller did by itself (offline QR) and reported later. */
export const reportedOpenings = pgTable('reported_openings', {
  id: text('id').primaryKey(),
  bankId: text('bank_id')
    .notNull()
    .references(() => lockerBanks.id, { onDelete: 'cascade' }),
  label: text('label').notNull(),
  via: text('via').notNull(),
  parcelId: text('parcel_id'),
  at: timestamp('at', TIMESTAMP).notNull(),
  detail: text('detail'),
});
