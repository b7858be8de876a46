/**
 * The PostgreSQL adapter of the `Db` port (scale-out: several instances on
 * one database), selected by DATABASE_URL=postgres://…
 *
 * The same rules as the SQLite adapter (see ./index.ts), and these:
 * - Transactions are SERIALIZABLE. Two instances reserving the last
 *   compartment, or redeeming the same code, cannot both succeed: one of them
 *   gets a serialization failure (40001) or a deadlock (40P01), and
 *   `transaction` runs its `fn` again from the start, up to
 *   `maxAttempts` times with a random pause that grows (full jitter, up to
 *   100 ms). So `fn` must have no
 *   effect outside the database (publish after commit, as everywhere).
 * - Nested `transaction` calls join the outer one as a savepoint.
 * - `read` outside a transaction is the pool (committed data); inside one it
 *   is that transaction.
 * - The tables are drizzle/pg's, in lockstep with SQLite's (pg-schema.test.ts):
 *   stores take them from `db.tables`, so the same query builds SQL for
 *   either engine. The drizzle handle is typed as the SQLite one; the query
 *   builders the stores use (select/insert/update/delete, returning,
 *   onConflict…) have the same shape on both, and the stores await them.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import * as pgTables from '../../../drizzle/pg/index.js';
import type { Db, Queryable, Tables, Tx } from './index.js';

export const pgMigrationsFolder = resolve(dirname(fileURLToPath(import.meta.url)), '../../../drizzle/migrations-pg');

/** Serialization failure and deadlock: the transaction may simply be run again. */
const RETRYABLE = new Set(['40001', '40P01']);

export interface PostgresDb extends Db {
  readonly dialect: 'postgres';
  /** The URL without its password, for the start-up line. */
  readonly where: string;
  readonly pool: pg.Pool;
}

export interface PostgresOptions {
  /** Pool size per instance (default 10). */
  maxConnections?: number;
  /** Runs of a transaction that keeps meeting serialization failures (default 30). */
  maxAttempts?: number;
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

function codeOf(err: unknown): string | undefined {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** Opens the pool and brings the schema up to date (migrations run under an advisory lock by drizzle). */
export async function openPostgresDb(url: string, options: PostgresOptions = {}): Promise<PostgresDb> {
  const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10 });
  // A dropped idle connection must not crash the process: the pool replaces it.
  pool.on('error', () => {});
  const orm: NodePgDatabase<typeof pgTables> = drizzle(pool, { schema: pgTables });
  await migrate(orm, { migrationsFolder: pgMigrationsFolder });
  const maxAttempts = options.maxAttempts ?? 30;
  const current = new AsyncLocalStorage<{ tx: Tx; open: boolean }>();
  const inside = () => {
    const t = current.getStore();
    return t?.open ? t : undefined;
  };
  // See the header: the stores are written once against the SQLite types.
  const asPortable = (d: unknown) => d as Queryable;

  async function transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const outer = inside();
    if (outer) {
      // drizzle's nested transaction on PostgreSQL is a savepoint.
      const pgTx = outer.tx as unknown as NodePgDatabase<typeof pgTables>;
      return pgTx.transaction(async (nested) => {
        const t = { tx: asPortable(nested), open: true };
        try {
          return await current.run(t, () => fn(t.tx));
        } finally {
          t.open = false;
        }
      });
    }
    for (let attempt = 1; ; attempt++) {
      try {
        return await orm.transaction(
          async (pgTx) => {
            const t = { tx: asPortable(pgTx), open: true };
            try {
              return await current.run(t, () => fn(t.tx));
            } finally {
              t.open = false;
            }
          },
          { isolationLevel: 'serializable' },
        );
      } catch (err) {
        if (attempt >= maxAttempts || !RETRYABLE.has(codeOf(err) ?? '')) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 2 ** attempt)));
      }
    }
  }

  let closed = false;
  const db: PostgresDb = {
    dialect: 'postgres',
    where: redact(url),
    pool,
    tables: pgTables as unknown as Tables,
    get read() {
      return inside()?.tx ?? asPortable(orm);
    },
    transaction,
    migrationsFolder: pgMigrationsFolder,
    probe: {
      // The same words as better-sqlite3's on a closed database.
      ping: async () => {
        if (closed) throw new Error('The database connection is not open');
        await pool.query('select 1');
      },
      // drizzle's PostgreSQL migrator keeps its log in the `drizzle` schema.
      appliedMigrations: async () =>
        (await pool.query<{ created_at: string }>('select created_at from drizzle.__drizzle_migrations')).rows.map(
          (r) => Number(r.created_at),
        ),
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
  return db;
}
