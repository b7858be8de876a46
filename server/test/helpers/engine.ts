/**
 * Which database engine this test run is on (helpers/global-setup.ts), and a
 * fresh database on it for each test server.
 */
import { randomBytes } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { inject } from 'vitest';
import type { Db } from '../../src/db/index.js';
import { createDatabaseAt } from './postgres.js';

export type TestEngine = 'sqlite' | 'postgres';

export function testEngine(): TestEngine {
  return inject('baylightPostgresAdmin') ? 'postgres' : 'sqlite';
}

/**
 * On PostgreSQL: a new database in the run's cluster (its URL), already migrated (a copy of the
 * run's template, helpers/global-setup.ts); on SQLite: null (a file is used).
 */
export async function freshPostgresDatabase(): Promise<string | null> {
  const admin = inject('baylightPostgresAdmin');
  if (!admin) return null;
  return createDatabaseAt(
    admin,
    `t_${process.pid}_${randomBytes(6).toString('hex')}`,
    inject('baylightPostgresTemplate') || undefined,
  );
}

/** drizzle's record of applied migrations, where each engine keeps it. */
export function migrationsTable(db: Pick<Db, 'dialect'>): SQL {
  return db.dialect === 'postgres' ? sql.raw('drizzle.__drizzle_migrations') : sql.raw('__drizzle_migrations');
}

/** Runs one raw statement in a transaction, on either engine (tests only: stores use query builders). */
export async function runSql(db: Db, statement: SQL): Promise<void> {
  await db.transaction(async (tx) => {
    if (db.dialect === 'postgres') await (tx as unknown as { execute(q: SQL): Promise<unknown> }).execute(statement);
    else tx.run(statement);
  });
}
