/**
 * Bench baseline for intake: a raw better-sqlite3 transaction inserting a
 * parcel row like intake's and its audit row (the door-opening command that
 * records who asked, how and why), with statements prepared once, on a
 * database migrated with Baylight's migrations and opened with the server's
 * pragmas (WAL, synchronous NORMAL, foreign keys).
 *
 *   tsx server/bench/targets/raw-intake.ts          behind a bare node:http server (the baseline's figure)
 *   tsx server/bench/targets/raw-intake.ts loop 5   in process for 5 s, no HTTP (for reference)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { migrationsFolder } from '../../src/db/index.js';

const dir = mkdtempSync(join(tmpdir(), 'baylight-bench-raw-'));
const db = new Database(join(dir, 'raw.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');
migrate(drizzle(db), { migrationsFolder });

db.prepare(`INSERT INTO people (id, email, name, role) VALUES ('p1', 'a@uni.test', 'A', 'STUDENT')`).run();
db.prepare(`INSERT INTO people (id, email, name, role) VALUES ('p2', 'd@uni.test', 'D', 'MAILROOM')`).run();
db.prepare(`INSERT INTO sites (id, name) VALUES ('s1', 'Site')`).run();
db.prepare(`INSERT INTO locker_banks (id, site_id, name, device_token_hash) VALUES ('b1', 's1', 'B', 'x')`).run();
db.prepare(`INSERT INTO compartments (id, bank_id, label, size) VALUES ('c1', 'b1', 'A01', 'M')`).run();

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('base64url')}`;
const insertParcel = db.prepare(
  `INSERT INTO parcels (id, tracking, tracking_key, carrier, recipient_id, size, status, bank_id, compartment_id,
     created_by, created_at, operation, operation_at, updated_at)
   VALUES (?, ?, ?, NULL, 'p1', 'M', 'AWAITING_DEPOSIT', 'b1', 'c1', 'p2', ?, 'DEPOSIT', ?, ?)`,
);
const insertAudit = db.prepare(
  `INSERT INTO locker_commands (id, bank_id, compartment_id, label, kind, requested_by, via, reason, parcel_id,
     issued_at, expires_at)
   VALUES (?, 'b1', 'c1', 'A01', 'OPEN_COMPARTMENT', 'p2', 'DEPOSIT', NULL, ?, ?, ?)`,
);
const intake = db.transaction((tracking: string | number) => {
  const parcelId = id('pcl');
  const at = Date.now();
  insertParcel.run(parcelId, `RAW${tracking}`, `RAW${tracking}`, at, at, at);
  insertAudit.run(id('cmd'), parcelId, at, at + 90_000);
  return parcelId;
});

if (process.argv[2] === 'loop') {
  // In process, no HTTP: the transaction alone, as fast as one core runs it.
  const seconds = Number(process.argv[3] ?? 5);
  const latencies: number[] = [];
  let n = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  for (let t = started; t < until;) {
    intake.immediate(++n);
    const after = performance.now();
    latencies.push(after - t);
    t = after;
  }
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  console.log(JSON.stringify({ perSecond: n / elapsed, p50: pct(0.5), p99: pct(0.99), count: n }));
  db.close();
  rmSync(dir, { recursive: true, force: true });
} else {
  // Behind a bare node:http server, so it is loaded exactly like Baylight: read and parse the JSON body,
  // run the transaction, answer a small JSON document.
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { variables?: { i?: { tracking?: string } } };
      const parcelId = intake.immediate(body.variables?.i?.tracking ?? String(++n));
      const answer = JSON.stringify({
        data: { intakeParcel: { __typename: 'ParcelReserved', parcel: { id: parcelId } } },
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
      res.end(answer);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    console.log(JSON.stringify({ url: `http://127.0.0.1:${port}/graphql`, pid: process.pid }));
  });
  const stop = () =>
    server.close(() => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  createInterface({ input: process.stdin }).on('close', stop);
  process.on('SIGTERM', stop);
}
