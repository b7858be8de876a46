/**
 * Commands sent to controllers. Stored so a reconnecting controller is sent
 * what is still pending and unexpired, and so every door opening is
 * attributable to who asked for it and why.
 */
import { index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { TIMESTAMP } from './columns.js';
import { COMMAND_KINDS, COMMAND_OUTCOMES, COMMAND_STATUSES } from '../schema/devices.js';
import { compartments, lockerBanks } from './lockers.js';
import { people } from './people.js';

export const lockerCommands = pgTable(
  'locker_commands',
  {
    id: text('id').primaryKey(),
    bankId: text('bank_id')
      .notNull()
      .references(() => lockerBanks.id, { onDelete: 'cascade' }),
    compartmentId: text('compartment_id')
      .notNull()
      .references(() => compartments.id, { onDelete: 'cascade' }),
    label: text('label').notNull(),
    /** Parcel the opening is for, if any. */
    parcelId: text('parcel_id'),
    /** REVOKE_PICKUP_TOKEN: the token's jti. */
    tokenId: text('token_id'),
    kind: text('kind', { enum: COMMAND_KINDS }).notNull(),
    status: text('status', { enum: COMMAND_STATUSES }).notNull().default('PENDING'),
    /** Who caused it: a person (staff, recipient) or null for the system. */
    requestedBy: text('requested_by').references(() => people.id, { onDelete: 'set null' }),
    /** How the opening was authorised: STAFF_OVERRIDE, REMOTE, CODE, QR, COURIER, DEPOSIT … */
    via: text('via').notNull(),
    reason: text('reason'),
    issuedAt: timestamp('issued_at', TIMESTAMP).notNull(),
    expiresAt: timestamp('expires_at', TIMESTAMP).notNull(),
    deliveredAt: timestamp('delivered_at', TIMESTAMP),
    acknowledgedAt: timestamp('acknowledged_at', TIMESTAMP),
    outcome: text('outcome', { enum: COMMAND_OUTCOMES }),
    outcomeDetail: text('outcome_detail'),
  },
  (t) => [index('locker_commands_bank_status_idx').on(t.bankId, t.status)],
);
