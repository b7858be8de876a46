import type { devOutbox } from '../../../drizzle/schema/index.js';

export type DevOutboxRow = typeof devOutbox.$inferSelect;

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}
