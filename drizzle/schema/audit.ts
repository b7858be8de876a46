/**
 * Alerts for staff and the attribution of door openings that did not go
 * through a command (offline QR pickups reported by a controller).
 */
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { lockerBanks } from './lockers.js';
import { people } from './people.js';

export const ALERT_KINDS = [
  'DOOR_LEFT_OPEN',
  'LOCKOUT',
  'TAMPER',
  'DOOR_DID_NOT_OPEN',
  'QR_REUSED',
  'DEPOSIT_FAILED',
  'COMMAND_FAILED',
  'EVENTS_LOST',
  'EVENT_REJECTED',
  'CLOCK_OFF',
  'BANK_CONDITION',
  'DEVICE_RETURNED',
  'DEVICE_QUARANTINED',
] as const;

export const staffAlerts = sqliteTable(
  'staff_alerts',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: ALERT_KINDS }).notNull(),
    bankId: text('bank_id').references(() => lockerBanks.id, { onDelete: 'cascade' }),
    compartmentLabel: text('compartment_label'),
    parcelId: text('parcel_id'),
    message: text('message').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    resolvedAt: integer('resolved_at', { mode: 'timestamp_ms' }),
    resolvedBy: text('resolved_by').references(() => people.id),
  },
  (t) => [index('staff_alerts_open_idx').on(t.resolvedAt, t.createdAt)],
);

/** Openings a controller did by itself (offline QR) and reported later. */
export const reportedOpenings = sqliteTable('reported_openings', {
  id: text('id').primaryKey(),
  bankId: text('bank_id')
    .notNull()
    .references(() => lockerBanks.id, { onDelete: 'cascade' }),
  label: text('label').notNull(),
  via: text('via').notNull(),
  parcelId: text('parcel_id'),
  at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  detail: text('detail'),
});
