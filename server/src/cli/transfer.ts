/**
 * `npm run admin -- export` and `npm run admin -- import`: moving a campus
 * between databases (src/db/transfer.ts says what the file holds and how it
 * is checked).
 *
 *   export [--out <file>]                   the configured database (DATABASE_URL or DATABASE_FILE) → a file (default stdout)
 *   import --from <file> --to <target>      a file → an empty database: postgres://… or a SQLite file path
 *
 * Stop the server before an export from SQLite: the export reads in one
 * transaction for a consistent copy, and on SQLite that holds the write lock.
 */
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { loadConfigOrExit } from '../config/index.js';
import { describeDatabase, openSqliteDb, type Db } from '../db/index.js';
import { openPostgresDb } from '../db/postgres.js';
import { openConfiguredDb } from '../db/open.js';
import { exportDatabase, importDatabase, TransferError, type TableSummary } from '../db/transfer.js';

export const transferUsage = `  export         [--out <file>]
                 Writes every table of the configured database (DATABASE_URL or DATABASE_FILE) to one JSON-lines file
                 (default: standard output), with row counts and checksums per table. Stop the server first.
  import         --from <file> --to <postgres://… | SQLite file>
                 Loads an export into an empty database, checks every table's count and checksum,
                 and keeps nothing if any differs.`;

function table(rows: (TableSummary & { ok?: boolean })[]): string {
  const width = Math.max(...rows.map((r) => r.name.length), 5);
  return rows
    .map(
      (r) =>
        `  ${r.name.padEnd(width)}  ${String(r.rows).padStart(9)} rows  sha256 ${r.sha256.slice(0, 16)}…${r.ok === undefined ? '' : r.ok ? '  ok' : '  DIFFERS'}`,
    )
    .join('\n');
}

async function openTarget(to: string): Promise<Db> {
  if (/^postgres(ql)?:\/\//.test(to)) return openPostgresDb(to);
  const path = resolve(to);
  if (existsSync(path)) throw new TransferError(`${path} exists: import into a new database`);
  const db = openSqliteDb(path);
  console.error(describeDatabase(db).message);
  return db;
}

/** Runs `export` or `import`; returns the exit code. */
export async function runTransfer(command: 'export' | 'import', values: { out?: string; from?: string; to?: string }) {
  if (command === 'export') {
    const config = loadConfigOrExit();
    const say = (_fields: object, message: string) => console.error(message);
    const db = await openConfiguredDb(config, { info: say, warn: say });
    try {
      const out = values.out && values.out !== '-' ? createWriteStream(resolve(values.out)) : process.stdout;
      const manifest = await exportDatabase(db, out);
      if (out !== process.stdout) {
        out.end();
        await finished(out);
      }
      const total = manifest.tables.reduce((n, t) => n + t.rows, 0);
      console.error(
        `exported ${total} rows from ${manifest.tables.length} tables${values.out ? ` to ${resolve(values.out)}` : ''}:\n${table(manifest.tables)}`,
      );
      return 0;
    } finally {
      await db.close();
    }
  }
  if (!values.from) throw new TransferError('--from <file> is required');
  if (!values.to) throw new TransferError('--to <postgres://… | SQLite file> is required');
  const db = await openTarget(values.to);
  try {
    const result = await importDatabase(db, createReadStream(resolve(values.from)));
    const total = result.tables.reduce((n, t) => n + t.rows, 0);
    console.error(
      `imported ${total} rows into ${result.tables.length} tables; every count and checksum matches the export:\n${table(result.tables)}`,
    );
    return 0;
  } finally {
    await db.close();
  }
}
