/** A real SMTP server (smtp-server) on a free port that keeps every message it accepts. */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { track } from './disposables.js';

export interface ReceivedMail {
  to: string[];
  subject: string;
  messageId: string;
  raw: string;
}

export async function startSmtpServer(opts: { acceptDelayMs?: number; dispose?: boolean } = {}) {
  const received: ReceivedMail[] = [];
  const gone = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // Like a real MTA, a message counts as delivered only if the client is
    // still there to be told "250 OK"; a sender killed mid-transaction has
    // not delivered it (and will send it again).
    onClose(session) {
      gone.add(session.id);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(raw)?.[1]?.trim() ?? '';
        const accept = () => {
          if (gone.has(session.id)) return callback();
          received.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: header('Subject'),
            messageId: header('Message-ID'),
            raw,
          });
          callback();
        };
        if (opts.acceptDelayMs) setTimeout(accept, opts.acceptDelayMs);
        else accept();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  const close = () => new Promise<void>((r) => server.close(() => r()));
  if (opts.dispose !== false) track(server, close);
  return { url: `smtp://127.0.0.1:${port}`, received, close };
}
