/**
 * Server-wide settings generated once and kept: the HMAC secret when none is
 * configured, later the VAPID key pair for web push.
 */
import { pgTable, text } from 'drizzle-orm/pg-core';

export const serverSettings = pgTable('server_settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});
