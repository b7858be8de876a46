/**
 * Mail kept instead of sent when no SMTP server is configured (development,
 * demo, tests). Never enabled in production: see DEV_OUTBOX in the config.
 */
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const devOutbox = sqliteTable(
  'dev_outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    createdAt: integer('created_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('dev_outbox_to_idx').on(t.to)],
);
