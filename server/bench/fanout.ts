/**
 * Fan-out benchmark: how long a controller's event takes to reach N live
 * subscribers (p50/p95/p99 from the report leaving the controller to each
 * subscriber receiving the update), on the real server with real graphql-ws
 * clients.
 *
 *   npm run bench -w server -- [subscribers=1000] [events=200] [ratePerSecond=50]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startServer } from '../src/app.js';
import { parseConfig } from '../src/config/index.js';
import { demoLayout } from '../src/demo/seed.js';

const [subscribers = 1000, events = 200, rate = 50] = process.argv.slice(2).map(Number);
const dir = mkdtempSync(join(tmpdir(), 'baylight-bench-'));
const server = await startServer({
  config: parseConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_FILE: join(dir, 'b.db'),
    LOG_LEVEL: 'silent',
    // Every subscriber connects from this one address with one token: lift the per-client caps.
    WS_MAX_SOCKETS_PER_CLIENT: String(subscribers + 10),
    RATE_LIMIT_CLIENT_BURST: String(subscribers * 10),
    RATE_LIMIT_TOKEN_BURST: String(subscribers * 10),
  }),
});
const admin = server.services.people.createPerson({ email: 'bench@uni.test', name: 'Bench', role: 'ADMIN' });
const token = server.services.people.createApiToken(admin.id, 'bench');
const viewer = { personId: admin.id, role: 'ADMIN' as const, department: null, tokenId: 'x' };
const site = server.services.lockers.createSite(viewer, { name: 'Bench' });
const { bank, deviceToken } = server.services.lockers.createLockerBank(viewer, {
  siteId: site.id,
  name: 'B',
  compartments: demoLayout(24),
});

const connect = (params: Record<string, unknown>) =>
  new Promise<Client>((resolve) => {
    const c = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: params,
      lazy: false,
      on: { connected: () => resolve(c) },
    });
  });

const sentAt = new Map<number, number>();
const latencies: number[] = [];
let received = 0;
const clients: Client[] = [];
const t0 = Date.now();
for (let i = 0; i < subscribers; i++) {
  const c = await connect({ authorization: `Bearer ${token}` });
  clients.push(c);
  c.subscribe<{ compartmentUpdated: { version: number; label: string } }>(
    {
      query: `subscription ($b: ID) { compartmentUpdated(bankId: $b) { id label door occupancy state version } }`,
      variables: { b: bank.id },
    },
    {
      next: ({ data }) => {
        const v = data?.compartmentUpdated.version;
        const sent =
          v !== undefined ? sentAt.get(v * 1000 + Number(data!.compartmentUpdated.label.slice(1))) : undefined;
        if (sent !== undefined) latencies.push(performance.now() - sent);
        received++;
      },
      error: () => {},
      complete: () => {},
    },
  );
}
console.log(`${subscribers} subscribers connected in ${Date.now() - t0} ms`);
await new Promise((r) => setTimeout(r, 500));

const device = await connect({ deviceToken });
const versions = new Map<string, number>();
const rss0 = process.memoryUsage().rss;
for (let seq = 1; seq <= events; seq++) {
  const label = 'A01';
  const next = (versions.get(label) ?? 1) + 1;
  versions.set(label, next);
  sentAt.set(next * 1000 + 1, performance.now());
  await new Promise<void>((resolve, reject) => {
    device.subscribe(
      {
        query: `mutation ($e: [LockerEventInput!]!) { reportLockerEvents(events: $e) { acceptedThroughSeq } }`,
        variables: { e: [{ seq, label, kind: seq % 2 ? 'DOOR_OPENED' : 'DOOR_CLOSED', at: new Date().toISOString() }] },
      },
      { next: () => {}, error: reject, complete: resolve },
    );
  });
  await new Promise((r) => setTimeout(r, 1000 / rate));
}
const expected = subscribers * events;
const deadline = Date.now() + 30_000;
while (received < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1);
console.log(`events: ${events} at ${rate}/s → ${expected} deliveries expected, ${received} received`);
console.log(
  `latency ms (report sent → subscriber got it): p50 ${pct(50)}  p95 ${pct(95)}  p99 ${pct(99)}  max ${latencies.at(-1)!.toFixed(1)}`,
);
console.log(
  `deliveries/s during the run: ${Math.round(received / (events / rate || 1))}; rss +${Math.round((process.memoryUsage().rss - rss0) / 1e6)} MB`,
);

for (const c of clients) await c.dispose();
await device.dispose();
await server.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
