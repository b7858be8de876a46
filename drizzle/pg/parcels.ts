/**
 * Parcels from intake to pickup. Pickup codes are not stored: each is derived
 * from the server secret, the parcel id and `codeVersion`; only an HMAC of the
 * code is kept, to find the parcel a typed code belongs to.
 */
import { boolean, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { TIMESTAMP } from './columns.js';
import { DESK_REASONS, PARCEL_STATUSES, PICKUP_METHODS } from '../schema/parcels.js';
import { COMPARTMENT_SIZES } from '../schema/lockers.js';
import { compartments, lockerBanks } from './lockers.js';
import { people } from './people.js';

export const parcels = pgTable(
  'parcels',
  {
    id: text('id').primaryKey(),
    tracking: text('tracking').notNull(),
    /** Upper-cased, spaces removed: what duplicates are detected on. */
    trackingKey: text('tracking_key').notNull(),
    carrier: text('carrier'),
    recipientId: text('recipient_id')
      .notNull()
      .references(() => people.id),
    proxyId: text('proxy_id').references(() => people.id),
    /**
     * The address the recipient shared pickup with, as typed, whether or not
     * it belongs to an account: the recipient sees only this, so sharing never
     * tells them who has an account (proxyId is set only when one does).
     */
    proxyEmail: text('proxy_email'),
    size: text('size', { enum: COMPARTMENT_SIZES }).notNull(),
    status: text('status', { enum: PARCEL_STATUSES }).notNull(),
    deskReason: text('desk_reason', { enum: DESK_REASONS }),
    bankId: text('bank_id').references(() => lockerBanks.id),
    compartmentId: text('compartment_id').references(() => compartments.id),
    createdBy: text('created_by').references(() => people.id),
    createdAt: timestamp('created_at', TIMESTAMP).notNull(),
    depositedAt: timestamp('deposited_at', TIMESTAMP),
    expiresAt: timestamp('expires_at', TIMESTAMP),
    extended: boolean('extended').notNull().default(false),
    pickedUpAt: timestamp('picked_up_at', TIMESTAMP),
    pickupMethod: text('pickup_method', { enum: PICKUP_METHODS }),
    /**
     * The door operation under way for this parcel: set when a deposit,
     * pickup or recall asked for the door to open. `doorOpenedAt` is set when
     * the controller reports the door open; the next close then decides.
     */
    operation: text('operation', { enum: ['DEPOSIT', 'PICKUP', 'RECALL'] }),
    operationVia: text('operation_via'),
    operationAt: timestamp('operation_at', TIMESTAMP),
    doorOpenedAt: timestamp('door_opened_at', TIMESTAMP),
    codeVersion: integer('code_version').notNull().default(0),
    /** HMAC of the current code; null when no code is valid. */
    codeLookup: text('code_lookup'),
    /** jti of the current pickup QR token. */
    qrTokenId: text('qr_token_id'),
    /**
     * The bank's lifetime failure count (attempt_counters.total of `code:bank:<id>`)
     * when the current code was issued: failures since then are this code's
     * exposure, whatever door hint they carried. Past a cap the code is re-issued.
     */
    codeExposureBase: integer('code_exposure_base').notNull().default(0),
    reminderSentAt: timestamp('reminder_sent_at', TIMESTAMP),
    expiryWarningSentAt: timestamp('expiry_warning_sent_at', TIMESTAMP),
    version: integer('version').notNull().default(1),
    updatedAt: timestamp('updated_at', TIMESTAMP).notNull(),
  },
  (t) => [
    index('parcels_recipient_idx').on(t.recipientId),
    index('parcels_status_idx').on(t.status),
    index('parcels_tracking_idx').on(t.trackingKey),
    uniqueIndex('parcels_code_lookup_uq').on(t.codeLookup),
    index('parcels_compartment_idx').on(t.compartmentId),
  ],
);

/** QR tokens used or revoked: a token is accepted once. */
export const pickupTokens = pgTable('pickup_tokens', {
  id: text('id').primaryKey(),
  parcelId: text('parcel_id')
    .notNull()
    .references(() => parcels.id),
  bankId: text('bank_id').notNull(),
  usedAt: timestamp('used_at', TIMESTAMP),
  revokedAt: timestamp('revoked_at', TIMESTAMP),
  expiresAt: timestamp('expires_at', TIMESTAMP).notNull(),
});

/** Touchscreens paired with a bank; they act for the bank, never as a person. */
export const kiosks = pgTable(
  'kiosks',
  {
    id: text('id').primaryKey(),
    bankId: text('bank_id')
      .notNull()
      .references(() => lockerBanks.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', TIMESTAMP).notNull(),
    /** A kiosk credential ends: rotate it before then (KIOSK_CREDENTIAL_TTL_DAYS). */
    expiresAt: timestamp('expires_at', TIMESTAMP),
    lastUsedAt: timestamp('last_used_at', TIMESTAMP),
    revokedAt: timestamp('revoked_at', TIMESTAMP),
  },
  (t) => [uniqueIndex('kiosks_token_uq').on(t.tokenHash), index('kiosks_bank_idx').on(t.bankId)],
);

/** Banks a courier may drop off at. */
export const courierBanks = pgTable(
  'courier_banks',
  {
    personId: text('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    bankId: text('bank_id')
      .notNull()
      .references(() => lockerBanks.id, { onDelete: 'cascade' }),
  },
  (t) => [uniqueIndex('courier_banks_uq').on(t.personId, t.bankId)],
);
