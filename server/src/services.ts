/**
 * Wires the domains together: one instance of each service per server, built
 * from the two adapters (Db, Bus) and the config.
 */
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
import type { Clock } from './shared/clock.js';
import type { Logger } from './shared/logger.js';

export interface ServiceDeps {
  db: Db;
  bus: Bus;
  config: Config;
  clock: Clock;
  logger: Logger;
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

export function createServices({ db, bus, config, clock, logger }: ServiceDeps) {
  const mailer: Mailer = config.SMTP_URL
    ? createSmtpMailer(config.SMTP_URL, config.MAIL_FROM)
    : createDevOutboxMailer(db, clock, logger.child({ domain: 'notify' }));
  const people = createPeopleService({
    db,
    clock,
    logger: logger.child({ domain: 'people' }),
    mailer,
    secret: serverSecret(db, config.SECRET_KEY),
    sessionTtlMs: config.SESSION_TTL_HOURS * 3_600_000,
  });
  const lockers = createLockerService({ store: createLockerStore(db), bus, clock });
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
  return { db, bus, config, people, lockers, devices, mailer };
}
export type Services = ReturnType<typeof createServices>;
