/**
 * The SQLite adapter of the asynchronous `Db` port: transactions that await
 * are serialised (no lost update), roll back on a throw, stay invisible to
 * reads outside them until they commit, nest as savepoints, and nothing
 * writes outside a transaction.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openSqliteDb, reuseStatements, tables, type Queryable, type SqliteDb } from './index.js';

const { serverSettings } = tables;
const opened: SqliteDb[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const db of opened.splice(0)) await db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(file?: string) {
  let path = file;
  if (!path) {
    const dir = mkdtempSync(join(tmpdir(), 'baylight-db-port-'));
    dirs.push(dir);
    path = join(dir, 'test.db');
  }
  const db = openSqliteDb(path);
  opened.push(db);
  return db;
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 5));

async function value(q: Queryable, key: string) {
  const [row] = await q.select().from(serverSettings).where(eq(serverSettings.key, key));
  return row?.value;
}

/** A promise and the function that settles it: to hold a transaction at an await. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe.each([['a file'], [':memory:']])('the SQLite Db on %s', (kind) => {
  const fresh = () => open(kind === ':memory:' ? ':memory:' : undefined);

  it('serialises two transactions that read, await, then write: no update is lost', async () => {
    const db = fresh();
    await db.transaction(async (tx) => {
      await tx.insert(serverSettings).values({ key: 'counter', value: '0' });
    });
    const order: string[] = [];
    const increment = (who: string) =>
      db.transaction(async (tx) => {
        order.push(`${who} read`);
        const n = Number(await value(tx, 'counter'));
        await tick();
        await tx
          .update(serverSettings)
          .set({ value: String(n + 1) })
          .where(eq(serverSettings.key, 'counter'));
        order.push(`${who} wrote`);
        return n;
      });
    const seen = await Promise.all([increment('a'), increment('b'), increment('c')]);
    expect(seen).toEqual([0, 1, 2]);
    expect(await value(db.read, 'counter')).toBe('3');
    // First come, first served, and none starts before the one before it has written.
    expect(order).toEqual(['a read', 'a wrote', 'b read', 'b wrote', 'c read', 'c wrote']);
  });

  it('rolls back every write of a transaction that throws, rethrows, and lets the next one run', async () => {
    const db = fresh();
    const failing = db.transaction(async (tx) => {
      await tx.insert(serverSettings).values({ key: 'one', value: '1' });
      await tick();
      await tx.insert(serverSettings).values({ key: 'two', value: '2' });
      throw new Error('changed my mind');
    });
    await expect(failing).rejects.toThrow('changed my mind');
    expect(await value(db.read, 'one')).toBeUndefined();
    expect(await value(db.read, 'two')).toBeUndefined();
    await db.transaction(async (tx) => {
      await tx.insert(serverSettings).values({ key: 'three', value: '3' });
    });
    expect(await value(db.read, 'three')).toBe('3');
  });

  it('rolls back a transaction whose statement fails (a constraint), keeping the writes before it out', async () => {
    const db = fresh();
    await db.transaction(async (tx) => {
      await tx.insert(serverSettings).values({ key: 'taken', value: 'x' });
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(serverSettings).values({ key: 'before', value: 'b' });
        await tx.insert(serverSettings).values({ key: 'taken', value: 'again' });
      }),
    ).rejects.toThrow(/UNIQUE/);
    expect(await value(db.read, 'before')).toBeUndefined();
    expect(await value(db.read, 'taken')).toBe('x');
  });

  it("keeps a suspended transaction's writes from reads outside it until it commits", async () => {
    const db = fresh();
    const held = gate();
    const written = gate();
    let seenInside: string | undefined;
    const running = db.transaction(async (tx) => {
      await tx.insert(serverSettings).values({ key: 'pending', value: 'yes' });
      written.open();
      await held.opened;
      // Inside the transaction, `read` is the transaction: it sees its own write.
      seenInside = await value(db.read, 'pending');
    });
    await written.opened;
    expect(await value(db.read, 'pending')).toBeUndefined();
    held.open();
    await running;
    expect(seenInside).toBe('yes');
    expect(await value(db.read, 'pending')).toBe('yes');
  });

  it('refuses a write on the read handle outside a transaction', async () => {
    const db = fresh();
    await expect(db.read.insert(serverSettings).values({ key: 'stray', value: 'x' })).rejects.toThrow(/readonly/);
    expect(await value(db.read, 'stray')).toBeUndefined();
  });

  it('joins a nested transaction to the outer one as a savepoint, without deadlock', async () => {
    const db = fresh();
    await db.transaction(async (tx) => {
      await tx.insert(serverSettings).values({ key: 'outer', value: '1' });
      // Joined: it sees the outer's write, and its own is the outer's to commit.
      const seen = await db.transaction(async (inner) => {
        await inner.insert(serverSettings).values({ key: 'inner', value: '1' });
        return value(inner, 'outer');
      });
      expect(seen).toBe('1');
      // A nested one that throws undoes only its own writes.
      await expect(
        db.transaction(async (inner) => {
          await inner.insert(serverSettings).values({ key: 'undone', value: '1' });
          throw new Error('inner failed');
        }),
      ).rejects.toThrow('inner failed');
      expect(await value(tx, 'undone')).toBeUndefined();
      expect(await value(tx, 'inner')).toBe('1');
      expect(await value(db.read, 'outer')).toBe('1');
    });
    expect(await value(db.read, 'outer')).toBe('1');
    expect(await value(db.read, 'inner')).toBe('1');
    expect(await value(db.read, 'undone')).toBeUndefined();

    // The outer one throwing takes the nested one's committed-looking writes with it.
    await expect(
      db.transaction(async () => {
        await db.transaction(async (inner) => {
          await inner.insert(serverSettings).values({ key: 'gone', value: '1' });
        });
        throw new Error('outer failed');
      }),
    ).rejects.toThrow('outer failed');
    expect(await value(db.read, 'gone')).toBeUndefined();
  });

  it('fails a transaction that returns while a nested one is still running, and rolls it back', async () => {
    const db = fresh();
    const held = gate();
    let left: Promise<unknown> | undefined;
    await expect(
      db.transaction(async (tx) => {
        await tx.insert(serverSettings).values({ key: 'outer', value: '1' });
        left = db.transaction(async (inner) => {
          await held.opened;
          await inner.insert(serverSettings).values({ key: 'late', value: '1' });
        });
      }),
    ).rejects.toThrow(/nested transaction was still running/);
    held.open();
    await expect(left).rejects.toThrow(/transaction has ended/);
    expect(await value(db.read, 'outer')).toBeUndefined();
    expect(await value(db.read, 'late')).toBeUndefined();
  });

  it('starts a new transaction from work a finished one left behind (a timer), instead of joining it', async () => {
    const db = fresh();
    const later = gate();
    let after: Promise<void> | undefined;
    await db.transaction(async (tx) => {
      await tx.insert(serverSettings).values({ key: 'first', value: '1' });
      setTimeout(() => {
        after = db.transaction(async (t2) => {
          await t2.insert(serverSettings).values({ key: 'second', value: '1' });
        });
        later.open();
      }, 10);
    });
    await later.opened;
    await after;
    expect(await value(db.read, 'second')).toBe('1');
  });

  it('waits on close for the transaction that is running', async () => {
    const db = fresh();
    const held = gate();
    const running = db.transaction(async (tx) => {
      await held.opened;
      await tx.insert(serverSettings).values({ key: 'last', value: '1' });
    });
    const closing = db.close();
    held.open();
    await running;
    await closing;
  });
});

it('waits, without blocking the event loop, for another connection holding the write lock on the same file', async () => {
  // Two Dbs on one file: what the admin CLI beside a running server, or two instances in one
  // process (the tests), do. A's transaction holds SQLite's write lock across an await; B's
  // BEGIN IMMEDIATE meets SQLITE_BUSY and retries on timers, so A can finish and commit.
  const a = open();
  const b = open(a.file);
  const held = gate();
  const inA = a.transaction(async (tx) => {
    await tx.insert(serverSettings).values({ key: 'from-a', value: '1' });
    await held.opened;
    await tx.insert(serverSettings).values({ key: 'from-a-later', value: '2' });
  });
  await tick();
  let bDone = false;
  const inB = b
    .transaction(async (tx) => {
      // B sees A's writes: it began only after A committed.
      const seen = await value(tx, 'from-a-later');
      await tx.insert(serverSettings).values({ key: 'from-b', value: String(seen) });
    })
    .then(() => (bDone = true));
  // Timers still run while B waits (SQLite's own busy wait would block this thread, and A with it).
  let ticks = 0;
  for (let i = 0; i < 5; i++) {
    await tick();
    ticks++;
  }
  expect(ticks).toBe(5);
  expect(bDone).toBe(false);
  held.open();
  await Promise.all([inA, inB]);
  expect(await value(a.read, 'from-b')).toBe('2');
  expect(await value(b.read, 'from-a')).toBe('1');
});

it('keeps an in-memory database in a private temporary file that close removes', async () => {
  const db = openSqliteDb(':memory:');
  expect(db.file).toBe(':memory:');
  expect(db.opened).not.toBe(':memory:');
  expect(existsSync(db.opened)).toBe(true);
  await db.transaction(async (tx) => {
    await tx.insert(serverSettings).values({ key: 'k', value: 'v' });
  });
  expect(await value(db.read, 'k')).toBe('v');
  await db.close();
  expect(existsSync(db.opened)).toBe(false);
});

describe('statements kept by SQL text (reuseStatements)', () => {
  it('hands out one compiled statement per text, in the mode a plain query expects, and keeps at most its bound', () => {
    const sqlite = new Database(':memory:');
    reuseStatements(sqlite, 3);
    sqlite.exec(`create table t (a integer, b text); insert into t values (1, 'x')`);
    const first = sqlite.prepare('select a, b from t');
    expect(sqlite.prepare('select a, b from t')).toBe(first);
    // drizzle asks for arrays with raw(); the next one to get the statement gets rows as objects.
    expect(first.raw().all()).toEqual([[1, 'x']]);
    expect(sqlite.prepare('select a, b from t').all()).toEqual([{ a: 1, b: 'x' }]);
    // Statements that return nothing have no mode to reset.
    const insert = sqlite.prepare(`insert into t values (2, 'y')`);
    expect(sqlite.prepare(`insert into t values (2, 'y')`)).toBe(insert);
    // Three kept: the least recently used one is compiled again.
    sqlite.prepare('select 1');
    sqlite.prepare('select 2');
    expect(sqlite.prepare('select a, b from t')).not.toBe(first);
    sqlite.close();
  });

  it('runs drizzle queries that share a text, with and without field mapping, on the same statement', async () => {
    const db = open();
    await db.transaction(async (tx) => {
      await tx.insert(serverSettings).values({ key: 'k', value: 'v' });
    });
    for (let i = 0; i < 3; i++) {
      // A select with fields (drizzle reads it in raw mode and maps) and the all-columns form.
      expect(await db.read.select({ value: serverSettings.value }).from(serverSettings)).toEqual([{ value: 'v' }]);
      expect(await db.read.select().from(serverSettings)).toEqual([expect.objectContaining({ key: 'k', value: 'v' })]);
    }
  });
});
