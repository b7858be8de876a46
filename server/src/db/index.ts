/**
 * The `Db` port: the drizzle database behind one asynchronous transaction
 * helper, so that SQLite (embedded, the default) and PostgreSQL (scale-out,
 * a later adapter) implement the same thing.
 *
 * The rules every store and service follows:
 * - Every write goes through `transaction(fn)`. It commits when `fn`'s
 *   promise resolves and rolls back when it rejects; publish events only
 *   after it has resolved.
 * - `read` is for reads. Outside a transaction it sees committed data only
 *   (never what a transaction suspended at an `await` has written so far).
 *   Inside one (in `fn`'s async context: what `fn` awaits and calls), `read`
 *   is that transaction, so a store read in the middle of a transaction sees
 *   its own writes, as it did when transactions were synchronous. Read
 *   `db.read` at each call, never keep it in a variable made outside.
 * - Nested `transaction` calls join the outer transaction as a savepoint:
 *   a throw inside rolls back only the nested part (and is rethrown); the
 *   outer one decides the commit. The nested call must be awaited before the
 *   outer `fn` returns (a nested transaction left running fails the outer).
 * - Never wait inside a transaction for something that needs another
 *   transaction to finish first (it would wait for ever on SQLite).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { eq, sql, type InferSelectModel } from 'drizzle-orm';
import type { AnySQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as tables from '../../../drizzle/schema/index.js';

export type Tables = typeof tables;
export type Database_ = BetterSQLite3Database<Tables>;
/** What a store receives inside a transaction: the drizzle query API. */
export type Tx = Database_;
/** What a store may read through: `db.read` or a transaction. */
export type Queryable = Database_;

export interface Db {
  /** Which engine: SQLite (embedded default) or PostgreSQL (scale-out, ./postgres.ts). */
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * The tables of this engine (drizzle/schema or drizzle/pg, in lockstep):
   * stores build their queries on these, so one query serves both engines.
   */
  readonly tables: Tables;
  /** Reads (see above): committed data outside a transaction, the transaction itself inside one. */
  readonly read: Queryable;
  /** Runs `fn` in one transaction: commit when it resolves, roll back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Waits for the running and queued transactions, then closes. */
  close(): Promise<void>;
  /** What /readyz asks the database (ops/readiness.ts). */
  readonly probe: DatabaseProbe;
  /** The migrations this engine applies (their journal says which the code expects). */
  readonly migrationsFolder: string;
}

/** What the database adapter answers for readiness. */
export interface DatabaseProbe {
  /** A trivial query (`select 1`). */
  ping(): Promise<void>;
  /** `created_at` of every migration the database records as applied (drizzle's `folderMillis`). */
  appliedMigrations(): Promise<number[]>;
}

export const migrationsFolder = resolve(dirname(fileURLToPath(import.meta.url)), '../../../drizzle/migrations');
/**
 * Where `npm run server` kept the default database before relative paths were
 * taken from the user's directory: server/data/baylight.db. Only mentioned
 * when a new database is created elsewhere, so nobody loses sight of old data.
 */
const LEGACY_DEFAULT_DATABASE = resolve(dirname(fileURLToPath(import.meta.url)), '../../data/baylight.db');

/** How long a write waits for another connection to the same file to let go of it. */
const BUSY_WAIT_MS = 5_000;

/** The SQLite adapter, with what the operator must be told about the file. */
export interface SqliteDb extends Db {
  /** Absolute path of the file opened, or `:memory:`. */
  readonly file: string;
  /** The file did not exist: this is a new, empty database. */
  readonly created: boolean;
  /** The file SQLite has open: `file`, or the temporary one standing in for `:memory:`. */
  readonly opened: string;
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
 * A FIFO lock: better-sqlite3 runs one transaction per connection, and its
 * own `transaction()` cannot span an `await` (drizzle #2275: "Transaction
 * function cannot return a promise"), so the adapter lets one transaction
 * hold the writer at a time and queues the others in arrival order.
 */
function createLock() {
  let held = false;
  const waiting: (() => void)[] = [];
  return {
    async acquire(): Promise<void> {
      if (!held) {
        held = true;
        return;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    },
    /** Hands the lock to the next in line (it stays held), or frees it. */
    release() {
      const next = waiting.shift();
      if (next) next();
      else held = false;
    },
  };
}

interface OpenTransaction {
  open: boolean;
  /** The writer as this transaction hands it out: refuses to be used once it has ended. */
  tx: Tx;
  /** Savepoints still running inside it. */
  nested: number;
  savepoints: number;
}

/** Most prepared statements kept per connection (by SQL text, least recently used dropped). */
export const STATEMENTS_KEPT = 256;

/**
 * drizzle prepares every query it runs anew (`prepareQuery` → `Database.prepare`): SQLite
 * compiles the same few dozen texts over and over, a tenth of an intake's time. This keeps
 * the compiled statements by SQL text and hands out the same one again. Safe because
 * better-sqlite3 runs a statement to its end synchronously (nothing here iterates one), and
 * the one mode drizzle sets on a statement, `raw()`, is reset each time it is handed out
 * (drizzle calls `raw()` itself before every query that wants arrays). One thing it cannot
 * reset: a query prepared once and kept (preparedRead) that selects through `sql` with no
 * fields, sharing its text with a query builder's. preparedRead takes builders only.
 */
export function reuseStatements(sqlite: Database.Database, max = STATEMENTS_KEPT): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const kept = new Map<string, Database.Statement>();
  sqlite.prepare = ((source: string) => {
    let statement = kept.get(source);
    if (statement) {
      kept.delete(source);
      if (statement.reader) statement.raw(false);
    } else {
      statement = prepare(source);
      if (kept.size >= max) kept.delete(kept.keys().next().value!);
    }
    kept.set(source, statement);
    return statement;
  }) as typeof sqlite.prepare;
}

/**
 * Opens (creating if needed) and migrates the SQLite database. A relative
 * `file` is taken from the working directory; the config module has already
 * made DATABASE_FILE absolute (from where the user ran the command).
 *
 * Two connections on the same WAL file: the writer, which only transactions
 * use, and a read-only one for reads outside them. WAL lets the reader see
 * the last committed state while a transaction is open on the writer, and
 * read-only means a write that bypasses `transaction` fails loudly
 * ("attempt to write a readonly database") instead of slipping into another
 * caller's open transaction. `:memory:` cannot be shared by two connections,
 * so it becomes a private temporary file, removed on close: still nothing is
 * kept.
 */
export function openSqliteDb(file: string): SqliteDb {
  const path = file === ':memory:' ? file : resolve(file);
  const created = path === ':memory:' || !existsSync(path);
  const scratch = path === ':memory:' ? mkdtempSync(join(tmpdir(), 'baylight-memory-')) : null;
  const opened = scratch ? join(scratch, 'baylight.db') : path;
  if (!scratch) mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(opened);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // Several processes (server, admin CLI) may touch the same file.
  sqlite.pragma(`busy_timeout = ${BUSY_WAIT_MS}`);
  reuseStatements(sqlite);
  const writer = drizzle(sqlite, { schema: tables });
  migrate(writer, { migrationsFolder });
  // From here on the writer runs only inside transaction(), which waits for the write lock
  // itself (beginImmediate); once held, nothing else it runs can meet SQLITE_BUSY.
  sqlite.pragma('busy_timeout = 0');
  const readonly = new Database(opened, { readonly: true });
  readonly.pragma('busy_timeout = 5000');
  reuseStatements(readonly);
  const reader = drizzle(readonly, { schema: tables });

  const begin = sqlite.prepare('BEGIN IMMEDIATE');
  const commit = sqlite.prepare('COMMIT');
  const lock = createLock();
  const current = new AsyncLocalStorage<OpenTransaction>();
  const inside = () => {
    const t = current.getStore();
    return t?.open ? t : undefined;
  };

  async function savepoint<T>(t: OpenTransaction, fn: (tx: Tx) => Promise<T>): Promise<T> {
    const name = `baylight_sp${++t.savepoints}`;
    sqlite.exec(`SAVEPOINT ${name}`);
    t.nested++;
    try {
      const result = await fn(t.tx);
      if (!t.open) throw new Error('the outer transaction has ended before a nested one finished');
      sqlite.exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      if (t.open) {
        sqlite.exec(`ROLLBACK TO ${name}`);
        sqlite.exec(`RELEASE ${name}`);
      }
      throw err;
    } finally {
      t.nested--;
    }
  }

  /**
   * IMMEDIATE takes the write lock at BEGIN. When another connection to the
   * file holds it (the admin CLI, another instance sharing the file), this
   * waits for it asynchronously: SQLite's own busy wait would block this
   * process's event loop, and with two instances in one process (tests) the
   * holder could then never finish. The writer's busy_timeout is 0 (set once
   * after the migrations); up to BUSY_WAIT_MS in all, then SQLITE_BUSY is thrown.
   * BEGIN and COMMIT are statements prepared once (an exec would compile them
   * on every transaction).
   */
  async function beginImmediate() {
    const deadline = Date.now() + BUSY_WAIT_MS;
    for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
      try {
        begin.run();
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err;
      }
      await new Promise((r) => setTimeout(r, pause * (0.5 + Math.random())));
    }
  }

  async function transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const outer = inside();
    if (outer) return savepoint(outer, fn);
    await lock.acquire();
    const t: OpenTransaction = { open: true, tx: writer, nested: 0, savepoints: 0 };
    // Work a transaction left behind (a query it did not await, a nested transaction still
    // running) must not land in the next caller's transaction: its handle refuses once it ended.
    t.tx = new Proxy(writer, {
      get(target, property, receiver) {
        if (!t.open) throw new Error('this transaction has ended: await every query inside it');
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    try {
      await beginImmediate();
      try {
        const result = await current.run(t, () => fn(t.tx));
        if (t.nested > 0) throw new Error('a nested transaction was still running when its outer one returned');
        commit.run();
        return result;
      } catch (err) {
        // SQLite may have rolled back already (e.g. a full disk); then there is nothing to undo.
        if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
        throw err;
      }
    } finally {
      t.open = false;
      lock.release();
    }
  }

  let closed = false;
  return {
    dialect: 'sqlite',
    tables,
    file: path,
    created,
    opened,
    get read() {
      return inside()?.tx ?? reader;
    },
    transaction,
    migrationsFolder,
    // better-sqlite3 is synchronous: a closed database throws here.
    probe: {
      ping: () => {
        readonly.prepare('select 1').get();
        return Promise.resolve();
      },
      appliedMigrations: () =>
        Promise.resolve(
          (
            readonly.prepare('select created_at from __drizzle_migrations').all() as { created_at: number | string }[]
          ).map((r) => Number(r.created_at)),
        ),
    },
    async close() {
      if (closed) return;
      closed = true;
      await lock.acquire();
      readonly.close();
      sqlite.close();
      if (scratch) rmSync(scratch, { recursive: true, force: true });
      // Anyone still queued gets the closed connection's error, not a hang.
      lock.release();
    },
  };
}

/**
 * A hot read built once per connection and run again with new values
 * (drizzle's `prepare`, portable: SQLite prepares the statement, PostgreSQL
 * keeps the built SQL). `build` makes the query on the queryable given, with
 * `sql.placeholder(name)` where the values go. Kept per queryable object: the
 * reader outside transactions (reused, so built once), a transaction's own
 * handle inside one (built again, as an unprepared query would be).
 *
 * Placeholders are bound as they are, without the column's encoding: use them
 * for text and numbers, never for dates or booleans.
 */
export function preparedRead<V extends Record<string, unknown>, Q extends { execute(values: V): unknown }>(
  build: (q: Queryable) => Q,
): (q: Queryable, values: V) => Promise<Awaited<ReturnType<Q['execute']>>> {
  const built = new WeakMap<object, Q>();
  return (q, values) => {
    let query = built.get(q);
    if (!query) {
      query = build(q);
      built.set(q, query);
    }
    // SQLite's prepared queries answer at once, PostgreSQL's with a promise: always a promise here.
    return Promise.resolve(query.execute(values)) as Promise<Awaited<ReturnType<Q['execute']>>>;
  };
}

/**
 * The row of `table` with a given id, read through a query prepared once
 * (preparedRead): `byId(q, id)`. For tables whose key is a text `id`.
 */
export function preparedById<T extends SQLiteTable & { id: AnySQLiteColumn }>(
  table: T,
): (q: Queryable, id: string) => Promise<InferSelectModel<T> | undefined> {
  const read = preparedRead((q) =>
    q
      .select()
      .from(table as SQLiteTable)
      .where(eq(table.id, sql.placeholder('id')))
      .limit(1)
      .prepare(),
  );
  return async (q, id) => (await read(q, { id }))[0] as InferSelectModel<T> | undefined;
}

export { tables };
