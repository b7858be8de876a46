/**
 * The PostgreSQL tables (drizzle/pg) stay in lockstep with the SQLite ones
 * (drizzle/schema): the same tables, the same columns with the same names,
 * nullability, defaults and keys, the same indexes and foreign keys, and the
 * same row types as TypeScript sees them, so a store written once reads and
 * writes either engine. A column added to one side only fails here (and the
 * row-type checks fail the typecheck).
 */
import { getTableConfig as pgConfig, type PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteConfig, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import { is, Table } from 'drizzle-orm';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as pg from '../../../drizzle/pg/index.js';
import * as sqlite from '../../../drizzle/schema/index.js';

type TableNames = {
  [K in keyof typeof sqlite]: (typeof sqlite)[K] extends SQLiteTable ? K : never;
}[keyof typeof sqlite];
type Rows<T> = T extends { $inferSelect: infer S; $inferInsert: infer I } ? { select: S; insert: I } : never;
type SameRows = { [K in TableNames]: Rows<(typeof sqlite)[K]> };
type PgRows = { [K in TableNames]: K extends keyof typeof pg ? Rows<(typeof pg)[K]> : 'missing in drizzle/pg' };

const tablesOf = (mod: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(mod).filter(([, v]) => is(v, Table))) as Record<string, Table>;

function describeSqlite(t: SQLiteTable) {
  const c = sqliteConfig(t);
  return {
    name: c.name,
    columns: c.columns.map((col) => ({
      name: col.name,
      notNull: col.notNull,
      hasDefault: col.hasDefault,
      primary: col.primary,
      enumValues: col.enumValues ?? null,
    })),
    indexes: c.indexes
      .map((i) => ({
        name: i.config.name,
        unique: i.config.unique,
        on: i.config.columns.map((x) => (x as { name: string }).name),
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    foreignKeys: c.foreignKeys
      .map((f) => {
        const r = f.reference();
        return {
          columns: r.columns.map((x) => x.name),
          table: sqliteConfig(r.foreignTable).name,
          foreign: r.foreignColumns.map((x) => x.name),
          onDelete: f.onDelete ?? 'no action',
        };
      })
      .sort((a, b) => a.columns.join().localeCompare(b.columns.join())),
  };
}

function describePg(t: PgTable) {
  const c = pgConfig(t);
  return {
    name: c.name,
    columns: c.columns.map((col) => ({
      name: col.name,
      notNull: col.notNull,
      // An identity column (SQLite's autoincrement) counts as having a default.
      hasDefault: col.hasDefault || col.generatedIdentity !== undefined,
      primary: col.primary,
      enumValues: col.enumValues ?? null,
    })),
    indexes: c.indexes
      .map((i) => ({
        name: i.config.name!,
        unique: i.config.unique,
        on: i.config.columns.map((x) => (x as { name: string }).name),
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    foreignKeys: c.foreignKeys
      .map((f) => {
        const r = f.reference();
        return {
          columns: r.columns.map((x) => x.name),
          table: pgConfig(r.foreignTable).name,
          foreign: r.foreignColumns.map((x) => x.name),
          onDelete: f.onDelete ?? 'no action',
        };
      })
      .sort((a, b) => a.columns.join().localeCompare(b.columns.join())),
  };
}

describe('the PostgreSQL tables are in lockstep with the SQLite tables', () => {
  it('have the same row types (select and insert) for every table', () => {
    expectTypeOf<PgRows>().toEqualTypeOf<SameRows>();
  });

  it('define the same tables', () => {
    expect(Object.keys(tablesOf(pg)).sort()).toEqual(Object.keys(tablesOf(sqlite)).sort());
  });

  it.each(Object.keys(tablesOf(sqlite)))('%s: same columns, keys, defaults, indexes and foreign keys', (name) => {
    const lite = describeSqlite(tablesOf(sqlite)[name] as SQLiteTable);
    const post = describePg(tablesOf(pg)[name] as PgTable);
    expect(post).toEqual(lite);
  });
});
