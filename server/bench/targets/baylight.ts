/**
 * Bench target: the real Baylight server (startServer; SQLite in a temporary
 * directory, or the PostgreSQL database given as the second argument) with one site of 3 banks × 24 compartments, a mailroom token and
 * a recipient. Prints one JSON line with what the load generator needs, then
 * serves until stdin closes or says "stop".
 *
 * During the intake bench (`free on` … `free off` on stdin), a tick every
 * 20 ms frees the compartments intakes reserved (what a deposit and a pickup
 * would do, without the controller's round trip), so an intake bench of any
 * length keeps running the reservation path instead of falling through to
 * "lockers full". The tick runs on this process's core, so its cost is
 * charged to Baylight, never hidden.
 *
 * Other stdin lines: `profile start` and `profile stop <file>` take a CPU profile
 * (node:inspector, the same as `node --cpu-prof`) of exactly the window
 * between them; `stop` ends the server.
 *
 *   tsx server/bench/targets/baylight.ts [production|development] [postgres://…|-] [BOARD_CACHE_MAX_AGE_MS]
 *   (started by server/bench/index.ts)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { eq, sql } from 'drizzle-orm';
import { startServer } from '../../src/app.js';
import { parseConfig } from '../../src/config/index.js';
import { demoLayout } from '../../src/demo/seed.js';

// `production` as deployed (NODE_ENV=production; graphql-js skips its development checks too); the
// bench starts this process with NODE_ENV set to match, and `development` when asked.
const production = process.argv[2] !== 'development';
// Then `postgres://…` (or `-` for SQLite) and BOARD_CACHE_MAX_AGE_MS (the server's default when absent).
const databaseUrl = process.argv[3] && process.argv[3] !== '-' ? process.argv[3] : undefined;
const boardCacheMs = process.argv[4];
const dir = mkdtempSync(join(tmpdir(), 'baylight-bench-'));
const file = join(dir, 'bench.db');
const lifted = '10000000';
const server = await startServer({
  config: parseConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_FILE: file,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    PICKUP_SIGNING_KEY_FILE: join(dir, 'keys.json'),
    LOG_LEVEL: 'silent',
    NODE_ENV: production ? 'production' : 'development',
    // Required in production; nothing in the bench sends mail (intake tells nobody before the deposit).
    SMTP_URL: 'smtp://127.0.0.1:9',
    // One load generator, one address, two tokens: the budgets are charged as usual, with room for a benchmark.
    RATE_LIMIT_CLIENT_BURST: lifted,
    RATE_LIMIT_CLIENT_PER_SECOND: '1000000',
    RATE_LIMIT_TOKEN_BURST: lifted,
    RATE_LIMIT_TOKEN_PER_SECOND: '1000000',
    RATE_LIMIT_DEVICE_BURST: lifted,
    RATE_LIMIT_DEVICE_PER_SECOND: '1000000',
    WS_MAX_SOCKETS_PER_CLIENT: '1000',
    ...(boardCacheMs ? { BOARD_CACHE_MAX_AGE_MS: boardCacheMs } : {}),
  }),
});
const { services } = server;
const admin = await services.people.createPerson({ email: 'bench@uni.test', name: 'Bench', role: 'ADMIN' });
const adminToken = await services.people.createApiToken(admin.id, 'bench');
const desk = await services.people.createPerson({ email: 'desk@uni.test', name: 'Desk', role: 'MAILROOM' });
const mailroomToken = await services.people.createApiToken(desk.id, 'bench');
const recipient = await services.people.createPerson({ email: 'student@uni.test', name: 'Student', role: 'STUDENT' });
const viewer = { personId: admin.id, role: 'ADMIN' as const, department: null, tokenId: 'bench' };
const site = await services.lockers.createSite(viewer, { name: 'Bench campus' });
const deviceTokens: string[] = [];
for (const name of ['North', 'South', 'Library']) {
  const { deviceToken } = await services.lockers.createLockerBank(viewer, {
    siteId: site.id,
    name,
    compartments: demoLayout(24),
  });
  deviceTokens.push(deviceToken);
}

// Frees reserved compartments between intakes, in a transaction of the server's own Db (either
// engine). The door commands stay as the controllers left them (delivered, unanswered): the bench
// is shorter than their 90 s lifetime, and a controller's answers would be another mutation's work.
const { parcels, compartments } = services.db.tables;
let freeing = false;
const free = async () => {
  if (freeing) return;
  freeing = true;
  try {
    await services.db.transaction(async (tx) => {
      await tx
        .update(parcels)
        .set({ status: 'AT_DESK', deskReason: 'DEPOSIT_FAILED', bankId: null, compartmentId: null })
        .where(eq(parcels.status, 'AWAITING_DEPOSIT'));
      await tx
        .update(compartments)
        .set({ state: 'AVAILABLE', version: sql`${compartments.version} + 1` })
        .where(eq(compartments.state, 'RESERVED'));
    });
  } finally {
    freeing = false;
  }
};
let ticker: ReturnType<typeof setInterval> | undefined;

console.log(
  JSON.stringify({
    url: server.url,
    wsUrl: server.wsUrl,
    pid: process.pid,
    adminToken,
    mailroomToken,
    recipientId: recipient.id,
    deviceTokens,
  }),
);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  clearInterval(ticker);
  await server.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
let inspector: Session | null = null;
const command = async (line: string) => {
  const [verb, arg, path] = line.trim().split(/\s+/);
  if (verb === 'stop') return stop();
  if (verb === 'free' && arg === 'on') ticker ??= setInterval(() => void free(), 20);
  if (verb === 'free' && arg === 'off') {
    clearInterval(ticker);
    ticker = undefined;
  }
  if (verb === 'profile' && arg === 'start') {
    inspector = new Session();
    inspector.connect();
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.start');
  } else if (verb === 'profile' && arg === 'stop' && inspector && path) {
    const { profile } = await inspector.post('Profiler.stop');
    writeFileSync(path, JSON.stringify(profile));
    inspector.disconnect();
    inspector = null;
  }
  console.log(`done ${line.trim()}`);
};
createInterface({ input: process.stdin })
  .on('line', (line) => void command(line))
  .on('close', () => void stop());
process.on('SIGTERM', () => void stop());
