/** IT's asset register (see ../schema/assets.ts, which this mirrors). */
import { boolean, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { TIMESTAMP } from './columns.js';
import { ASSET_CONDITIONS, ASSET_HISTORY_KINDS, ASSET_STATUSES } from '../schema/assets.js';
import { people } from './people.js';

export const assets = pgTable(
  'assets',
  {
    id: text('id').primaryKey(),
    tag: text('tag').notNull(),
    tagKey: text('tag_key').notNull(),
    serial: text('serial'),
    model: text('model').notNull(),
    category: text('category').notNull(),
    department: text('department'),
    condition: text('condition', { enum: ASSET_CONDITIONS }).notNull().default('GOOD'),
    status: text('status', { enum: ASSET_STATUSES }).notNull().default('IN_STOCK'),
    notes: text('notes').notNull().default(''),
    version: integer('version').notNull().default(1),
    createdAt: timestamp('created_at', TIMESTAMP).notNull(),
    updatedAt: timestamp('updated_at', TIMESTAMP).notNull(),
  },
  (t) => [
    uniqueIndex('assets_tag_uq').on(t.tagKey),
    index('assets_category_idx').on(t.category),
    index('assets_department_idx').on(t.department),
  ],
);

export const assetHistory = pgTable(
  'asset_history',
  {
    id: text('id').primaryKey(),
    assetId: text('asset_id')
      .notNull()
      .references(() => assets.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ASSET_HISTORY_KINDS }).notNull(),
    status: text('status', { enum: ASSET_STATUSES }).notNull(),
    detail: text('detail').notNull(),
    by: text('by').references(() => people.id),
    at: timestamp('at', TIMESTAMP).notNull(),
  },
  (t) => [index('asset_history_asset_idx').on(t.assetId, t.at)],
);

export const loanPolicies = pgTable(
  'loan_policies',
  {
    id: text('id').primaryKey(),
    category: text('category').notNull().default('*'),
    role: text('role').notNull().default('*'),
    siteId: text('site_id').notNull().default('*'),
    eligible: boolean('eligible'),
    maxLoanHours: integer('max_loan_hours'),
    dueBy: text('due_by'),
    maxItems: integer('max_items'),
    renewals: integer('renewals'),
    renewalHours: integer('renewal_hours'),
    renewWindowHours: integer('renew_window_hours'),
    requiresAgreement: boolean('requires_agreement'),
    blockWhenOverdue: boolean('block_when_overdue'),
    reminders: text('reminders'),
    escalateAfterHours: integer('escalate_after_hours'),
    offerHoldMinutes: integer('offer_hold_minutes'),
    noShowMinutes: integer('no_show_minutes'),
    note: text('note').notNull().default(''),
    version: integer('version').notNull().default(1),
    updatedAt: timestamp('updated_at', TIMESTAMP).notNull(),
  },
  (t) => [uniqueIndex('loan_policies_scope_uq').on(t.category, t.role, t.siteId)],
);
