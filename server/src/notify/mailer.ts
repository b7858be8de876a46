/**
 * Sending e-mail. With SMTP_URL configured mail goes out through nodemailer;
 * without it, every message is kept in the dev outbox, so a demo or a
 * development machine works with no mail server. Production refuses to start
 * without SMTP_URL (config), so mail is never quietly kept instead of sent.
 *
 * Mail carries sign-in and pickup codes: only in development does the log
 * line name the subject; elsewhere it says that a message was kept, not what
 * it says.
 */
import { desc, eq } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import type { Db } from '../db/index.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import type { DevOutboxRow, MailMessage } from './types.js';

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

export function createSmtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(message) {
      const { messageId, ...rest } = message;
      await transport.sendMail({ from, ...rest, ...(messageId ? { messageId: `<${messageId}@baylight>` } : {}) });
    },
  };
}

/**
 * Subjects carry sign-in and pickup codes: logged in development (the demo's
 * terminal is how a newcomer reads their sign-in code), never in production.
 */
export function createDevOutboxMailer(
  db: Db,
  clock: Clock,
  logger: Logger,
  opts: { logSubjects: boolean } = { logSubjects: false },
): Mailer {
  return {
    async send(message) {
      const { devOutbox } = db.tables;
      await db.transaction(async (tx) => {
        await tx
          .insert(devOutbox)
          .values({ to: message.to, subject: message.subject, text: message.text, createdAt: clock.now() });
      });
      if (opts.logSubjects) logger.info({ to: message.to, subject: message.subject }, `dev outbox: ${message.subject}`);
      else logger.warn({ to: message.to }, 'no SMTP_URL: mail kept in the dev outbox, not sent');
    },
  };
}

export async function listDevOutbox(db: Db, to: string | null, limit: number): Promise<DevOutboxRow[]> {
  const { devOutbox } = db.tables;
  const q = db.read.select().from(devOutbox);
  return await (to ? q.where(eq(devOutbox.to, to.trim().toLowerCase())) : q)
    .orderBy(desc(devOutbox.id))
    .limit(Math.min(Math.max(limit, 1), 100));
}
