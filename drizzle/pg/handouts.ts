/** IT handouts (see ../schema/handouts.ts, which this mirrors). */
import { boolean, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { TIMESTAMP } from './columns.js';
import {
  LOAN_KINDS,
  LOAN_STATUSES,
  HANDOUT_DIRECTIONS,
  HANDOUT_STATUSES,
  BOOKING_STATUSES,
  WAITLIST_STATUSES,
  CAMPAIGN_STATUSES,
  CAMPAIGN_ITEM_STATUSES,
  OUTBOUND_TARGETS,
  OUTBOUND_STATUSES,
} from '../schema/handouts.js';
import { assets } from './assets.js';
import { compartments, lockerBanks, sites } from './lockers.js';
import { people } from './people.js';

/** Who had what, when: one row per asset per person, from handout to check-in. */
export const loans = pgTable(
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
    dueAt: timestamp('due_at', TIMESTAMP),
    renewalsUsed: integer('renewals_used').notNull().default(0),
    /** The typed name the person signed the agreement with, when one was required. */
    signature: text('signature'),
    signedAt: timestamp('signed_at', TIMESTAMP),
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
    createdAt: timestamp('created_at', TIMESTAMP).notNull(),
    startedAt: timestamp('started_at', TIMESTAMP),
    endedAt: timestamp('ended_at', TIMESTAMP),
    /** When the person's department contact was told it is overdue. */
    escalatedAt: timestamp('escalated_at', TIMESTAMP),
    /** When the lost-mode hook was called for it. */
    lostModeAt: timestamp('lost_mode_at', TIMESTAMP),
    version: integer('version').notNull().default(1),
    updatedAt: timestamp('updated_at', TIMESTAMP).notNull(),
  },
  (t) => [
    index('loans_person_idx').on(t.personId, t.status),
    index('loans_asset_idx').on(t.assetId, t.status),
    index('loans_due_idx').on(t.status, t.dueAt),
  ],
);

/** One passage of an asset through a compartment: the handover core's columns, as parcels have them. */
export const assetHandouts = pgTable(
  'asset_handouts',
  {
    id: text('id').primaryKey(),
    loanId: text('loan_id').references(() => loans.id),
    assetId: text('asset_id')
      .notNull()
      .references(() => assets.id),
    personId: text('person_id').references(() => people.id),
    bookingId: text('booking_id'),
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
    operationAt: timestamp('operation_at', TIMESTAMP),
    doorOpenedAt: timestamp('door_opened_at', TIMESTAMP),
    codeVersion: integer('code_version').notNull().default(0),
    /** HMAC of the current code (pickup for OUT, drop-off for IN); null when none is valid. */
    codeLookup: text('code_lookup'),
    qrTokenId: text('qr_token_id'),
    codeExposureBase: integer('code_exposure_base').notNull().default(0),
    /** Until when the code opens the door. */
    availableAt: timestamp('available_at', TIMESTAMP),
    noticeSentAt: timestamp('notice_sent_at', TIMESTAMP),
    expiresAt: timestamp('expires_at', TIMESTAMP),
    /** How the person collected or dropped it (CODE, QR, REMOTE, KIOSK …). */
    method: text('method'),
    createdBy: text('created_by').references(() => people.id),
    createdAt: timestamp('created_at', TIMESTAMP).notNull(),
    readyAt: timestamp('ready_at', TIMESTAMP),
    completedAt: timestamp('completed_at', TIMESTAMP),
    version: integer('version').notNull().default(1),
    updatedAt: timestamp('updated_at', TIMESTAMP).notNull(),
  },
  (t) => [
    uniqueIndex('asset_handouts_code_lookup_uq').on(t.codeLookup),
    index('asset_handouts_compartment_idx').on(t.compartmentId, t.status),
    index('asset_handouts_loan_idx').on(t.loanId),
    index('asset_handouts_status_idx').on(t.status, t.direction),
  ],
);

/** Faults a person picks from for a break/fix swap, per category; a critical one quarantines. */
export const assetFaults = pgTable(
  'asset_faults',
  {
    id: text('id').primaryKey(),
    category: text('category').notNull(),
    label: text('label').notNull(),
    critical: boolean('critical').notNull().default(false),
    createdAt: timestamp('created_at', TIMESTAMP).notNull(),
  },
  (t) => [uniqueIndex('asset_faults_uq').on(t.category, t.label)],
);

/** A site's opening hours by weekday (0 = Sunday), "HH:MM" local; no row for a day: closed. */
export const siteHours = pgTable(
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
export const blackoutDays = pgTable(
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

/** A count of a model booked at a bank for a future time; the units are chosen when loaded. */
export const bookings = pgTable(
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
    startsAt: timestamp('starts_at', TIMESTAMP).notNull(),
    /** A no-show is released after this. */
    lapsesAt: timestamp('lapses_at', TIMESTAMP).notNull(),
    status: text('status', { enum: BOOKING_STATUSES }).notNull(),
    createdAt: timestamp('created_at', TIMESTAMP).notNull(),
    version: integer('version').notNull().default(1),
    updatedAt: timestamp('updated_at', TIMESTAMP).notNull(),
  },
  (t) => [index('bookings_due_idx').on(t.status, t.startsAt), index('bookings_person_idx').on(t.personId)],
);

/** People waiting for a loaner of a category at a site, first come first served. */
export const waitlistEntries = pgTable(
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
    offeredAt: timestamp('offered_at', TIMESTAMP),
    offerExpiresAt: timestamp('offer_expires_at', TIMESTAMP),
    createdAt: timestamp('created_at', TIMESTAMP).notNull(),
    updatedAt: timestamp('updated_at', TIMESTAMP).notNull(),
  },
  (t) => [index('waitlist_queue_idx').on(t.category, t.siteId, t.status, t.createdAt)],
);

/** A bulk handout: recipients and items from a CSV, planned across banks and time slots. */
export const campaigns = pgTable('campaigns', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  status: text('status', { enum: CAMPAIGN_STATUSES }).notNull(),
  kind: text('kind', { enum: LOAN_KINDS }).notNull(),
  dueAt: timestamp('due_at', TIMESTAMP),
  createdBy: text('created_by').references(() => people.id),
  createdAt: timestamp('created_at', TIMESTAMP).notNull(),
  updatedAt: timestamp('updated_at', TIMESTAMP).notNull(),
});

export const campaignItems = pgTable(
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
    slotStartsAt: timestamp('slot_starts_at', TIMESTAMP).notNull(),
    loanId: text('loan_id'),
    status: text('status', { enum: CAMPAIGN_ITEM_STATUSES }).notNull(),
    error: text('error'),
    updatedAt: timestamp('updated_at', TIMESTAMP).notNull(),
  },
  (t) => [index('campaign_items_campaign_idx').on(t.campaignId, t.status)],
);

/**
 * A mutation replayed by an offline client: its key is recorded with the
 * outcome in the mutation's transaction, so a replay gets the same answer
 * and applies nothing again.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    key: text('key').primaryKey(),
    personId: text('person_id').notNull(),
    operation: text('operation').notNull(),
    /** The outcome as JSON. */
    result: text('result').notNull(),
    createdAt: timestamp('created_at', TIMESTAMP).notNull(),
  },
  (t) => [index('idempotency_keys_at_idx').on(t.createdAt)],
);

/**
 * Calls to outside systems (Snipe-IT, an MDM's lost-mode hook), written in
 * the transaction of the change they report and sent by a worker with
 * back-off. FAILED stays visible with its error until staff retry it; a call
 * is never dropped silently.
 */
export const outboundCalls = pgTable(
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
    notBefore: timestamp('not_before', TIMESTAMP).notNull(),
    claimedUntil: timestamp('claimed_until', TIMESTAMP),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', TIMESTAMP).notNull(),
    sentAt: timestamp('sent_at', TIMESTAMP),
  },
  (t) => [
    uniqueIndex('outbound_calls_dedupe_uq').on(t.dedupeKey),
    index('outbound_calls_due_idx').on(t.status, t.notBefore),
  ],
);

/** A loan agreement accepted once per person and category, with the typed name as signature. */
export const agreementAcceptances = pgTable(
  'agreement_acceptances',
  {
    personId: text('person_id')
      .notNull()
      .references(() => people.id, { onDelete: 'cascade' }),
    category: text('category').notNull(),
    signature: text('signature').notNull(),
    acceptedAt: timestamp('accepted_at', TIMESTAMP).notNull(),
  },
  (t) => [uniqueIndex('agreement_acceptances_uq').on(t.personId, t.category)],
);

/** Whom overdue loans of a department's people escalate to. */
export const departmentContacts = pgTable('department_contacts', {
  department: text('department').primaryKey(),
  email: text('email').notNull(),
  name: text('name').notNull().default(''),
});
