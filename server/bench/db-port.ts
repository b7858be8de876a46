/**
 * What the `Db` port costs on the two hot paths of issue 8, measured through
 * the real code: `intakeParcel` through the parcel service (authorisation,
 * reservation transaction, command, publish) and the board query through the
 * locker store (banks, then their compartments, as the loaders ask). Run it
 * before and after a change to the port and compare:
 *
 *   cd server && npx tsx bench/db-port.ts [intakes=500] [boards=3000]
 *
 * Self-contained (a temporary database, no HTTP). The figures before the
 * port became asynchronous are in docs/benchmarks.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../src/app.js';
import { parseConfig } from '../src/config/index.js';
import { tables, type Db } from '../src/db/index.js';
import { demoLayout } from '../src/demo/seed.js';

const INTAKES = Number(process.argv[2] ?? 500);
const BOARDS = Number(process.argv[3] ?? 3000);
const WARMUP = 50;

const dir = mkdtempSync(join(tmpdir(), 'baylight-bench-db-'));
const server = await startServer({
  config: parseConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_FILE: join(dir, 'b.db'),
    PICKUP_SIGNING_KEY_FILE: join(dir, 'keys.json'),
    LOG_LEVEL: 'silent',
    DEV_OUTBOX: 'true',
  }),
});
const { services } = server;
const admin = await services.people.createPerson({ email: 'bench@uni.test', name: 'Bench', role: 'ADMIN' });
const viewer = { personId: admin.id, role: 'ADMIN' as const, department: null, tokenId: 'bench' };
const recipient = await services.people.createPerson({ email: 'student@uni.test', name: 'Sam', role: 'STUDENT' });

// Intake: one site with room for every parcel (size S fits every compartment), banks marked online
// (a command is stored and published; nobody needs to listen for it).
const intakeSite = await services.lockers.createSite(viewer, { name: 'A intake campus' });
const intakeBanks: string[] = [];
for (let b = 0; b * 24 < INTAKES + WARMUP; b++) {
  const { bank } = await services.lockers.createLockerBank(viewer, {
    siteId: intakeSite.id,
    name: `Intake ${String(b).padStart(3, '0')}`,
    compartments: demoLayout(24),
  });
  await services.lockers.store.setBankStatus(bank.id, 'ONLINE', new Date());
  intakeBanks.push(bank.id);
}
// The board of issue 8: 3 banks x 24 compartments on their own site.
const boardSite = await services.lockers.createSite(viewer, { name: 'B board campus' });
for (let b = 0; b < 3; b++) {
  await services.lockers.createLockerBank(viewer, {
    siteId: boardSite.id,
    name: `Board ${b}`,
    compartments: demoLayout(24),
  });
}

let n = 0;
const outcomes = new Map<string, number>();
async function intakeOne() {
  const i = n++;
  const result = await services.parcels.intake(viewer, {
    tracking: `BENCH${String(i).padStart(8, '0')}`,
    recipientId: recipient.id,
    size: 'S',
    bankId: intakeBanks[Math.floor(i / 24)] ?? null,
  });
  outcomes.set(result.__typename, (outcomes.get(result.__typename) ?? 0) + 1);
}
for (let i = 0; i < WARMUP; i++) await intakeOne();
outcomes.clear();
let started = performance.now();
for (let i = 0; i < INTAKES; i++) await intakeOne();
const intakeMs = performance.now() - started;

const { store } = services.lockers;
async function boardOnce() {
  const banks = await store.listBanks(boardSite.id);
  const compartments = await store.compartmentsByBankIds(banks.map((b) => b.id));
  if (compartments.length !== 72) throw new Error(`board has ${compartments.length} compartments`);
}
for (let i = 0; i < 200; i++) await boardOnce();
started = performance.now();
for (let i = 0; i < BOARDS; i++) await boardOnce();
const boardMs = performance.now() - started;

// The port itself: one small write transaction (insert, read back).
const { serverSettings } = tables;
const TXS = 3000;
const db: Db = services.db;
started = performance.now();
for (let i = 0; i < TXS; i++) {
  await db.transaction(async (tx) => {
    await tx.insert(serverSettings).values({ key: `async-${i}`, value: 'x' });
    return tx
      .select()
      .from(serverSettings)
      .where(eq(serverSettings.key, `async-${i}`));
  });
}
const txMs = performance.now() - started;

await server.close();
rmSync(dir, { recursive: true, force: true });

const row = (name: string, ops: number, ms: number) =>
  `${name.padEnd(38)} ${String(ops).padStart(6)} ops  ${(ms / ops).toFixed(3).padStart(8)} ms/op  ${Math.round(
    (ops * 1000) / ms,
  )
    .toString()
    .padStart(7)} ops/s`;
console.log(`node ${process.version}, ${new Date().toISOString()}`);
console.log(row('intakeParcel (parcel service)', INTAKES, intakeMs));
console.log(`  outcomes: ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}`);
console.log(row('board: 3 banks x 24 (locker store)', BOARDS, boardMs));
console.log(row('port: transaction insert+read', TXS, txMs));
