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

/** A message whose data is in and whose "250 OK" is not yet sent. */
export interface InFlightMail {
  /** Settles once the sender's connection has closed. */
  closed: Promise<void>;
  /** Lets the server answer (the answer waits for this once the mail is handed out by `inFlight`). */
  release(): void;
}

export async function startSmtpServer(opts: { acceptDelayMs?: number; dispose?: boolean } = {}) {
  const received: ReceivedMail[] = [];
  const gone = new Set<string>();
  const closeWaiters = new Map<string, () => void>();
  /** Offered each message in flight (only with acceptDelayMs); true when one took it. */
  const inFlightListeners = new Set<(mail: InFlightMail) => boolean>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // Like a real MTA, a message counts as delivered only if the client is
    // still there to be told "250 OK"; a sender killed mid-transaction has
    // not delivered it (and will send it again).
    onClose(session) {
      gone.add(session.id);
      closeWaiters.get(session.id)?.();
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
        if (opts.acceptDelayMs) {
          const delay = opts.acceptDelayMs;
          let release!: () => void;
          const released = new Promise<void>((r) => (release = r));
          const closed = new Promise<void>((r) => closeWaiters.set(session.id, r));
          if (gone.has(session.id)) closeWaiters.get(session.id)!();
          const held = [...inFlightListeners].some((listener) => listener({ closed, release }));
          if (held) void released.then(() => setTimeout(accept, delay));
          else setTimeout(accept, delay);
        } else accept();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  const close = () => new Promise<void>((r) => server.close(() => r()));
  if (opts.dispose !== false) track(server, close);
  /**
   * The first message in flight (data in, not yet answered) while `when()`
   * holds. Its answer waits until `release()`: the moment to kill a sender
   * "mid-delivery" without landing between the server's "250 OK" and the
   * sender's note that it was sent (a killed process takes a while to close
   * its sockets on a busy machine).
   */
  const inFlight = (when: () => boolean = () => true) =>
    new Promise<InFlightMail>((resolve) => {
      const listener = (mail: InFlightMail) => {
        if (!when()) return false;
        inFlightListeners.delete(listener);
        resolve(mail);
        return true;
      };
      inFlightListeners.add(listener);
    });
  return { url: `smtp://127.0.0.1:${port}`, received, close, inFlight };
}
