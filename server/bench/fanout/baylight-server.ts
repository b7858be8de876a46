/**
 * Baylight as the fan-out benchmark measures it: the real server (startServer,
 * SQLite in a temp directory), `subscribers` students with a token each and
 * `controllers` banks with a device token each. An event is a compartment's
 * new state published the way the locker service publishes it
 * (publishCompartments), so what is measured is delivery, not the database
 * write that made the event (the intake and query benchmarks measure those).
 *
 *   node --import tsx bench/fanout/baylight-server.ts <subscribers> <controllers>
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/app.js';
import { parseConfig } from '../../src/config/index.js';
import { demoLayout } from '../../src/demo/seed.js';
import type { Viewer } from '../../src/people/types.js';
import { runPaced, send, type ToServer } from './control.js';

const [subscribers = 1000, controllers = 0] = process.argv.slice(2).map(Number);
const dir = mkdtempSync(join(tmpdir(), 'baylight-fanout-'));
const sockets = subscribers + controllers + 50;
const server = await startServer({
  config: parseConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_FILE: join(dir, 'b.db'),
    LOG_LEVEL: 'silent',
    // Every client connects from this one address: lift the per-address caps.
    WS_MAX_SOCKETS_PER_CLIENT: String(sockets),
    RATE_LIMIT_CLIENT_BURST: String(sockets * 10),
    RATE_LIMIT_DEVICE_BURST: String(sockets * 10),
  }),
});
const s = server.services;
// Promise.resolve: the services answer at once today and with a promise once the Db port is asynchronous.
const admin = await Promise.resolve(s.people.createPerson({ email: 'bench@uni.test', name: 'Bench', role: 'ADMIN' }));
const viewer: Viewer = { personId: admin.id, role: 'ADMIN', department: null, tokenId: 'bench' };
const site = await Promise.resolve(s.lockers.createSite(viewer, { name: 'Bench' }));
const layout = demoLayout(24);
const banks = [];
for (let i = 0; i < Math.max(1, controllers); i++)
  banks.push(
    await Promise.resolve(s.lockers.createLockerBank(viewer, { siteId: site.id, name: `B${i}`, compartments: layout })),
  );
const subscriberTokens: string[] = [];
for (let i = 0; i < subscribers; i++) {
  const p = await Promise.resolve(
    s.people.createPerson({ email: `s${i}@uni.test`, name: `Student ${i}`, role: 'STUDENT' }),
  );
  subscriberTokens.push(await Promise.resolve(s.people.createApiToken(p.id, 'bench')));
}
const bank = banks[0]!.bank;
const [row] = (await Promise.resolve(s.lockers.store.compartmentsByBankIds([bank.id]))).filter(
  (c) => c.label === 'A01',
);
if (!row) throw new Error('no A01');

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
  variables: { b: bank.id },
});
