/**
 * IT's asset register: what University IT hands out through the lockers
 * (laptops, chargers, tablets). A tag is what a scanner reads (barcode or QR)
 * and is unique once normalised (`tagKey`: upper-cased, spaces removed).
 * `status` follows the handover flows (issue 9); staff set IN_REPAIR, RETIRED
 * and LOST themselves, with a reason kept in the audit log.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { people } from './people.js';

export const ASSET_STATUSES = [
  'IN_STOCK',
  'LOADED',
  'WITH_PERSON',
  'RETURN_PENDING',
  'RETURNED',
  'IN_REPAIR',
  'RETIRED',
  'LOST',
] as const;
export const ASSET_CONDITIONS = ['NEW', 'GOOD', 'FAIR', 'POOR', 'BROKEN'] as const;

export const assets = sqliteTable(
  'assets',
  {
    id: text('id').primaryKey(),
    /** As printed on the label. */
    tag: text('tag').notNull(),
    /** Upper-cased, spaces removed: what a scan is matched on, and unique. */
    tagKey: text('tag_key').notNull(),
    serial: text('serial'),
    model: text('model').notNull(),
    category: text('category').notNull(),
    /** The department that owns it (people.department's vocabulary); null: central IT. */
    department: text('department'),
    condition: text('condition', { enum: ASSET_CONDITIONS }).notNull().default('GOOD'),
    status: text('status', { enum: ASSET_STATUSES }).notNull().default('IN_STOCK'),
    notes: text('notes').notNull().default(''),
    version: integer('version').notNull().default(1),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('assets_tag_uq').on(t.tagKey),
    index('assets_category_idx').on(t.category),
    index('assets_department_idx').on(t.department),
  ],
);

export const ASSET_HISTORY_KINDS = ['CREATED', 'UPDATED', 'STATUS', 'IMPORTED', 'HANDOVER'] as const;

/** What happened to an asset, by whom, newest last: its register history (handovers add theirs). */
export const assetHistory = sqliteTable(
  'asset_history',
  {
    id: text('id').primaryKey(),
    assetId: text('asset_id')
      .notNull()
      .references(() => assets.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ASSET_HISTORY_KINDS }).notNull(),
    /** The status after the change. */
    status: text('status', { enum: ASSET_STATUSES }).notNull(),
    /** What changed, or the reason staff gave. */
    detail: text('detail').notNull(),
    by: text('by').references(() => people.id),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('asset_history_asset_idx').on(t.assetId, t.at)],
);

/**
 * Loan rules per category × role × site; '*' is any. For each setting, the
 * most specific rule that sets it wins (server/src/assets/policy.ts): a
 * category counts 4, a site 2, a role 1. A null setting is "not set here".
 */
export const loanPolicies = sqliteTable(
  'loan_policies',
  {
    id: text('id').primaryKey(),
    category: text('category').notNull().default('*'),
    role: text('role').notNull().default('*'),
    siteId: text('site_id').notNull().default('*'),
    eligible: integer('eligible', { mode: 'boolean' }),
    maxLoanHours: integer('max_loan_hours'),
    /** "HH:MM" in the site's time zone: a loan is due by then on its last day. */
    dueBy: text('due_by'),
    maxItems: integer('max_items'),
    renewals: integer('renewals'),
    renewalHours: integer('renewal_hours'),
    renewWindowHours: integer('renew_window_hours'),
    requiresAgreement: integer('requires_agreement', { mode: 'boolean' }),
    blockWhenOverdue: integer('block_when_overdue', { mode: 'boolean' }),
    /** The reminder ladder, e.g. "-24h,0,+1h,daily": offsets from the due time, then daily. */
    reminders: text('reminders'),
    /** Hours overdue after which the person's department contact is told. */
    escalateAfterHours: integer('escalate_after_hours'),
    /** Minutes a waitlist offer is held for the person offered it. */
    offerHoldMinutes: integer('offer_hold_minutes'),
    /** Minutes after a booking's start before a no-show is released. */
    noShowMinutes: integer('no_show_minutes'),
    note: text('note').notNull().default(''),
    version: integer('version').notNull().default(1),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('loan_policies_scope_uq').on(t.category, t.role, t.siteId)],
);
