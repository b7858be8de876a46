/**
 * Notices to people: e-mail and web push through a transactional outbox.
 *
 * Callers write notices with `enqueue` inside the transaction that makes the
 * change they tell about, so a crash never loses one (it is committed with the
 * change) and a retried change never duplicates one (dedupe key). A worker
 * claims due notices with a lease and delivers them; a notice whose sender died
 * mid-way is claimed again after the lease. E-mail carries the notice id as its
 * Message-ID, so the one case a resend can happen (crash between the SMTP
 * server's "250 OK" and the database write) is recognisable downstream.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Agent as HttpsAgent } from 'node:https';
import webpush from 'web-push';
import type { Db, Queryable } from '../db/index.js';
import { authorize } from '../access/authorize.js';
import type { PeopleStore } from '../people/store.js';
import type { Viewer } from '../people/types.js';
import type { Clock } from '../shared/clock.js';
import { badInput, forbidden, notFound } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import { listDevOutbox, type Mailer } from './mailer.js';
import { checkPushEndpoint } from './push-endpoint.js';
import { afterQuietHours, isHhmm } from './quiet-hours.js';
import type { NotifyStore } from './store.js';
import type { OutboxRow } from './types.js';
import type { VapidKeys } from './vapid.js';

export const MAX_ATTEMPTS = 8;

export interface Notice {
  personId: string;
  /** Same key, same notice: enqueueing it again does nothing. */
  dedupeKey: string;
  subject: string;
  /** May hold `{secret}`, replaced by `secret` only when the notice is sent. */
  body: string;
  /**
   * A secret the notice carries (a pickup code). Kept apart from the text and
   * deleted once the notice is sent or given up, so no code stays at rest.
   */
  secret?: string | null;
  url?: string | null;
  /** Time zone for quiet hours. */
  timeZone: string;
  /** Urgent notices (e.g. sign-in codes) ignore quiet hours. */
  urgent?: boolean;
}

/**
 * A notice to an e-mail address that is no person's (a department's contact):
 * e-mail only, no quiet hours (there are no settings to read them from).
 */
export interface AddressNotice {
  to: string;
  dedupeKey: string;
  subject: string;
  body: string;
  url?: string | null;
}

/**
 * An address notice keeps its address where a person's notice keeps the
 * person's id (the outbox has no column of its own for it): `mailto:` and the
 * address. No person id starts so (ids are `<prefix>_<uuid>`).
 */
const ADDRESS_RECIPIENT = 'mailto:';
export const addressRecipient = (email: string) => `${ADDRESS_RECIPIENT}${email.trim().toLowerCase()}`;
const addressOf = (recipient: string) =>
  recipient.startsWith(ADDRESS_RECIPIENT) ? recipient.slice(ADDRESS_RECIPIENT.length) : null;

export interface NotifyServiceDeps {
  db: Db;
  store: NotifyStore;
  people: PeopleStore;
  mailer: Mailer;
  vapid: VapidKeys;
  vapidSubject: string;
  clock: Clock;
  logger: Logger;
  /** How long a claimed notice is reserved before another sender may take it (after a crash). */
  leaseMs: number;
  /** Agent for push requests (tests use a local HTTPS push service). */
  pushAgent?: HttpsAgent;
  /** DEV_OUTBOX: unsent mail may be read over the API (by admins). */
  devOutbox?: boolean;
  /** PUSH_ALLOW_PRIVATE_HOSTS: push endpoints on loopback or private addresses (tests only). */
  allowPrivatePushHosts?: boolean;
}

/** The placeholder a notice's text carries for its secret. */
export const SECRET_PLACEHOLDER = '{secret}';

/** The text as sent: the secret put in (a notice whose secret is gone points to the app instead). */
const withSecret = (text: string, secret: string | null) =>
  text.replaceAll(SECRET_PLACEHOLDER, secret ?? '(see the Baylight app)');

export function createNotifyService(deps: NotifyServiceDeps) {
  const { db, store, people, clock, logger } = deps;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;
  const endpointCheck = { allowPrivateHosts: deps.allowPrivatePushHosts ?? false };
  // The worker runs in the context the service was made in, never in a caller's transaction
  // (kick() may be called from code that still holds one): each claim, send and mark stands alone.
  const detached = AsyncLocalStorage.snapshot();

  async function deliver(n: OutboxRow): Promise<void> {
    if (n.channel === 'EMAIL') {
      const to = addressOf(n.personId) ?? (await people.findById(n.personId))?.email;
      if (!to) {
        await store.markFinal(n.id, 'DROPPED', 'person no longer exists');
        return;
      }
      await deps.mailer.send({
        to,
        subject: withSecret(n.subject, n.secret),
        text: `${withSecret(n.body, n.secret)}${n.url ? `\n\n${n.url}` : ''}`,
        messageId: n.id,
      });
      await store.markSent(n.id, clock.now());
      return;
    }
    const device = n.pushDeviceId ? await store.getPushDevice(n.pushDeviceId) : undefined;
    if (!device) {
      await store.markFinal(n.id, 'DROPPED', 'push device removed');
      return;
    }
    // Checked again now: the name may resolve elsewhere than at registration (DNS rebinding).
    const endpoint = await checkPushEndpoint(device.endpoint, endpointCheck);
    if (!endpoint.ok) {
      await store.markFinal(n.id, 'DROPPED', `push endpoint refused: ${endpoint.reason}`);
      logger.warn({ deviceId: device.id, reason: endpoint.reason }, 'push endpoint refused at send time; not sent');
      return;
    }
    try {
      await webpush.sendNotification(
        { endpoint: device.endpoint, keys: { p256dh: device.p256dh, auth: device.auth } },
        JSON.stringify({
          title: withSecret(n.subject, n.secret),
          body: withSecret(n.body, n.secret),
          url: n.url,
          tag: n.dedupeKey,
        }),
        {
          vapidDetails: {
            subject: deps.vapidSubject,
            publicKey: deps.vapid.publicKey,
            privateKey: deps.vapid.privateKey,
          },
          TTL: 24 * 3600,
          urgency: 'high',
          ...(deps.pushAgent ? { agent: deps.pushAgent } : {}),
        },
      );
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      if (status === 404 || status === 410) {
        // The subscription is gone for good (RFC 8030 §7.3): forget the device.
        await store.deletePushDevice(device.id);
        await store.markFinal(n.id, 'DROPPED', `push endpoint answered ${status}`);
        logger.info({ deviceId: device.id, status }, 'push subscription expired; device removed');
        return;
      }
      throw err;
    }
    await store.markSent(n.id, clock.now());
  }

  async function drain(): Promise<void> {
    for (;;) {
      // Claimed in one transaction, sent outside it, each marked in one of its own.
      const batch = await store.claimDue(clock.now(), deps.leaseMs, 20);
      if (!batch.length || stopped) return;
      for (const n of batch) {
        try {
          await deliver(n);
        } catch (err) {
          const attempts = n.attempts + 1;
          const message = err instanceof Error ? err.message : String(err);
          if (attempts >= MAX_ATTEMPTS) {
            await store.markFinal(n.id, 'FAILED', message);
            logger.error({ notice: n.id, err }, 'notice failed for good');
          } else {
            const backoff = Math.min(2 ** attempts * 1_000, 3_600_000);
            await store.markRetry(n.id, attempts, new Date(clock.now().getTime() + backoff), message);
            logger.warn({ notice: n.id, attempts, err: message }, 'notice delivery failed; will retry');
          }
        }
      }
    }
  }

  return {
    store,
    vapidPublicKey: deps.vapid.publicKey,

    /** Writes notices for every channel the person has on; call inside the change's transaction. */
    async enqueue(tx: Queryable, notice: Notice): Promise<void> {
      const settings = await store.settings(tx, notice.personId);
      const now = clock.now();
      const notBefore = notice.urgent
        ? now
        : afterQuietHours(now, settings.quietHoursStart, settings.quietHoursEnd, notice.timeZone);
      const base = {
        personId: notice.personId,
        subject: notice.subject,
        body: notice.body,
        secret: notice.secret ?? null,
        url: notice.url ?? null,
        notBefore,
        createdAt: now,
      };
      const rows = [];
      if (settings.emailEnabled)
        rows.push({ ...base, id: newId('ntf'), channel: 'EMAIL' as const, dedupeKey: `${notice.dedupeKey}:email` });
      if (settings.pushEnabled) {
        for (const d of await store.pushDevices(tx, notice.personId)) {
          rows.push({
            ...base,
            id: newId('ntf'),
            channel: 'PUSH' as const,
            pushDeviceId: d.id,
            dedupeKey: `${notice.dedupeKey}:push:${d.id}`,
          });
        }
      }
      await store.enqueue(tx, rows);
    },

    /** Writes an e-mail to an address that is no person's (see AddressNotice); call inside the change's transaction. */
    async enqueueToAddress(tx: Queryable, notice: AddressNotice): Promise<void> {
      const now = clock.now();
      await store.enqueue(tx, [
        {
          id: newId('ntf'),
          personId: addressRecipient(notice.to),
          channel: 'EMAIL',
          dedupeKey: `${notice.dedupeKey}:email`,
          subject: notice.subject,
          body: notice.body,
          secret: null,
          url: notice.url ?? null,
          notBefore: now,
          createdAt: now,
        },
      ]);
    },

    /**
     * When the notice with this dedupe key was written for the person (on any
     * channel they have now), or null if it was not: lets a caller keep what
     * it sent in the outbox instead of a table of its own.
     */
    async enqueuedAt(q: Queryable, personId: string, dedupeKey: string): Promise<Date | null> {
      const devices = await store.pushDevices(q, personId);
      return store.firstCreatedAt(q, [`${dedupeKey}:email`, ...devices.map((d) => `${dedupeKey}:push:${d.id}`)]);
    },

    /** Asks the worker to look for due notices now (after a commit that enqueued some). */
    kick() {
      if (stopped) return;
      running ??= detached(drain)
        .catch((err: unknown) => logger.error({ err }, 'outbox worker failed'))
        .finally(() => {
          running = null;
        });
    },

    start(intervalMs = 1_000) {
      stopped = false;
      timer = setInterval(() => this.kick(), intervalMs);
      timer.unref();
      this.kick();
    },

    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
    },

    /** Mail the server would have sent (development and demo only): every address's, so admins only. */
    async devOutbox(viewer: Viewer | null, to: string | null, limit: number) {
      authorize(viewer, 'Query.devOutbox');
      if (!deps.devOutbox) throw forbidden('The dev outbox is off (DEV_OUTBOX=false).');
      return listDevOutbox(db, to, limit);
    },

    async settings(viewer: Viewer | null) {
      const v = authorize(viewer, 'Query.myNotificationSettings');
      const [settings, devices] = [
        await store.settings(db.read, v.personId),
        await store.pushDevices(db.read, v.personId),
      ];
      return { ...settings, devices };
    },

    async updateSettings(
      viewer: Viewer | null,
      input: {
        emailEnabled?: boolean | null;
        pushEnabled?: boolean | null;
        quietHoursStart?: string | null;
        quietHoursEnd?: string | null;
      },
    ) {
      const v = authorize(viewer, 'Mutation.updateMyPreferences');
      for (const field of ['quietHoursStart', 'quietHoursEnd'] as const) {
        const value = input[field];
        if (value && !isHhmm(value)) throw badInput(`${field} must be HH:MM, e.g. 22:00.`, { field });
      }
      // Read and written in one transaction: a concurrent change of another field is not undone.
      return db.transaction(async (tx) => {
        const current = await store.settings(tx, v.personId);
        const next = {
          ...current,
          ...(input.emailEnabled != null ? { emailEnabled: input.emailEnabled } : {}),
          ...(input.pushEnabled != null ? { pushEnabled: input.pushEnabled } : {}),
          ...(input.quietHoursStart !== undefined ? { quietHoursStart: input.quietHoursStart || null } : {}),
          ...(input.quietHoursEnd !== undefined ? { quietHoursEnd: input.quietHoursEnd || null } : {}),
        };
        await store.saveSettings(next, tx);
        return next;
      });
    },

    async registerPushDevice(
      viewer: Viewer | null,
      input: { endpoint: string; p256dh: string; auth: string; label?: string | null },
    ) {
      const v = authorize(viewer, 'Mutation.registerPushSubscription');
      if (input.endpoint.length > 2048) throw badInput('endpoint is too long.', { field: 'endpoint' });
      const endpoint = await checkPushEndpoint(input.endpoint, endpointCheck);
      if (!endpoint.ok) throw badInput(endpoint.reason, { field: 'endpoint' });
      if (!/^[A-Za-z0-9_-]{80,100}$/.test(input.p256dh))
        throw badInput('p256dh must be a base64url P-256 public key.', { field: 'p256dh' });
      if (!/^[A-Za-z0-9_-]{16,32}$/.test(input.auth))
        throw badInput('auth must be a base64url secret.', { field: 'auth' });
      return store.upsertPushDevice({
        id: newId('pdev'),
        personId: v.personId,
        endpoint: input.endpoint,
        p256dh: input.p256dh,
        auth: input.auth,
        label: (input.label ?? 'Browser').slice(0, 80),
        createdAt: clock.now(),
      });
    },

    async removePushDevice(viewer: Viewer | null, id: string) {
      const v = authorize(viewer, 'Mutation.removePushDevice');
      const device = await store.getPushDevice(id);
      if (!device || device.personId !== v.personId) throw notFound('Push device');
      await store.deletePushDevice(id);
      return true;
    },
  };
}
export type NotifyService = ReturnType<typeof createNotifyService>;
