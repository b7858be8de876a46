/**
 * IT handouts (issue 9): what a person holds (`loans`), each passage of an
 * asset through a compartment (`asset_handouts`, on the handover core like
 * parcels), faults per category for break/fix swaps, the sites' opening hours
 * and blackout days, bookings and the waitlist, bulk campaigns, offline
 * replay keys and the outbound calls to Snipe-IT and MDM.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { assets } from './assets.js';
import { compartments, lockerBanks, sites } from './lockers.js';
import { people } from './people.js';

export const LOAN_KINDS = ['LOAN', 'ASSIGNMENT'] as const;
/**
 * PENDING: created by IT, not yet with the person (loading or waiting in a
 * locker). ACTIVE: the person has it. RETURNING: a return was started (a
 * drop-off code, or the device is in a locker for IT). CLOSED: checked in.
 * CANCELLED: never reached the person. LOST: written off.
 */
export const LOAN_STATUSES = ['PENDING', 'ACTIVE', 'RETURNING', 'CLOSED', 'CANCELLED', 'LOST'] as const;

/** Who had what, when: one row per asset per person, from handout to check-in. */
export const loans = sqliteTable(
  'loans',
  {
    id: text('id').primaryKey(),
    assetId: text('asset_id')
      .notNull()
      .references(() => assets.id),
    personId: text('person_id')
      .notNull()
      .references(() => people.id),
    kind: text('kind', { enum: LOAN_KINDS }).notNull(),
    status: text('status', { enum: LOAN_STATUSES }).notNull(),
    /** The asset's category when the loan began (the policy and reminders go by it). */
    category: text('category').notNull(),
    siteId: text('site_id').references(() => sites.id),
    /** Null for an assignment. */
    dueAt: integer('due_at', { mode: 'timestamp_ms' }),
    renewalsUsed: integer('renewals_used').notNull().default(0),
    /** The typed name the person signed the agreement with, when one was required. */
    signature: text('signature'),
    signedAt: integer('signed_at', { mode: 'timestamp_ms' }),
    /** A rule staff overrode to make this loan, and why (also in the audit log). */
    overrideReason: text('override_reason'),
    overrideBy: text('override_by').references(() => people.id),
    /** The loan this one replaces (a break/fix swap). */
    replacesLoanId: text('replaces_loan_id'),
    /** Where it came from: IT's desk, the self-service pool, a booking, a campaign. */
    source: text('source', { enum: ['DESK', 'SELF_SERVICE', 'BOOKING', 'CAMPAIGN', 'SWAP'] })
      .notNull()
      .default('DESK'),
    createdBy: text('created_by').references(() => people.id),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    startedAt: integer('started_at', { mode: 'timestamp_ms' }),
    endedAt: integer('ended_at', { mode: 'timestamp_ms' }),
    /** When the person's department contact was told it is overdue. */
    escalatedAt: integer('escalated_at', { mode: 'timestamp_ms' }),
    /** When the lost-mode hook was called for it. */
    lostModeAt: integer('lost_mode_at', { mode: 'timestamp_ms' }),
    version: integer('version').notNull().default(1),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    index('loans_person_idx').on(t.personId, t.status),
    index('loans_asset_idx').on(t.assetId, t.status),
    index('loans_due_idx').on(t.status, t.dueAt),
  ],
);

export const HANDOUT_DIRECTIONS = ['OUT', 'IN'] as const;
/**
 * OUT (IT → person): AWAITING_LOAD → READY → COLLECTED.
 * IN (person → IT): AWAITING_DROPOFF → DROPPED → COLLECTED.
 * CANCELLED: ended before it went through (nothing left in a compartment).
 */
export const HANDOUT_STATUSES = [
  'AWAITING_LOAD',
  'READY',
  'AWAITING_DROPOFF',
  'DROPPED',
  'COLLECTED',
  'CANCELLED',
] as const;

/** One passage of an asset through a compartment: the handover core's columns, as parcels have them. */
export const assetHandouts = sqliteTable(
  'asset_handouts',
  {
    id: text('id').primaryKey(),
    /** Null while it is a loaner in the self-service pool, not yet anyone's. */
    loanId: text('loan_id').references(() => loans.id),
    assetId: text('asset_id')
      .notNull()
      .references(() => assets.id),
    /** Who collects it (OUT) or drops it off (IN); null for a pool loaner nobody has taken. */
    personId: text('person_id').references(() => people.id),
    /** The booking it was loaded for. */
    bookingId: text('booking_id'),
    /** The campaign item it was loaded for. */
    campaignItemId: text('campaign_item_id'),
    direction: text('direction', { enum: HANDOUT_DIRECTIONS }).notNull(),
    status: text('status', { enum: HANDOUT_STATUSES }).notNull(),
    bankId: text('bank_id').references(() => lockerBanks.id),
    compartmentId: text('compartment_id').references(() => compartments.id),
    /** For a return: the fault the person picked (asset_faults.id), if any. */
    faultId: text('fault_id'),
    faultNote: text('fault_note'),
    /** The other half of a swap made in one visit. */
    swapWith: text('swap_with'),
    operation: text('operation', { enum: ['DEPOSIT', 'PICKUP', 'RECALL'] }),
    operationVia: text('operation_via'),
    operationAt: integer('operation_at', { mode: 'timestamp_ms' }),
    doorOpenedAt: integer('door_opened_at', { mode: 'timestamp_ms' }),
    codeVersion: integer('code_version').notNull().default(0),
    /** HMAC of the current code (pickup for OUT, drop-off for IN); null when none is valid. */
    codeLookup: text('code_lookup'),
    qrTokenId: text('qr_token_id'),
    codeExposureBase: integer('code_exposure_base').notNull().default(0),
    /** From when it may be collected and its person is told (a booking's slot); null: as soon as it is in. */
    availableAt: integer('available_at', { mode: 'timestamp_ms' }),
    /** When its person was told it is ready. */
    noticeSentAt: integer('notice_sent_at', { mode: 'timestamp_ms' }),
    /** Until when the code opens the door. */
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
    /** How the person collected or dropped it (CODE, QR, REMOTE, KIOSK …). */
    method: text('method'),
    createdBy: text('created_by').references(() => people.id),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    readyAt: integer('ready_at', { mode: 'timestamp_ms' }),
    completedAt: integer('completed_at', { mode: 'timestamp_ms' }),
    version: integer('version').notNull().default(1),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('asset_handouts_code_lookup_uq').on(t.codeLookup),
    index('asset_handouts_compartment_idx').on(t.compartmentId, t.status),
    index('asset_handouts_loan_idx').on(t.loanId),
    index('asset_handouts_status_idx').on(t.status, t.direction),
  ],
);

/** Faults a person picks from for a break/fix swap, per category; a critical one quarantines. */
export const assetFaults = sqliteTable(
  'asset_faults',
  {
    id: text('id').primaryKey(),
    category: text('category').notNull(),
    label: text('label').notNull(),
    critical: integer('critical', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('asset_faults_uq').on(t.category, t.label)],
);

/** A site's opening hours by weekday (0 = Sunday), "HH:MM" local; no row for a day: closed. */
export const siteHours = sqliteTable(
  'site_hours',
  {
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    weekday: integer('weekday').notNull(),
    opens: text('opens').notNull(),
    closes: text('closes').notNull(),
  },
  (t) => [uniqueIndex('site_hours_uq').on(t.siteId, t.weekday)],
);

/** Days a site is closed (holidays): no pickup, return or due date falls on one. */
export const blackoutDays = sqliteTable(
  'blackout_days',
  {
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id, { onDelete: 'cascade' }),
    /** YYYY-MM-DD in the site's time zone. */
    day: text('day').notNull(),
    reason: text('reason').notNull().default(''),
  },
  (t) => [uniqueIndex('blackout_days_uq').on(t.siteId, t.day)],
);

export const BOOKING_STATUSES = ['BOOKED', 'READY', 'COLLECTED', 'LAPSED', 'CANCELLED'] as const;

/** A count of a model booked at a bank for a future time; the units are chosen when loaded. */
export const bookings = sqliteTable(
  'bookings',
  {
    id: text('id').primaryKey(),
    personId: text('person_id')
      .notNull()
      .references(() => people.id),
    bankId: text('bank_id')
      .notNull()
      .references(() => lockerBanks.id),
    model: text('model').notNull(),
    category: text('category').notNull(),
    count: integer('count').notNull(),
    startsAt: integer('starts_at', { mode: 'timestamp_ms' }).notNull(),
    /** A no-show is released after this. */
    lapsesAt: integer('lapses_at', { mode: 'timestamp_ms' }).notNull(),
    status: text('status', { enum: BOOKING_STATUSES }).notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    version: integer('version').notNull().default(1),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('bookings_due_idx').on(t.status, t.startsAt), index('bookings_person_idx').on(t.personId)],
);

export const WAITLIST_STATUSES = ['WAITING', 'OFFERED', 'TAKEN', 'EXPIRED', 'CANCELLED'] as const;

/** People waiting for a loaner of a category at a site, first come first served. */
export const waitlistEntries = sqliteTable(
  'waitlist_entries',
  {
    id: text('id').primaryKey(),
    personId: text('person_id')
      .notNull()
      .references(() => people.id),
    category: text('category').notNull(),
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id),
    status: text('status', { enum: WAITLIST_STATUSES }).notNull(),
    /** The handout held for them while offered. */
    handoutId: text('handout_id'),
    offeredAt: integer('offered_at', { mode: 'timestamp_ms' }),
    offerExpiresAt: integer('offer_expires_at', { mode: 'timestamp_ms' }),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('waitlist_queue_idx').on(t.category, t.siteId, t.status, t.createdAt)],
);

export const CAMPAIGN_STATUSES = ['PLANNED', 'RUNNING', 'DONE', 'CANCELLED'] as const;
export const CAMPAIGN_ITEM_STATUSES = ['PLANNED', 'LOADING', 'READY', 'COLLECTED', 'OVERDUE', 'FAILED'] as const;

/** A bulk handout: recipients and items from a CSV, planned across banks and time slots. */
export const campaigns = sqliteTable('campaigns', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  status: text('status', { enum: CAMPAIGN_STATUSES }).notNull(),
  kind: text('kind', { enum: LOAN_KINDS }).notNull(),
  dueAt: integer('due_at', { mode: 'timestamp_ms' }),
  createdBy: text('created_by').references(() => people.id),
  createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
});

export const campaignItems = sqliteTable(
  'campaign_items',
  {
    id: text('id').primaryKey(),
    campaignId: text('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    /** The CSV line it came from. */
    line: integer('line').notNull(),
    personId: text('person_id')
      .notNull()
      .references(() => people.id),
    assetId: text('asset_id')
      .notNull()
      .references(() => assets.id),
    bankId: text('bank_id')
      .notNull()
      .references(() => lockerBanks.id),
    slotStartsAt: integer('slot_starts_at', { mode: 'timestamp_ms' }).notNull(),
    loanId: text('loan_id'),
    status: text('status', { enum: CAMPAIGN_ITEM_STATUSES }).notNull(),
    error: text('error'),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('campaign_items_campaign_idx').on(t.campaignId, t.status)],
);

/**
 * A mutation replayed by an offline client: its key is recorded with the
 * outcome in the mutation's transaction, so a replay gets the same answer
 * and applies nothing again.
 */
export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    key: text('key').primaryKey(),
    personId: text('person_id').notNull(),
    operation: text('operation').notNull(),
    /** The outcome as JSON. */
    result: text('result').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('idempotency_keys_at_idx').on(t.createdAt)],
);

export const OUTBOUND_TARGETS = ['SNIPEIT', 'MDM'] as const;
export const OUTBOUND_STATUSES = ['PENDING', 'SENDING', 'SENT', 'FAILED'] as const;

/**
 * Calls to outside systems (Snipe-IT, an MDM's lost-mode hook), written in
 * the transaction of the change they report and sent by a worker with
 * back-off. FAILED stays visible with its error until staff retry it; a call
 * is never dropped silently.
 */
export const outboundCalls = sqliteTable(
  'outbound_calls',
  {
    id: text('id').primaryKey(),
    target: text('target', { enum: OUTBOUND_TARGETS }).notNull(),
    /** E.g. CHECKOUT, CHECKIN, LOST_MODE. */
    action: text('action').notNull(),
    /** What it is about, for people reading the list (an asset tag). */
    subject: text('subject').notNull(),
    /** The request's parameters as JSON. */
    payload: text('payload').notNull(),
    dedupeKey: text('dedupe_key').notNull(),
    status: text('status', { enum: OUTBOUND_STATUSES }).notNull().default('PENDING'),
    attempts: integer('attempts').notNull().default(0),
    notBefore: integer('not_before', { mode: 'timestamp_ms' }).notNull(),
    claimedUntil: integer('claimed_until', { mode: 'timestamp_ms' }),
    lastError: text('last_error'),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    sentAt: integer('sent_at', { mode: 'timestamp_ms' }),
  },
  (t) => [
    uniqueIndex('outbound_calls_dedupe_uq').on(t.dedupeKey),
    index('outbound_calls_due_idx').on(t.status, t.notBefore),
  ],
);

/** A loan agreement accepted once per person and category, with the typed name as signature. */
export const agreementAcceptances = sqliteTable(
  'agreement_acceptances',
  {
    personId: text('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    category: text('category').notNull(),
    signature: text('signature').notNull(),
    acceptedAt: integer('accepted_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('agreement_acceptances_uq').on(t.personId, t.category)],
);

/** Whom overdue loans of a department's people escalate to. */
export const departmentContacts = sqliteTable('department_contacts', {
  department: text('department').primaryKey(),
  email: text('email').notNull(),
  name: text('name').notNull().default(''),
});
