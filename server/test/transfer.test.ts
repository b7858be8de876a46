/**
 * `admin export` / `admin import`: a SQLite campus that has really been used
 * (a bank, a controller's events, parcels, notices, audit, attempts) moves to
 * a real PostgreSQL with every table's count and checksum equal; exported
 * again from PostgreSQL it gives the same checksums; a file changed on the
 * way, a target that is not empty and an export from other tables are
 * refused, and nothing is kept.
 */
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresDb, type PostgresDb } from '../src/db/postgres.js';
import { exportDatabase, importDatabase, type Manifest } from '../src/db/transfer.js';
import type { Db } from '../src/db/index.js';
import { intake, readyParcel } from './helpers/parcels.js';
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

async function exported(db: Db) {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const manifest = await exportDatabase(db, out);
  out.end();
  return { manifest, text: Buffer.concat(chunks).toString('utf8') };
}

async function freshPostgres() {
  const db = await openPostgresDb(await cluster.createDatabase());
  opened.push(db);
  return db;
}

/** A used campus: a parcel picked up… well, deposited and waiting, a second at the desk or in a locker. */
async function usedCampus() {
  const { server, clerk, student } = await readyParcel();
  await intake(server, clerk, student);
  return server;
}

const summary = (m: Manifest) => m.tables.map(({ name, rows, sha256 }) => ({ name, rows, sha256 }));

describe('export from SQLite, import into PostgreSQL', () => {
  it('moves every row: counts and checksums per table are equal, and PostgreSQL exports the same', async () => {
    const server = await usedCampus();
    const { manifest, text } = await exported(server.services.db);
    const used = manifest.tables.filter((t) => t.rows > 0).map((t) => t.name);
    for (const t of ['people', 'locker_banks', 'compartments', 'locker_events', 'parcels', 'notification_outbox'])
      expect(used).toContain(t);

    const target = await freshPostgres();
    const result = await importDatabase(target, Readable.from([text]));
    expect(result.tables.every((t) => t.ok)).toBe(true);
    expect(result.tables.map(({ name, rows, sha256 }) => ({ name, rows, sha256 }))).toEqual(summary(manifest));

    const again = await exported(target);
    expect(summary(again.manifest)).toEqual(summary(manifest));

    // Identity columns go on after the imported ids.
    const { lockerEvents } = target.tables;
    const max = Math.max(...(await target.read.select({ id: lockerEvents.id }).from(lockerEvents)).map((r) => r.id));
    const [bank] = await target.read.select().from(target.tables.lockerBanks).limit(1);
    const [row] = await target.transaction((tx) =>
      tx
        .insert(lockerEvents)
        .values({ bankId: bank!.id, kind: 'BANK_ONLINE', occurredAt: new Date(), receivedAt: new Date() })
        .returning(),
    );
    expect(row!.id).toBeGreaterThan(max);
  }, 120_000);

  it('refuses a file changed on the way and keeps nothing', async () => {
    const server = await usedCampus();
    const { text } = await exported(server.services.db);
    const lines = text.trimEnd().split('\n');
    const i = lines.findIndex((l) => l.startsWith('{"t":"compartments"'));
    lines[i] = lines[i]!.replace(/"(AVAILABLE|RESERVED|IN_USE)"/, '"OUT_OF_SERVICE"');
    const target = await freshPostgres();
    await expect(importDatabase(target, Readable.from([lines.join('\n')]))).rejects.toThrow(
      /does not match the export, nothing was kept: compartments 8\/8 rows, checksum differs/,
    );
    expect(await target.read.select().from(target.tables.people)).toEqual([]);
  }, 120_000);

  it('refuses a target that has rows, another schema and a file that is not an export', async () => {
    const server = await usedCampus();
    const { text } = await exported(server.services.db);
    const target = await freshPostgres();
    await importDatabase(target, Readable.from([text]));
    await expect(importDatabase(target, Readable.from([text]))).rejects.toThrow(/not empty/);

    const [manifestLine, ...rest] = text.split('\n');
    const other = JSON.stringify({ ...(JSON.parse(manifestLine!) as Manifest), schema: 'older' });
    await expect(importDatabase(await freshPostgres(), Readable.from([[other, ...rest].join('\n')]))).rejects.toThrow(
      /another version of Baylight/,
    );
    await expect(importDatabase(await freshPostgres(), Readable.from(['name,email\n']))).rejects.toThrow(
      /not a Baylight export/,
    );
  }, 120_000);
});
