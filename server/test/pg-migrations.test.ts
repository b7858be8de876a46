/**
 * The PostgreSQL migrations (drizzle/migrations-pg) build, on a real
 * PostgreSQL, the same tables and columns as the SQLite migrations do on
 * SQLite, and drizzle reads PostgreSQL's values back as the SQLite adapter
 * does (instants as Date with milliseconds, seqs up to 2^53 − 1 as numbers,
 * booleans).
 */
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { migrate as migrateSqlite } from 'drizzle-orm/better-sqlite3/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as pgTables from '../../drizzle/pg/index.js';
import { migrationsFolder } from '../src/db/index.js';
import { startTestPostgres, type TestPostgres } from './helpers/postgres.js';

const pgMigrationsFolder = resolve(migrationsFolder, '../migrations-pg');

let cluster: TestPostgres;
let pool: pg.Pool;

beforeAll(async () => {
  cluster = await startTestPostgres();
  pool = new pg.Pool({ connectionString: cluster.url, max: 2 });
  await migratePg(drizzlePg(pool), { migrationsFolder: pgMigrationsFolder });
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await cluster?.stop();
});

type Column = { table: string; column: string; nullable: boolean };

function sqliteColumns(): Column[] {
  const sqlite = new Database(':memory:');
  migrateSqlite(drizzleSqlite(sqlite), { migrationsFolder });
  const tables = sqlite
    .prepare(
      `select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'`,
    )
    .all() as { name: string }[];
  const out = tables.flatMap(({ name }) =>
    (sqlite.prepare(`pragma table_info("${name}")`).all() as { name: string; notnull: number; pk: number }[]).map(
      (c) => ({ table: name, column: c.name, nullable: c.notnull === 0 && c.pk === 0 }),
    ),
  );
  sqlite.close();
  return out.sort((a, b) => `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`));
}

describe('PostgreSQL migrations', () => {
  it('create the tables and columns the SQLite migrations create, with the same nullability', async () => {
    const { rows } = await pool.query<{ table_name: string; column_name: string; is_nullable: string }>(
      `select table_name, column_name, is_nullable from information_schema.columns where table_schema = 'public'`,
    );
    const postgres = rows
      .map((r) => ({ table: r.table_name, column: r.column_name, nullable: r.is_nullable === 'YES' }))
      .sort((a, b) => `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`));
    expect(postgres).toEqual(sqliteColumns());
  });

  it('round-trips instants with milliseconds, 53-bit seqs and booleans as the SQLite adapter does', async () => {
    const db = drizzlePg(pool, { schema: pgTables });
    const at = new Date('2026-12-02T10:11:12.345Z');
    await db.insert(pgTables.sites).values({ id: 's1', name: 'Main' });
    await db.insert(pgTables.lockerBanks).values({ id: 'b1', siteId: 's1', name: 'Library', deviceTokenHash: 'h' });
    await db
      .insert(pgTables.compartments)
      .values({ id: 'c1', bankId: 'b1', label: 'A01', size: 'M', hasCharging: true, updatedAt: at });
    const [event] = await db
      .insert(pgTables.lockerEvents)
      .values({
        bankId: 'b1',
        kind: 'DOOR_OPENED',
        seq: 2 ** 53 - 1,
        deviceGeneration: 1,
        occurredAt: at,
        receivedAt: at,
      })
      .returning();
    expect(event!.id).toBe(1);
    expect(event!.seq).toBe(Number.MAX_SAFE_INTEGER);
    const [c] = await db.select().from(pgTables.compartments).where(eq(pgTables.compartments.id, 'c1'));
    expect(c!.updatedAt).toEqual(at);
    expect(c!.hasCharging).toBe(true);
    const [bank] = await db.select().from(pgTables.lockerBanks);
    expect(bank!.createdAt).toBeInstanceOf(Date);
    expect(Math.abs(bank!.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
  });
});
