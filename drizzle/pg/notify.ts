/**
 * Mail kept instead of sent when no SMTP server is configured (development,
 * demo, tests). Never enabled in production: see DEV_OUTBOX in the config.
 */
import { boolean, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { TIMESTAMP } from './columns.js';
import { NOTIFICATION_CHANNELS, NOTIFICATION_STATUSES } from '../schema/notify.js';

export const devOutbox = pgTable(
  'dev_outbox',
  {
    id: integer('id').primaryKey().generatedByDefaultAsIdentity(),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    createdAt: timestamp('created_at', TIMESTAMP).notNull(),
  },
  (t) => [index('dev_outbox_to_idx').on(t.to)],
);

/**
 * Transactional outbox: a notice is written in the same transaction as the
 * change it tells about, then delivered by a worker. `dedupeKey` makes writing
 * it twice impossible; the id doubles as the e-mail Message-ID, so a resend
 * after a crash between "sent" and "marked sent" is recognisable as the same
 * message.
 */
export const notificationOutbox = pgTable(
  'notification_outbox',
  {
    id: text('id').primaryKey(),
    dedupeKey: text('dedupe_key').notNull(),
    personId: text('person_id').notNull(),
    channel: text('channel', { enum: NOTIFICATION_CHANNELS }).notNull(),
    /** For PUSH: the device's subscription id. */
    pushDeviceId: text('push_device_id'),
    subject: text('subject').notNull(),
    /** May hold `{secret}`: replaced by `secret` at send time only. */
    body: text('body').notNull(),
    /**
     * A secret the notice carries (a pickup code). Put into the text only when
     * sending and set to null once the notice is sent or dropped, so no
     * plaintext code stays at rest after delivery.
     */
    secret: text('secret'),
    /** Deep link opened from the notice. */
    url: text('url'),
    status: text('status', { enum: NOTIFICATION_STATUSES }).notNull().default('PENDING'),
    attempts: integer('attempts').notNull().default(0),
    notBefore: timestamp('not_before', TIMESTAMP).notNull(),
    claimedUntil: timestamp('claimed_until', TIMESTAMP),
    sentAt: timestamp('sent_at', TIMESTAMP),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', TIMESTAMP).notNull(),
  },
  (t) => [
    uniqueIndex('notification_outbox_dedupe_uq').on(t.dedupeKey),
    index('notification_outbox_due_idx').on(t.status, t.notBefore),
  ],
);

export const pushDevices = pgTable(
  'push_devices',
  {
    id: text('id').primaryKey(),
    personId: text('person_id').notNull(),
    endpoint: text('endpoint').notNull(),
    p256dh: text('p256dh').notNull(),
    auth: text('auth').notNull(),
    label: text('label').notNull(),
    createdAt: timestamp('created_at', TIMESTAMP).notNull(),
  },
  (t) => [uniqueIndex('push_devices_endpoint_uq').on(t.endpoint), index('push_devices_person_idx').on(t.personId)],
);

export const notificationSettings = pgTable('notification_settings', {
  personId: text('person_id').primaryKey(),
  emailEnabled: boolean('email_enabled').notNull().default(true),
  pushEnabled: boolean('push_enabled').notNull().default(true),
  quietHoursStart: text('quiet_hours_start'),
  quietHoursEnd: text('quiet_hours_end'),
});
