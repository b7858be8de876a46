/**
 * Moving a campus between databases: `npm run admin -- export` writes every
 * table of the configured database to one JSON-lines file, and
 * `npm run admin -- import` loads such a file into an empty database of
 * either engine (the way from one SQLite machine to PostgreSQL), checked by
 * row counts and checksums per table.
 *
 * The file: a first line with the manifest
 *   {"format":"baylight-export","version":1,"schema":"<fingerprint>","dialect":"sqlite",
 *    "exportedAt":"…","tables":[{"name":"people","rows":12,"sha256":"…"},…]}
 * then one line per row, `{"t":"<table>","r":[values in column order]}`, table
 * by table in an order that satisfies every foreign key. Values are
 * canonical: instants as milliseconds since the epoch, booleans as booleans,
 * null as null; so the same data has the same checksum on either engine.
 *
 * A table's checksum is SHA-256 over its canonical rows, one JSON array per
 * line, in primary-key order. The import writes everything in one
 * transaction, reads it back inside that transaction and compares counts and
 * checksums with the manifest: any difference rolls the whole import back and
 * says which table differs. The schema fingerprint (tables and columns) must
 * match: export and import with the same version of Baylight.
 */
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { asc, getTableColumns, getTableName, gt, is, sql, Table, type Column } from 'drizzle-orm';
import { getTableConfig as pgConfig, type PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteConfig, type SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Db, Queryable } from './index.js';

export const EXPORT_FORMAT = 'baylight-export';
export const EXPORT_VERSION = 1;
const PAGE = 1_000;

export interface TableSummary {
  name: string;
  rows: number;
  sha256: string;
}

export interface Manifest {
  format: typeof EXPORT_FORMAT;
  version: number;
  schema: string;
  dialect: Db['dialect'];
  exportedAt: string;
  tables: TableSummary[];
}

export class TransferError extends Error {}

interface TableInfo {
  name: string;
  table: Table;
  /** Property names (drizzle's), in column order. */
  keys: string[];
  columns: Column[];
  /** Columns to order by: the primary key, else every column. */
  order: Column[];
  /** A single-column key to page on without OFFSET. */
  pageKey: Column | null;
  /** Tables this one references. */
  references: string[];
  identity: string | null;
}

function configOf(db: Db, table: Table) {
  if (db.dialect === 'postgres') {
    const c = pgConfig(table as PgTable);
    return {
      fks: c.foreignKeys.map((f) => getTableName(f.reference().foreignTable)),
      pks: c.primaryKeys.flatMap((p) => p.columns),
    };
  }
  const c = sqliteConfig(table as SQLiteTable);
  return {
    fks: c.foreignKeys.map((f) => getTableName(f.reference().foreignTable)),
    pks: c.primaryKeys.flatMap((p) => p.columns),
  };
}

/** Every table of the engine, in an order where each comes after the tables it references. */
export function tablesInOrder(db: Db): TableInfo[] {
  const infos = Object.values(db.tables as Record<string, unknown>)
    .filter((v): v is Table => is(v, Table))
    .map((table): TableInfo => {
      const entries = Object.entries(getTableColumns(table));
      const columns: Column[] = entries.map(([, c]) => c as Column);
      const { fks, pks } = configOf(db, table);
      const primary: Column[] = columns.filter((c) => c.primary);
      const order: Column[] = primary.length ? primary : pks.length ? pks : columns;
      const identity = columns.find(
        (c) =>
          (c as { generatedIdentity?: unknown }).generatedIdentity !== undefined || c.columnType === 'SQLiteInteger',
      );
      return {
        name: getTableName(table),
        table,
        keys: entries.map(([k]) => k),
        columns,
        order,
        pageKey: order.length === 1 ? order[0]! : null,
        references: [...new Set(fks)].filter((t) => t !== getTableName(table)),
        identity: identity && primary.length === 1 && primary[0] === identity ? identity.name : null,
      };
    });
  const byName = new Map(infos.map((i) => [i.name, i]));
  const done = new Set<string>();
  const out: TableInfo[] = [];
  const visit = (i: TableInfo, path: string[]) => {
    if (done.has(i.name)) return;
    if (path.includes(i.name)) throw new TransferError(`foreign keys form a cycle: ${[...path, i.name].join(' → ')}`);
    for (const r of i.references) visit(byName.get(r)!, [...path, i.name]);
    done.add(i.name);
    out.push(i);
  };
  for (const i of [...infos].sort((a, b) => a.name.localeCompare(b.name))) visit(i, []);
  return out;
}

/** Tables and columns (names, in order): export and import must agree on it. */
export function schemaFingerprint(db: Db): string {
  const shape = tablesInOrder(db)
    .map((t) => `${t.name}(${t.columns.map((c) => `${c.name}${c.notNull ? '!' : ''}`).join(',')})`)
    .sort()
    .join(';');
  return createHash('sha256').update(shape).digest('hex').slice(0, 32);
}

const isInstantColumn = (c: Column) => c.columnType === 'SQLiteTimestamp' || c.columnType === 'PgTimestamp';

function canonical(info: TableInfo, row: Record<string, unknown>): unknown[] {
  return info.keys.map((k) => {
    const v = row[k];
    if (v === undefined || v === null) return null;
    if (v instanceof Date) return v.getTime();
    return v;
  });
}

function decode(info: TableInfo, values: unknown[]): Record<string, unknown> {
  if (!Array.isArray(values) || values.length !== info.keys.length)
    throw new TransferError(
      `a ${info.name} row has ${Array.isArray(values) ? values.length : 'no'} values, not ${info.keys.length}`,
    );
  const row: Record<string, unknown> = {};
  info.keys.forEach((k, i) => {
    const v = values[i];
    row[k] = v !== null && isInstantColumn(info.columns[i]!) ? new Date(v as number) : v;
  });
  return row;
}

/** Each row of a table, canonical, in key order, read page by page. */
async function* rowsOf(read: () => Queryable, info: TableInfo): AsyncGenerator<unknown[]> {
  const byKey = Object.fromEntries(info.keys.map((k, i) => [k, info.columns[i]!]));
  let after: unknown = undefined;
  for (let offset = 0; ; offset += PAGE) {
    const q = read()
      .select(byKey as never)
      .from(info.table as never);
    const page = (await (info.pageKey
      ? (after === undefined ? q : q.where(gt(info.pageKey, after))).orderBy(asc(info.pageKey)).limit(PAGE)
      : q
          .orderBy(...info.order.map((c) => asc(c)))
          .limit(PAGE)
          .offset(offset))) as Record<string, unknown>[];
    for (const row of page) yield canonical(info, row);
    if (page.length < PAGE) return;
    if (info.pageKey) after = page[page.length - 1]![info.keys[info.columns.indexOf(info.pageKey)]!];
  }
}

async function summarise(read: () => Queryable, info: TableInfo, each?: (row: unknown[]) => void) {
  const hash = createHash('sha256');
  let rows = 0;
  for await (const row of rowsOf(read, info)) {
    hash.update(JSON.stringify(row) + '\n');
    rows++;
    each?.(row);
  }
  return { name: info.name, rows, sha256: hash.digest('hex') };
}

function write(out: Writable, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (out.write(line + '\n')) resolve();
    else {
      out.once('drain', resolve);
      out.once('error', reject);
    }
  });
}

/**
 * Writes the whole database to `out`. Reads in one transaction, so the file
 * is one consistent moment even while the server runs.
 */
export async function exportDatabase(db: Db, out: Writable, now = new Date()): Promise<Manifest> {
  const tables = tablesInOrder(db);
  return db.transaction(async () => {
    // First pass: the manifest (counts and checksums), which the file opens with.
    const summaries: TableSummary[] = [];
    for (const info of tables) summaries.push(await summarise(() => db.read, info));
    const manifest: Manifest = {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      schema: schemaFingerprint(db),
      dialect: db.dialect,
      exportedAt: now.toISOString(),
      tables: summaries,
    };
    await write(out, JSON.stringify(manifest));
    for (const info of tables) {
      for await (const row of rowsOf(() => db.read, info)) await write(out, JSON.stringify({ t: info.name, r: row }));
    }
    return manifest;
  });
}

export interface ImportResult {
  manifest: Manifest;
  tables: (TableSummary & { expectedRows: number; expectedSha256: string; ok: boolean })[];
}

/**
 * Loads an export into `db`, which must have no rows yet; verifies counts and
 * checksums inside the transaction and rolls back on any difference.
 */
export async function importDatabase(db: Db, input: Readable): Promise<ImportResult> {
  const lines = createInterface({ input, crlfDelay: Infinity })[Symbol.asyncIterator]();
  const first = await lines.next();
  if (first.done) throw new TransferError('the file is empty');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(first.value) as Manifest;
  } catch {
    throw new TransferError('the first line is not a Baylight export manifest');
  }
  if (manifest?.format !== EXPORT_FORMAT) throw new TransferError('the first line is not a Baylight export manifest');
  if (manifest.version !== EXPORT_VERSION)
    throw new TransferError(`export format version ${manifest.version}; this Baylight reads version ${EXPORT_VERSION}`);
  if (manifest.schema !== schemaFingerprint(db))
    throw new TransferError(
      'the export was made by another version of Baylight (its tables differ): export and import with the same version, then upgrade',
    );
  const tables = tablesInOrder(db);
  const byName = new Map(tables.map((t) => [t.name, t]));

  return db.transaction(async (tx) => {
    for (const info of tables) {
      const [any] = (await tx
        .select({ one: sql`1` })
        .from(info.table as never)
        .limit(1)) as unknown[];
      if (any)
        throw new TransferError(`the target database is not empty (${info.name} has rows): import into a new database`);
    }
    let batch: Record<string, unknown>[] = [];
    let batchTable: TableInfo | null = null;
    const flush = async () => {
      if (batchTable && batch.length) await tx.insert(batchTable.table as never).values(batch);
      batch = [];
    };
    let lineNo = 1;
    for (let next = await lines.next(); !next.done; next = await lines.next()) {
      lineNo++;
      if (!next.value.trim()) continue;
      let entry: { t?: unknown; r?: unknown };
      try {
        entry = JSON.parse(next.value) as typeof entry;
      } catch {
        throw new TransferError(`line ${lineNo} is not JSON`);
      }
      const info = typeof entry.t === 'string' ? byName.get(entry.t) : undefined;
      if (!info) throw new TransferError(`line ${lineNo} names no table of this schema (${String(entry.t)})`);
      if (info !== batchTable || batch.length >= 200) {
        await flush();
        batchTable = info;
      }
      try {
        batch.push(decode(info, entry.r as unknown[]));
      } catch (err) {
        throw new TransferError(`line ${lineNo}: ${(err as Error).message}`);
      }
    }
    await flush();
    if (db.dialect === 'postgres') {
      // Identity columns continue after the imported ids.
      for (const info of tables.filter((t) => t.identity)) {
        await (tx as unknown as { execute(q: unknown): Promise<unknown> }).execute(
          sql.raw(
            `select setval(pg_get_serial_sequence('"${info.name}"', '${info.identity}'), coalesce(max("${info.identity}"), 0) + 1, false) from "${info.name}"`,
          ),
        );
      }
    }
    const expected = new Map(manifest.tables.map((t) => [t.name, t]));
    const results: ImportResult['tables'] = [];
    for (const info of tables) {
      const got = await summarise(() => tx, info);
      const want = expected.get(info.name) ?? { rows: 0, sha256: createHash('sha256').digest('hex') };
      results.push({
        ...got,
        expectedRows: want.rows,
        expectedSha256: want.sha256,
        ok: got.rows === want.rows && got.sha256 === want.sha256,
      });
    }
    const bad = results.filter((r) => !r.ok);
    if (bad.length) {
      throw new TransferError(
        `the imported data does not match the export, nothing was kept: ${bad
          .map(
            (r) => `${r.name} ${r.rows}/${r.expectedRows} rows${r.rows === r.expectedRows ? ', checksum differs' : ''}`,
          )
          .join('; ')}`,
      );
    }
    return { manifest, tables: results };
  });
}
