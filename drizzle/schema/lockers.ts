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
/** Compartment kinds a controller may report (schema.graphql DeviceEventKind): they need a label. */
export const COMPARTMENT_EVENT_KINDS = [
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
/** Bank-level kinds a controller may report: no compartment label. */
export const BANK_EVENT_KINDS = [
  'POWER_LOST',
  'POWER_RESTORED',
  'UPS_ON_BATTERY',
  'UPS_BATTERY_LOW',
  'CABINET_TAMPER',
  'TEMPERATURE_HIGH',
  'TEMPERATURE_NORMAL',
] as const;
/** What a controller may report. Other names are stored as UNRECOGNISED with the name kept. */
export const DEVICE_EVENT_KINDS = [...COMPARTMENT_EVENT_KINDS, ...BANK_EVENT_KINDS] as const;
/**
 * The log's kinds: the controller's, the server's own presence events, a range
 * declared lost, and UNRECOGNISED for names from newer firmware.
 */
export const LOCKER_EVENT_KINDS = [
  ...DEVICE_EVENT_KINDS,
  'BANK_ONLINE',
  'BANK_OFFLINE',
  'EVENTS_LOST',
  'UNRECOGNISED',
] as const;
/** Why an event was stored without effect (schema.graphql EventRejection). */
export const EVENT_REJECTIONS = [
  'UNKNOWN_COMPARTMENT',
  'UNKNOWN_KIND',
  'INVALID_TIME',
  'INVALID_LABEL',
  'TOO_LARGE',
] as const;
/** Notes on an event stored and applied (schema.graphql EventFlag). */
export const EVENT_FLAGS = ['CLOCK_OUT_OF_RANGE', 'CLOCK_CORRECTED', 'TRUNCATED'] as const;
/** Standard fault codes (schema.graphql FaultCode). */
export const FAULT_CODES = [
  'LOCK_JAMMED',
  'LOCK_NO_RESPONSE',
  'DOOR_SENSOR',
  'OCCUPANCY_SENSOR',
  'CHARGER',
  'DOOR_FORCED',
  'POWER',
  'COMMUNICATION',
  'OTHER',
] as const;

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
    /** The kind as the controller sent it, when it is not one of ours (kind UNRECOGNISED). */
    reportedKind: text('reported_kind'),
    deviceGeneration: integer('device_generation'),
    /** Up to 2^53 − 1 (SQLite integers are 64-bit). */
    seq: integer('seq'),
    /** On the server's time line: `at`, corrected or replaced as `flags` say. */
    occurredAt: integer('occurred_at', { mode: 'timestamp_ms' }).notNull(),
    receivedAt: integer('received_at', { mode: 'timestamp_ms' }).notNull(),
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
export const bankControllers = sqliteTable('bank_controllers', {
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
  connectedAt: integer('connected_at', { mode: 'timestamp_ms' }),
  disconnectedAt: integer('disconnected_at', { mode: 'timestamp_ms' }),
  /** Controller clock minus server clock; null when never measured. */
  clockOffsetMs: integer('clock_offset_ms'),
  clockMeasuredAt: integer('clock_measured_at', { mode: 'timestamp_ms' }),
  /** The last reportControllerHealth input (JSON), and when it arrived. */
  health: text('health'),
  healthAt: integer('health_at', { mode: 'timestamp_ms' }),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull().default(now),
});
