/**
 * The database the configuration names: PostgreSQL when DATABASE_URL is set
 * (scale-out: several instances share it), else the SQLite file
 * DATABASE_FILE (the embedded default). The server and the CLIs open it here.
 */
import type { Config } from '../config/index.js';
import { describeDatabase, openSqliteDb, type Db } from './index.js';
import { openPostgresDb } from './postgres.js';

/** Where the start-up line goes: the server's logger, or stderr for the CLIs. */
export interface StartupLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export async function openConfiguredDb(
  config: Pick<Config, 'DATABASE_URL' | 'DATABASE_FILE' | 'DATABASE_POOL_SIZE'>,
  logger: StartupLog,
): Promise<Db> {
  if (!config.DATABASE_URL) {
    const db = openSqliteDb(config.DATABASE_FILE);
    const { warn, message } = describeDatabase(db);
    logger[warn ? 'warn' : 'info']({ databaseFile: db.file, created: db.created }, message);
    return db;
  }
  const db = await openPostgresDb(config.DATABASE_URL, { maxConnections: config.DATABASE_POOL_SIZE });
  logger.info({ database: db.where }, `database: PostgreSQL at ${db.where}`);
  return db;
}
