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
import { mkdirSync } from 'node:fs';
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

/** Opens (creating if needed) and migrates the SQLite database. */
export function openSqliteDb(file: string): Db {
  if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Several processes (server, admin CLI) may touch the same file.
  sqlite.pragma('busy_timeout = 5000');
  const orm = drizzle(sqlite, { schema: tables });
  migrate(orm, { migrationsFolder });
  return {
    orm,
    // "immediate" takes the write lock at BEGIN, so two writers never both
    // read a row and then both update it (e.g. reserving the last compartment).
    withTx: (fn) => orm.transaction(fn, { behavior: 'immediate' }),
    close: () => sqlite.close(),
  };
}

export { tables };
