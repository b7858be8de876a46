/**
 * Baylight as the fan-out benchmark measures it: the real server (startServer,
 * SQLite in a temp directory), `subscribers` students with a token each and
 * `controllers` banks with a device token each. An event is a compartment's
 * new state published the way the locker service publishes it
 * (publishCompartments), so what is measured is delivery, not the database
 * write that made the event (the intake and query benchmarks measure those).
 *
 *   node --import tsx bench/fanout/baylight-server.ts <subscribers> <controllers> [REDIS_URL DATABASE_FILE INSTANCE_ID]
 *
 * With the three last arguments it is one instance of a cluster (Redis bus,
 * one shared SQLite file): the first instance (no file yet) creates the
 * people and banks, the others find them in the file and create nothing; the
 * driver connects subscribers to every instance and publishes on the first,
 * so each event crosses Redis to reach the others.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/app.js';
import { parseConfig } from '../../src/config/index.js';
import { demoLayout } from '../../src/demo/seed.js';
import type { Viewer } from '../../src/people/types.js';
import { runPaced, send, type ToServer } from './control.js';

const [subscribers = 1000, controllers = 0] = process.argv.slice(2, 4).map(Number);
const [redisUrl, sharedFile, instanceId] = process.argv.slice(4);
const replica = !!sharedFile && existsSync(sharedFile);
const dir = mkdtempSync(join(tmpdir(), 'baylight-fanout-'));
const sockets = subscribers + controllers + 50;
const server = await startServer({
  config: parseConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_FILE: sharedFile ?? join(dir, 'b.db'),
    PICKUP_SIGNING_KEY_FILE: join(sharedFile ? join(sharedFile, '..') : dir, 'keys.json'),
    ...(redisUrl ? { REDIS_URL: redisUrl, INSTANCE_ID: instanceId ?? 'bench' } : {}),
    LOG_LEVEL: 'silent',
    // Every client connects from this one address: lift the per-address caps.
    WS_MAX_SOCKETS_PER_CLIENT: String(sockets),
    RATE_LIMIT_CLIENT_BURST: String(sockets * 10),
    RATE_LIMIT_DEVICE_BURST: String(sockets * 10),
  }),
});
const s = server.services;
const subscriberTokens: string[] = [];
let banks: { bank: { id: string }; deviceToken: string }[] = [];
let row: Awaited<ReturnType<typeof s.lockers.store.compartmentsByBankIds>>[number] | undefined;
if (!replica) {
  const admin = await s.people.createPerson({ email: 'bench@uni.test', name: 'Bench', role: 'ADMIN' });
  const viewer: Viewer = { personId: admin.id, role: 'ADMIN', department: null, tokenId: 'bench' };
  const site = await s.lockers.createSite(viewer, { name: 'Bench' });
  const layout = demoLayout(24);
  for (let i = 0; i < Math.max(1, controllers); i++)
    banks.push(await s.lockers.createLockerBank(viewer, { siteId: site.id, name: `B${i}`, compartments: layout }));
  for (let i = 0; i < subscribers; i++) {
    const p = await s.people.createPerson({ email: `s${i}@uni.test`, name: `Student ${i}`, role: 'STUDENT' });
    subscriberTokens.push(await s.people.createApiToken(p.id, 'bench'));
  }
  const bank = banks[0]!.bank;
  [row] = (await s.lockers.store.compartmentsByBankIds([bank.id])).filter((c) => c.label === 'A01');
  if (!row) throw new Error('no A01');
} else {
  banks = [];
}

function publish(seq: number) {
  s.lockers.publishCompartments([{ ...row!, version: seq, updatedAt: new Date() }]);
}

process.on('message', (m: ToServer) => {
  if (m.type === 'go') publish(m.seq);
  else if (m.type === 'paced') runPaced(m, publish, () => send({ type: 'paced-done' }));
  else if (m.type === 'rss') {
    const u = process.memoryUsage();
    send({ type: 'rss', rss: u.rss, heapUsed: u.heapUsed });
  } else if (m.type === 'stop') {
    void server.close().finally(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    });
  }
});
send({
  type: 'ready',
  url: server.wsUrl,
  subscriberTokens,
  deviceTokens: controllers ? banks.map((b) => b.deviceToken) : [],
  variables: banks[0] ? { b: banks[0].bank.id } : {},
});
