/**
 * Server-wide settings generated once and kept: the HMAC secret when none is
 * configured, later the VAPID key pair for web push.
 */
import { sqliteTable, text } from 'drizzle-orm/sqlite-core';

export const serverSettings = sqliteTable('server_settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});
