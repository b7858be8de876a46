/**
 * The PostgreSQL adapter of the Db port on a real PostgreSQL: transactions
 * are serialisable and rerun on a serialization failure, so concurrent
 * read-then-write transactions (across two pools, as two instances would)
 * lose no update and never over-reserve; a throw rolls everything back; a
 * nested transaction is a savepoint; reads outside a transaction see only
 * committed data.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresDb, type PostgresDb } from '../src/db/postgres.js';
import { startTestPostgres, type TestPostgres } from './helpers/postgres.js';

let cluster: TestPostgres;
const opened: PostgresDb[] = [];

beforeAll(async () => {
  cluster = await startTestPostgres();
}, 60_000);

afterAll(async () => {
  for (const db of opened) await db.close();
  await cluster?.stop();
});

/** Two adapters on one fresh database: two instances of the server. */
async function twoInstances() {
  const url = await cluster.createDatabase();
  const a = await openPostgresDb(url, { maxConnections: 20 });
  const b = await openPostgresDb(url, { maxConnections: 20 });
  opened.push(a, b);
  await a.transaction(async (tx) => {
    const { sites, lockerBanks, compartments } = a.tables;
    await tx.insert(sites).values({ id: 's1', name: 'Main' });
    await tx.insert(lockerBanks).values({ id: 'b1', siteId: 's1', name: 'Library', deviceTokenHash: 'h' });
    await tx
      .insert(compartments)
      .values(
        Array.from({ length: 10 }, (_, i) => ({ id: `c${i}`, bankId: 'b1', label: `A${i}`, size: 'M' as const })),
      );
  });
  return { a, b };
}

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('the PostgreSQL Db adapter', () => {
  it('serialises read-then-write transactions from two instances: no update is lost', async () => {
    const { a, b } = await twoInstances();
    const { lockerBanks } = a.tables;
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? a : b).transaction(async (tx) => {
          const [bank] = await tx.select().from(lockerBanks).where(eq(lockerBanks.id, 'b1'));
          await tick(); // another transaction runs meanwhile
          await tx
            .update(lockerBanks)
            .set({ version: bank!.version + 1 })
            .where(eq(lockerBanks.id, 'b1'));
        }),
      ),
    );
    const [bank] = await a.read.select().from(lockerBanks).where(eq(lockerBanks.id, 'b1'));
    expect(bank!.version).toBe(41);
  }, 60_000);

  it('50 reservations from two instances for 10 free compartments give exactly 10', async () => {
    const { a, b } = await twoInstances();
    const { compartments } = a.tables;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 ? a : b).transaction(async (tx) => {
          const [free] = await tx
            .select()
            .from(compartments)
            .where(eq(compartments.state, 'AVAILABLE'))
            .orderBy(compartments.label)
            .limit(1);
          if (!free) return null;
          await tick();
          await tx
            .update(compartments)
            .set({ state: 'RESERVED' })
            .where(and(eq(compartments.id, free.id)));
          return free.id;
        }),
      ),
    );
    const reserved = results.filter((r): r is string => r !== null);
    expect(reserved).toHaveLength(10);
    expect(new Set(reserved).size).toBe(10);
  }, 120_000);

  it('rolls back everything on a throw, and a nested transaction is a savepoint', async () => {
    const { a } = await twoInstances();
    const { compartments } = a.tables;
    await expect(
      a.transaction(async (tx) => {
        await tx.update(compartments).set({ state: 'FAULT' }).where(eq(compartments.id, 'c0'));
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    await a.transaction(async (tx) => {
      await tx.update(compartments).set({ state: 'IN_USE' }).where(eq(compartments.id, 'c1'));
      await expect(
        a.transaction(async (inner) => {
          await inner.update(compartments).set({ state: 'FAULT' }).where(eq(compartments.id, 'c2'));
          throw new Error('inner');
        }),
      ).rejects.toThrow('inner');
      // Inside the transaction, `read` is the transaction: it sees its own write.
      const [c1] = await a.read.select().from(compartments).where(eq(compartments.id, 'c1'));
      expect(c1!.state).toBe('IN_USE');
    });
    const states = Object.fromEntries((await a.read.select().from(compartments)).map((c) => [c.id, c.state] as const));
    expect([states.c0, states.c1, states.c2]).toEqual(['AVAILABLE', 'IN_USE', 'AVAILABLE']);
  }, 60_000);

  it('reads outside a transaction see only what is committed', async () => {
    const { a, b } = await twoInstances();
    const { compartments } = a.tables;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let written!: () => void;
    const wrote = new Promise<void>((r) => (written = r));
    const open = a.transaction(async (tx) => {
      await tx.update(compartments).set({ state: 'FAULT' }).where(eq(compartments.id, 'c3'));
      written();
      await held;
    });
    await wrote;
    const [during] = await b.read.select().from(compartments).where(eq(compartments.id, 'c3'));
    const [duringSame] = await a.read.select().from(compartments).where(eq(compartments.id, 'c3'));
    release();
    await open;
    const [after] = await b.read.select().from(compartments).where(eq(compartments.id, 'c3'));
    expect([during!.state, duringSame!.state, after!.state]).toEqual(['AVAILABLE', 'AVAILABLE', 'FAULT']);
  }, 60_000);
});
