/**
 * Sites, locker banks, compartments and the append-only log of what physically
 * happened. Live rows carry a `version` that grows with every change, so
 * subscribers can drop stale updates and resync by re-querying.
 */
import { bigint, boolean, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { TIMESTAMP } from './columns.js';
import {
  CHARGING_STATES,
  COMPARTMENT_SIZES,
  COMPARTMENT_STATES,
  CONNECTION_STATUSES,
  DOOR_STATES,
  EVENT_FLAGS,
  EVENT_REJECTIONS,
  LOCKER_EVENT_KINDS,
  OCCUPANCIES,
} from '../schema/lockers.js';

export const sites = pgTable('sites', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  timezone: text('timezone').notNull().default('UTC'),
  pickupHoldHours: integer('pickup_hold_hours').notNull().default(72),
  createdAt: timestamp('created_at', TIMESTAMP).notNull().defaultNow(),
});

export const lockerBanks = pgTable(
  'locker_banks',
  {
    id: text('id').primaryKey(),
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id),
    name: text('name').notNull(),
    location: text('location').notNull().default(''),
    department: text('department'),
    status: text('status', { enum: CONNECTION_STATUSES }).notNull().default('OFFLINE'),
    lastSeenAt: timestamp('last_seen_at', TIMESTAMP),
    /** SHA-256 of the controller's device token. */
    deviceTokenHash: text('device_token_hash').notNull(),
    /**
     * Grows on every token rotation. A controller's seq numbering belongs to one
     * generation: a replaced controller starts again at 1.
     */
    deviceGeneration: integer('device_generation').notNull().default(1),
    /** Highest contiguous controller seq stored in this generation. */
    lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', TIMESTAMP).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', TIMESTAMP).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('locker_banks_token_uq').on(t.deviceTokenHash), index('locker_banks_site_idx').on(t.siteId)],
);

export const compartments = pgTable(
  'compartments',
  {
    id: text('id').primaryKey(),
    bankId: text('bank_id')
      .notNull()
      .references(() => lockerBanks.id, { onDelete: 'cascade' }),
    label: text('label').notNull(),
    size: text('size', { enum: COMPARTMENT_SIZES }).notNull(),
    hasCharging: boolean('has_charging').notNull().default(false),
    accessible: boolean('accessible').notNull().default(false),
    door: text('door', { enum: DOOR_STATES }).notNull().default('CLOSED'),
    occupancy: text('occupancy', { enum: OCCUPANCIES }).notNull().default('UNKNOWN'),
    charging: text('charging', { enum: CHARGING_STATES }).notNull().default('IDLE'),
    state: text('state', { enum: COMPARTMENT_STATES }).notNull().default('AVAILABLE'),
    version: integer('version').notNull().default(1),
    updatedAt: timestamp('updated_at', TIMESTAMP).notNull().defaultNow(),
    /** Why staff took it out of service. */
    outOfServiceReason: text('out_of_service_reason'),
  },
  (t) => [uniqueIndex('compartments_bank_label_uq').on(t.bankId, t.label)],
);

/**
 * Append-only. Controller events are unique by (bank, generation, seq): that
 * index is what makes reporting idempotent. Server events have a null seq.
 */
export const lockerEvents = pgTable(
  'locker_events',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    bankId: text('bank_id')
      .notNull()
      .references(() => lockerBanks.id, { onDelete: 'cascade' }),
    /** Null for bank-level events and for labels the bank does not have. */
    compartmentId: text('compartment_id').references(() => compartments.id, { onDelete: 'set null' }),
    label: text('label'),
    kind: text('kind', { enum: LOCKER_EVENT_KINDS }).notNull(),
    /** The kind as the controller sent it, when it is not one of ours (kind UNRECOGNISED). */
    reportedKind: text('reported_kind'),
    deviceGeneration: integer('device_generation'),
    /** Up to 2^53 − 1 (bigint, read as a JavaScript number). */
    seq: bigint('seq', { mode: 'number' }),
    /** On the server's time line: `at`, corrected or replaced as `flags` say. */
    occurredAt: timestamp('occurred_at', TIMESTAMP).notNull(),
    receivedAt: timestamp('received_at', TIMESTAMP).notNull(),
    /** The controller's `at` exactly as sent, when it was not used as is. */
    reportedAt: text('reported_at'),
    /** Set when the event was stored without effect. */
    rejection: text('rejection', { enum: EVENT_REJECTIONS }),
    /** EVENT_FLAGS, comma-separated; '' for none. */
    flags: text('flags').notNull().default(''),
    /** Fault code as sent (FAULT). */
    code: text('code'),
    detail: text('detail'),
  },
  (t) => [
    uniqueIndex('locker_events_bank_seq_uq').on(t.bankId, t.deviceGeneration, t.seq),
    index('locker_events_bank_id_idx').on(t.bankId, t.id),
  ],
);

/** What a bank's controller said about itself (protocol version 2) and how it is doing. One row per bank. */
export const bankControllers = pgTable('bank_controllers', {
  bankId: text('bank_id')
    .primaryKey()
    .references(() => lockerBanks.id, { onDelete: 'cascade' }),
  /** 1 for controllers that state no version. */
  protocolVersion: integer('protocol_version').notNull().default(1),
  model: text('model'),
  serial: text('serial'),
  firmware: text('firmware'),
  /** JSON array of strings, as stated. */
  capabilities: text('capabilities').notNull().default('[]'),
  connectedAt: timestamp('connected_at', TIMESTAMP),
  disconnectedAt: timestamp('disconnected_at', TIMESTAMP),
  /** Controller clock minus server clock; null when never measured. */
  clockOffsetMs: bigint('clock_offset_ms', { mode: 'number' }),
  clockMeasuredAt: timestamp('clock_measured_at', TIMESTAMP),
  /** The last reportControllerHealth input (JSON), and when it arrived. */
  health: text('health'),
  healthAt: timestamp('health_at', TIMESTAMP),
  updatedAt: timestamp('updated_at', TIMESTAMP).notNull().defaultNow(),
});
