/**
 * Sites, locker banks, compartments and the append-only log of what physically
 * happened. Live rows carry a `version` that grows with every change, so
 * subscribers can drop stale updates and resync by re-querying.
 */
import { sql } from 'drizzle-orm';
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const CONNECTION_STATUSES = ['ONLINE', 'OFFLINE'] as const;
export const COMPARTMENT_SIZES = ['S', 'M', 'L', 'XL'] as const;
export const DOOR_STATES = ['OPEN', 'CLOSED'] as const;
export const OCCUPANCIES = ['EMPTY', 'OCCUPIED', 'UNKNOWN'] as const;
export const CHARGING_STATES = ['IDLE', 'CHARGING', 'CHARGED'] as const;
export const COMPARTMENT_STATES = ['AVAILABLE', 'RESERVED', 'IN_USE', 'OUT_OF_SERVICE', 'FAULT'] as const;
/** What a controller may report (schema.graphql DeviceEventKind). */
export const DEVICE_EVENT_KINDS = [
  'DOOR_OPENED',
  'DOOR_CLOSED',
  'OCCUPIED',
  'EMPTY',
  'CHARGING',
  'CHARGED',
  'FAULT',
  'FAULT_CLEARED',
  'TAMPER',
  'PICKUP_QR_OFFLINE',
] as const;
/** The log's kinds: the controller's, plus the server's own presence events. */
export const LOCKER_EVENT_KINDS = [...DEVICE_EVENT_KINDS, 'BANK_ONLINE', 'BANK_OFFLINE'] as const;

const now = sql`(unixepoch('subsec') * 1000)`;

export const sites = sqliteTable('sites', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  timezone: text('timezone').notNull().default('UTC'),
  pickupHoldHours: integer('pickup_hold_hours').notNull().default(72),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull().default(now),
});

export const lockerBanks = sqliteTable(
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
    lastSeenAt: integer('last_seen_at', { mode: 'timestamp_ms' }),
    /** SHA-256 of the controller's device token. */
    deviceTokenHash: text('device_token_hash').notNull(),
    /**
     * Grows on every token rotation. A controller's seq numbering belongs to one
     * generation: a replaced controller starts again at 1.
     */
    deviceGeneration: integer('device_generation').notNull().default(1),
    /** Highest contiguous controller seq stored in this generation. */
    lastSeq: integer('last_seq').notNull().default(0),
    version: integer('version').notNull().default(1),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull().default(now),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull().default(now),
  },
  (t) => [uniqueIndex('locker_banks_token_uq').on(t.deviceTokenHash), index('locker_banks_site_idx').on(t.siteId)],
);

export const compartments = sqliteTable(
  'compartments',
  {
    id: text('id').primaryKey(),
    bankId: text('bank_id')
      .notNull()
      .references(() => lockerBanks.id, { onDelete: 'cascade' }),
    label: text('label').notNull(),
    size: text('size', { enum: COMPARTMENT_SIZES }).notNull(),
    hasCharging: integer('has_charging', { mode: 'boolean' }).notNull().default(false),
    accessible: integer('accessible', { mode: 'boolean' }).notNull().default(false),
    door: text('door', { enum: DOOR_STATES }).notNull().default('CLOSED'),
    occupancy: text('occupancy', { enum: OCCUPANCIES }).notNull().default('UNKNOWN'),
    charging: text('charging', { enum: CHARGING_STATES }).notNull().default('IDLE'),
    state: text('state', { enum: COMPARTMENT_STATES }).notNull().default('AVAILABLE'),
    version: integer('version').notNull().default(1),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull().default(now),
    /** Why staff took it out of service. */
    outOfServiceReason: text('out_of_service_reason'),
  },
  (t) => [uniqueIndex('compartments_bank_label_uq').on(t.bankId, t.label)],
);

/**
 * Append-only. Controller events are unique by (bank, generation, seq): that
 * index is what makes reporting idempotent. Server events have a null seq.
 */
export const lockerEvents = sqliteTable(
  'locker_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    bankId: text('bank_id')
      .notNull()
      .references(() => lockerBanks.id, { onDelete: 'cascade' }),
    /** Null for bank-level events and for labels the bank does not have. */
    compartmentId: text('compartment_id').references(() => compartments.id, { onDelete: 'set null' }),
    label: text('label'),
    kind: text('kind', { enum: LOCKER_EVENT_KINDS }).notNull(),
    deviceGeneration: integer('device_generation'),
    seq: integer('seq'),
    occurredAt: integer('occurred_at', { mode: 'timestamp_ms' }).notNull(),
    receivedAt: integer('received_at', { mode: 'timestamp_ms' }).notNull(),
    detail: text('detail'),
  },
  (t) => [
    uniqueIndex('locker_events_bank_seq_uq').on(t.bankId, t.deviceGeneration, t.seq),
    index('locker_events_bank_id_idx').on(t.bankId, t.id),
  ],
);
