/**
 * The `Db` port: the drizzle database and a transaction helper. The embedded
 * default is SQLite through better-sqlite3 (WAL); a PostgreSQL adapter can
 * implement the same port for universities that run several instances.
 *
 * better-sqlite3 transactions are synchronous: an async callback would commit
 * early or throw ("Transaction function cannot return a promise", drizzle
 * #2275). So `withTx` takes a synchronous function, stores keep their
 * transactions inside, and services publish events only after it returns.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as tables from '../../../drizzle/schema/index.js';

export type Tables = typeof tables;
export type Database_ = BetterSQLite3Database<Tables>;
/** What a store receives inside a transaction: the same query API. */
export type Tx = Parameters<Parameters<Database_['transaction']>[0]>[0];
export type Queryable = Database_ | Tx;

export interface Db {
  readonly orm: Database_;
  /** Runs `fn` in one transaction; it must be synchronous (see above). */
  withTx<T>(fn: (tx: Tx) => T): T;
  close(): void;
}

export const migrationsFolder = resolve(dirname(fileURLToPath(import.meta.url)), '../../../drizzle/migrations');
/**
 * Where `npm run server` kept the default database before relative paths were
 * taken from the user's directory: server/data/baylight.db. Only mentioned
 * when a new database is created elsewhere, so nobody loses sight of old data.
 */
const LEGACY_DEFAULT_DATABASE = resolve(dirname(fileURLToPath(import.meta.url)), '../../data/baylight.db');

/** The SQLite adapter, with what the operator must be told about the file. */
export interface SqliteDb extends Db {
  /** Absolute path of the file opened, or `:memory:`. */
  readonly file: string;
  /** The file did not exist: this is a new, empty database. */
  readonly created: boolean;
}

/** The start-up line about the database, for the server log and the CLIs. */
export function describeDatabase(db: Pick<SqliteDb, 'file' | 'created'>): { warn: boolean; message: string } {
  if (db.file === ':memory:') return { warn: false, message: 'database: in memory (nothing is kept)' };
  if (!db.created) return { warn: false, message: `database: ${db.file}` };
  const legacy =
    db.file !== LEGACY_DEFAULT_DATABASE && existsSync(LEGACY_DEFAULT_DATABASE)
      ? ` A database also exists at ${LEGACY_DEFAULT_DATABASE} (the old default place): set DATABASE_FILE=${LEGACY_DEFAULT_DATABASE} to use it.`
      : '';
  return {
    warn: legacy !== '',
    message: `database: ${db.file} did not exist: created a new, empty database there.${legacy}`,
  };
}

/**
 * Opens (creating if needed) and migrates the SQLite database. A relative
 * `file` is taken from the working directory; the config module has already
 * made DATABASE_FILE absolute (from where the user ran the command).
 */
export function openSqliteDb(file: string): SqliteDb {
  const path = file === ':memory:' ? file : resolve(file);
  const created = path === ':memory:' || !existsSync(path);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Several processes (server, admin CLI) may touch the same file.
  sqlite.pragma('busy_timeout = 5000');
  const orm = drizzle(sqlite, { schema: tables });
  migrate(orm, { migrationsFolder });
  return {
    file: path,
    created,
    orm,
    // "immediate" takes the write lock at BEGIN, so two writers never both
    // read a row and then both update it (e.g. reserving the last compartment).
    withTx: (fn) => orm.transaction(fn, { behavior: 'immediate' }),
    close: () => sqlite.close(),
  };
}

export { tables };
