/**
 * Wires the domains together: one instance of each service per server, built
 * from the two adapters (Db, Bus) and the config.
 */
import type { Agent as HttpsAgent } from 'node:https';
import { eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import type { Bus } from './bus/index.js';
import { RevocationCloseCode } from './bus/revocations.js';
import type { Config } from './config/index.js';
import type { Db } from './db/index.js';
import { createControllerStore } from './devices/controllers.js';
import { deviceLimits, readServerVersion } from './devices/handshake.js';
import { createDeviceService } from './devices/service.js';
import { createCommandStore } from './devices/store.js';
import { createLockerService } from './lockers/service.js';
import { createLockerStore } from './lockers/store.js';
import { createDevOutboxMailer, createSmtpMailer, type Mailer } from './notify/mailer.js';
import { createPeopleService } from './people/service.js';
import { createAuditService } from './audit/service.js';
import { createAttemptService, describeLockout } from './attempts/service.js';
import { createKioskService } from './devices/kiosks.js';
import { createSocketRegistry } from './graphql/sockets.js';
import { createMetrics } from './metrics/index.js';
import { createNotifyService } from './notify/service.js';
import { createNotifyStore } from './notify/store.js';
import { loadVapidKeys } from './notify/vapid.js';
import { createPickupSigner } from './handover/credentials.js';
import { openPickupKeyStore } from './handover/signing-keys.js';
import { createParcelService } from './parcels/service.js';
import { createParcelStore } from './parcels/store.js';
import { createHandoverStore } from './handover/store.js';
import { createCodeRedeemer } from './handover/redeem.js';
import { createPickupGate } from './handover/pickup-gate.js';
import { createAssetService } from './assets/service.js';
import { createAssetStore } from './assets/store.js';
import { createHandoutService, type LoanCalendar } from './handouts/service.js';
import { createQueueService } from './handouts/queue.js';
import { createCampaignService } from './handouts/campaigns.js';
import { createHandoutStore } from './handouts/store.js';
import { createLoanPolicyService } from './assets/policy-service.js';
import { createPeopleStore } from './people/store.js';
import { createCalendarService } from './handouts/calendar.js';
import { createCalendarStore } from './handouts/calendar-store.js';
import { createFaultService } from './handouts/faults.js';
import { createReminderService } from './handouts/reminders.js';
import { createOutboundStore } from './outbound/store.js';
import type { Clock } from './shared/clock.js';
import { instanceIdOf } from './shared/instance.js';
import type { BankLeases } from './cluster/leases.js';
import type { Logger } from './shared/logger.js';

export interface ServiceDeps {
  db: Db;
  bus: Bus;
  config: Config;
  clock: Clock;
  logger: Logger;
  /** HTTPS agent for web push requests (tests trust a local push service with it). */
  pushAgent?: HttpsAgent;
  /** Bank leases (cluster/index.ts: in Redis in cluster mode). Default: in this process. */
  leases?: BankLeases;
}

/** The configured secret, or one generated on first start and kept in the database. */
export async function serverSecret(db: Db, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  const { serverSettings } = db.tables;
  const read = async () =>
    (await db.read.select().from(serverSettings).where(eq(serverSettings.key, 'secret_key')).limit(1))[0]?.value;
  const existing = await read();
  if (existing) return existing;
  const value = randomBytes(32).toString('base64url');
  // Several instances may start at once: the first insert wins and every one reads it back.
  await db.transaction(async (tx) => {
    await tx.insert(serverSettings).values({ key: 'secret_key', value }).onConflictDoNothing();
  });
  return (await read()) ?? value;
}

export async function createServices({ db, bus, config, clock, logger, pushAgent, leases }: ServiceDeps) {
  const mailer: Mailer = config.SMTP_URL
    ? createSmtpMailer(config.SMTP_URL, config.MAIL_FROM)
    : createDevOutboxMailer(db, clock, logger.child({ domain: 'notify' }), {
        // Subjects carry sign-in codes: on a developer's machine only.
        logSubjects: config.NODE_ENV === 'development',
      });
  const secret = await serverSecret(db, config.SECRET_KEY);
  const metrics = createMetrics({ instanceId: instanceIdOf(config) });
  // Lockouts become staff alerts; `audit` and `lockers` are made below and only used once attempts run.
  const attempts = createAttemptService({
    db,
    clock,
    onLockout: async (l) => {
      const bankName = l.bankId ? (await lockers.store.getBank(l.bankId))?.name : undefined;
      await audit.raise({ kind: 'LOCKOUT', bankId: l.bankId, message: describeLockout(l, bankName, clock.now()) });
    },
  });
  const people = createPeopleService({
    db,
    bus,
    clock,
    logger: logger.child({ domain: 'people' }),
    mailer,
    secret,
    sessionTtlMs: config.SESSION_TTL_HOURS * 3_600_000,
    attempts,
    apiTokenTtlMs: config.API_TOKEN_TTL_DAYS * 24 * 3_600_000,
  });
  const lockers = createLockerService({ db, store: createLockerStore(db), bus, clock });
  // One store of what controllers said about themselves: the handshake writes it, the journal reads the clock.
  const controllers = createControllerStore(db);
  const devices = createDeviceService({
    lockers,
    commands: createCommandStore(db),
    controllers,
    bus,
    clock,
    logger: logger.child({ domain: 'devices' }),
    offlineGraceMs: config.DEVICE_OFFLINE_GRACE_MS,
    batchLimit: config.DEVICE_BATCH_LIMIT,
    openCommandTtlMs: config.OPEN_COMMAND_TTL_MS,
    limits: deviceLimits(config),
    serverVersion: readServerVersion(),
    clockToleranceMs: config.DEVICE_CLOCK_TOLERANCE_SECONDS * 1000,
    // With keep-alive off (0), still at most once a second.
    lastSeenIntervalMs: Math.max(config.WS_KEEPALIVE_MS, 1_000),
    // `audit` is made below and only used once controllers connect.
    raiseAlert: (alert) => audit.raise(alert),
    onCommandAcknowledged: (command) => metrics.commandAcknowledged(command),
    ...(leases ? { leases } : {}),
    instanceId: instanceIdOf(config),
    personName: async (personId) => (await people.findById(personId))?.name ?? null,
    journal: {
      eventMaxBytes: config.DEVICE_EVENT_MAX_BYTES,
      clockToleranceMs: config.DEVICE_CLOCK_TOLERANCE_SECONDS * 1000,
      clockMaxAheadMs: config.DEVICE_CLOCK_MAX_AHEAD_SECONDS * 1000,
      eventMaxAgeMs: config.DEVICE_EVENT_MAX_AGE_HOURS * 3_600_000,
      clockOf: (bankId) => controllers.clockOf(bankId),
    },
  });
  const kiosks = createKioskService({
    db,
    clock,
    bus,
    attempts,
    ttlMs: config.KIOSK_CREDENTIAL_TTL_DAYS * 24 * 3_600_000,
  });
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
    people: createPeopleStore(db),
    mailer,
    vapid: await loadVapidKeys(db),
    vapidSubject: config.VAPID_SUBJECT,
    leaseMs: config.NOTIFY_LEASE_MS,
    allowPrivatePushHosts: config.PUSH_ALLOW_PRIVATE_HOSTS,
    clock,
    logger: logger.child({ domain: 'notify' }),
    ...(pushAgent ? { pushAgent } : {}),
    devOutbox: config.DEV_OUTBOX,
  });
  const pickupKeys = await openPickupKeyStore({ config, db, clock, logger: logger.child({ domain: 'parcels' }) });
  const signer = createPickupSigner(pickupKeys, clock);
  const parcels = createParcelService({
    db,
    store: createParcelStore(db, createHandoverStore(db)),
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
    deskLocation: config.MAILROOM_DESK_LOCATION ?? null,
  });
  // One redeem path for codes typed at a locker, whatever they open (handover/redeem.ts).
  const redeemer = createCodeRedeemer({ gate: createPickupGate({ attempts, devices }), secret });
  redeemer.addHolder(parcels.codeHolder);
  const assetStore = createAssetStore(db);
  // Issue 9: site calendars, the overdue ladder and fault lists share one store.
  const calendarStore = createCalendarStore(db);
  const reminders = createReminderService({
    db,
    store: calendarStore,
    notify,
    outbound: createOutboundStore(db),
    policies: () => assetStore.policies(),
    clock,
    logger: logger.child({ domain: 'loans' }),
    publicWebUrl: config.PUBLIC_WEB_URL,
  });
  const calendar = createCalendarService({ db, store: calendarStore, lockers: lockers.store, clock });
  const faults = createFaultService({ db, store: calendarStore, clock });
  const loanCalendar: LoanCalendar = {
    dueAt: async (siteId, start, hours, dueBy) =>
      (await calendar.dueAt(siteId, start, hours, dueBy)) ?? new Date(start.getTime() + hours * 3_600_000),
    isOpen: (siteId, at) => calendar.isOpen(siteId, at),
  };
  const handouts = createHandoutService({
    db,
    store: createHandoutStore(db),
    assets: assetStore,
    handover: createHandoverStore(db),
    bus,
    clock,
    logger: logger.child({ domain: 'handouts' }),
    secret,
    lockers,
    devices,
    notify,
    audit,
    people,
    attempts,
    calendar: loanCalendar,
    faults,
    openCommandTtlMs: config.OPEN_COMMAND_TTL_MS,
    publicWebUrl: config.PUBLIC_WEB_URL,
    chargingCategories: config.CHARGING_CATEGORIES,
  });
  redeemer.addHolder(handouts.codeHolder);
  const campaigns = createCampaignService({
    db,
    clock,
    handouts,
    assets: assetStore,
    lockers: lockers.store,
    people,
    chargingCategories: config.CHARGING_CATEGORIES,
  });
  const queue = createQueueService({
    db,
    clock,
    logger: logger.child({ domain: 'handouts' }),
    handouts,
    lockers: lockers.store,
    people,
    calendar: loanCalendar,
  });
  devices.addEventHook(parcels.onControllerEvent);
  devices.addEventHook(handouts.onControllerEvent);
  // A compartment holding a parcel or a handout's item is booked (the sensor rule leaves it IN_USE).
  lockers.setBookingCheck(
    async (compartmentId) =>
      !!(await parcels.store.activeInCompartment(db.read, compartmentId)) ||
      !!(await handouts.store.liveInCompartment(db.read, compartmentId)),
  );
  devices.setEventPreparer((events) => parcels.prepareControllerEvents(events));
  devices.setAckExtension((bank) => parcels.controllerAck(bank));
  devices.onControllerEvents(async (bankId, events, context) => {
    const bank = await lockers.store.getBank(bankId);
    await audit.onControllerEvents(bankId, bank?.name ?? bankId, events, context);
  });
  const sockets = createSocketRegistry({ bus, logger: logger.child({ domain: 'ws' }) });
  // Read when /metrics is scraped; app.ts adds the WebSocket server's own count.
  metrics.observe({
    socketsByKind: () => sockets.countByKind(),
    outboxDepth: async () => ({
      pending: await notify.store.countByStatus('PENDING'),
      sending: await notify.store.countByStatus('SENDING'),
    }),
  });
  // Controllers learn the pickup keys from connection_ack only: after a rotation, ask them to reconnect.
  // This instance's sockets only: each instance reloads its own keys.
  pickupKeys.onChange(() =>
    sockets.closeMatching({ kind: 'device' }, RevocationCloseCode.Reconnect, 'Pickup keys rotated: reconnect'),
  );
  /** A bearer token as a viewer: a person's session or API token, or a kiosk's credential. */
  const authenticate = async (token: string | null) =>
    (await people.authenticate(token)) ?? (await kiosks.authenticate(token));
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
    redeemer,
    handouts,
    queue,
    campaigns,
    assets: createAssetService({ db, store: assetStore, clock }),
    loanPolicies: createLoanPolicyService({ db, store: assetStore, lockers: lockers.store, clock }),
    calendar,
    reminders,
    faults,
    attempts,
    pickupKeys,
    signer,
    mailer,
    sockets,
    metrics,
    authenticate,
  };
}
export type Services = Awaited<ReturnType<typeof createServices>>;
