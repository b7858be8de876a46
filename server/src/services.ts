/**
 * Wires the domains together: one instance of each service per server, built
 * from the two adapters (Db, Bus) and the config.
 */
import type { Agent as HttpsAgent } from 'node:https';
import { eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import type { Bus } from './bus/index.js';
import type { Config } from './config/index.js';
import { tables, type Db } from './db/index.js';
import { createDeviceService } from './devices/service.js';
import { createCommandStore } from './devices/store.js';
import { createLockerService } from './lockers/service.js';
import { createLockerStore } from './lockers/store.js';
import { createDevOutboxMailer, createSmtpMailer, type Mailer } from './notify/mailer.js';
import { createPeopleService } from './people/service.js';
import { createAuditService } from './audit/service.js';
import { createAttemptService, describeLockout } from './attempts/service.js';
import { createKioskService } from './devices/kiosks.js';
import { createNotifyService } from './notify/service.js';
import { createNotifyStore } from './notify/store.js';
import { loadVapidKeys } from './notify/vapid.js';
import { loadPickupSigner } from './parcels/credentials.js';
import { createParcelService } from './parcels/service.js';
import { createParcelStore } from './parcels/store.js';
import { createPeopleStore } from './people/store.js';
import type { Clock } from './shared/clock.js';
import type { Logger } from './shared/logger.js';

export interface ServiceDeps {
  db: Db;
  bus: Bus;
  config: Config;
  clock: Clock;
  logger: Logger;
  /** HTTPS agent for web push requests (tests trust a local push service with it). */
  pushAgent?: HttpsAgent;
}

/** The configured secret, or one generated on first start and kept in the database. */
export function serverSecret(db: Db, configured: string | undefined): string {
  if (configured) return configured;
  const { serverSettings } = tables;
  const existing = db.orm.select().from(serverSettings).where(eq(serverSettings.key, 'secret_key')).get();
  if (existing) return existing.value;
  const value = randomBytes(32).toString('base64url');
  db.orm.insert(serverSettings).values({ key: 'secret_key', value }).onConflictDoNothing().run();
  return db.orm.select().from(serverSettings).where(eq(serverSettings.key, 'secret_key')).get()?.value ?? value;
}

export async function createServices({ db, bus, config, clock, logger, pushAgent }: ServiceDeps) {
  const mailer: Mailer = config.SMTP_URL
    ? createSmtpMailer(config.SMTP_URL, config.MAIL_FROM)
    : createDevOutboxMailer(db, clock, logger.child({ domain: 'notify' }), {
        logSubjects: config.NODE_ENV !== 'production',
      });
  const secret = serverSecret(db, config.SECRET_KEY);
  const people = createPeopleService({
    db,
    clock,
    logger: logger.child({ domain: 'people' }),
    mailer,
    secret,
    sessionTtlMs: config.SESSION_TTL_HOURS * 3_600_000,
  });
  const lockers = createLockerService({ db, store: createLockerStore(db), bus, clock });
  const devices = createDeviceService({
    lockers,
    commands: createCommandStore(db),
    bus,
    clock,
    logger: logger.child({ domain: 'devices' }),
    offlineGraceMs: config.DEVICE_OFFLINE_GRACE_MS,
    batchLimit: config.DEVICE_BATCH_LIMIT,
    openCommandTtlMs: config.OPEN_COMMAND_TTL_MS,
  });
  const kiosks = createKioskService(db, clock);
  const audit = createAuditService({
    db,
    bus,
    clock,
    logger: logger.child({ domain: 'audit' }),
    doorLeftOpenMs: config.DOOR_LEFT_OPEN_SECONDS * 1000,
  });
  const notify = createNotifyService({
    db,
    store: createNotifyStore(db),
    people: createPeopleStore(db.orm),
    mailer,
    vapid: loadVapidKeys(db),
    vapidSubject: config.VAPID_SUBJECT,
    leaseMs: config.NOTIFY_LEASE_MS,
    allowPrivatePushHosts: config.PUSH_ALLOW_PRIVATE_HOSTS,
    clock,
    logger: logger.child({ domain: 'notify' }),
    ...(pushAgent ? { pushAgent } : {}),
  });
  const attempts = createAttemptService({
    db,
    clock,
    onLockout: (l) =>
      audit.raise({
        kind: 'LOCKOUT',
        bankId: l.bankId,
        message: describeLockout(l, l.bankId ? lockers.store.getBank(l.bankId)?.name : undefined, clock.now()),
      }),
  });
  const signer = await loadPickupSigner(db);
  const parcels = createParcelService({
    db,
    store: createParcelStore(db),
    bus,
    clock,
    logger: logger.child({ domain: 'parcels' }),
    secret,
    signer,
    lockers,
    devices,
    notify,
    audit,
    people,
    attempts,
    openCommandTtlMs: config.OPEN_COMMAND_TTL_MS,
    publicWebUrl: config.PUBLIC_WEB_URL,
  });
  devices.addEventHook(parcels.onControllerEvent);
  lockers.setBookingCheck((compartmentId) => !!parcels.store.activeInCompartment(db.orm, compartmentId));
  devices.setEventPreparer((events) => parcels.prepareControllerEvents(events));
  devices.onControllerEvents((bankId, events) => {
    const bank = lockers.store.getBank(bankId);
    audit.onControllerEvents(bankId, bank?.name ?? bankId, events);
  });
  /** A bearer token as a viewer: a person's session or API token, or a kiosk's credential. */
  const authenticate = (token: string | null) => people.authenticate(token) ?? kiosks.authenticate(token);
  return {
    db,
    bus,
    config,
    clock,
    people,
    lockers,
    devices,
    kiosks,
    audit,
    notify,
    parcels,
    attempts,
    signer,
    mailer,
    authenticate,
  };
}
export type Services = Awaited<ReturnType<typeof createServices>>;
