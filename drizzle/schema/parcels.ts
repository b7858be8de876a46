/**
 * Parcels from intake to pickup. Pickup codes are not stored: each is derived
 * from the server secret, the parcel id and `codeVersion`; only an HMAC of the
 * code is kept, to find the parcel a typed code belongs to.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { compartments, lockerBanks, COMPARTMENT_SIZES } from './lockers.js';
import { people } from './people.js';

export const PARCEL_STATUSES = [
  'AWAITING_DEPOSIT',
  'READY_FOR_PICKUP',
  'AT_DESK',
  'PICKED_UP',
  'RECALL_PENDING',
] as const;
export const DESK_REASONS = ['LOCKERS_FULL', 'TOO_BIG', 'RECALLED', 'DEPOSIT_FAILED'] as const;
export const PICKUP_METHODS = ['CODE', 'QR', 'QR_OFFLINE', 'REMOTE', 'DESK'] as const;

export const parcels = sqliteTable(
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
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    depositedAt: integer('deposited_at', { mode: 'timestamp_ms' }),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
    extended: integer('extended', { mode: 'boolean' }).notNull().default(false),
    pickedUpAt: integer('picked_up_at', { mode: 'timestamp_ms' }),
    pickupMethod: text('pickup_method', { enum: PICKUP_METHODS }),
    /**
     * The door operation under way for this parcel: set when a deposit,
     * pickup or recall asked for the door to open. `doorOpenedAt` is set when
     * the controller reports the door open; the next close then decides.
     */
    operation: text('operation', { enum: ['DEPOSIT', 'PICKUP', 'RECALL'] }),
    operationVia: text('operation_via'),
    operationAt: integer('operation_at', { mode: 'timestamp_ms' }),
    doorOpenedAt: integer('door_opened_at', { mode: 'timestamp_ms' }),
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
    reminderSentAt: integer('reminder_sent_at', { mode: 'timestamp_ms' }),
    expiryWarningSentAt: integer('expiry_warning_sent_at', { mode: 'timestamp_ms' }),
    version: integer('version').notNull().default(1),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
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
export const pickupTokens = sqliteTable('pickup_tokens', {
  id: text('id').primaryKey(),
  parcelId: text('parcel_id')
    .notNull()
    .references(() => parcels.id),
  bankId: text('bank_id').notNull(),
  usedAt: integer('used_at', { mode: 'timestamp_ms' }),
  revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
});

/** Touchscreens paired with a bank; they act for the bank, never as a person. */
export const kiosks = sqliteTable(
  'kiosks',
  {
    id: text('id').primaryKey(),
    bankId: text('bank_id')
      .notNull()
      .references(() => lockerBanks.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    /** A kiosk credential ends: rotate it before then (KIOSK_CREDENTIAL_TTL_DAYS). */
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
    lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
  },
  (t) => [uniqueIndex('kiosks_token_uq').on(t.tokenHash), index('kiosks_bank_idx').on(t.bankId)],
);

/** Banks a courier may drop off at. */
export const courierBanks = sqliteTable(
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
