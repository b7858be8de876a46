import type {
  devOutbox,
  notificationOutbox,
  notificationSettings,
  pushDevices,
} from '../../../drizzle/schema/index.js';

export type DevOutboxRow = typeof devOutbox.$inferSelect;

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** Stable id (the outbox row's), so a resend after a crash is recognisably the same message. */
  messageId?: string;
}

export type OutboxRow = typeof notificationOutbox.$inferSelect;
export type PushDeviceRow = typeof pushDevices.$inferSelect;
export type NotificationSettingsRow = typeof notificationSettings.$inferSelect;

export type NotificationSettingsView = NotificationSettingsRow & { devices: PushDeviceRow[] };
